"""The embedded default's periodic work: `galena beat --embedded` started for real, in a
process of its own, on a schedule of tiny tasks due every fraction of a second
(tests/commands/embedded_beat_settings.py). Those tests take a few seconds each: Django and
the task modules load in the new process."""

import contextlib
import fcntl
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from galena.core.management.commands import serve

ROOT = Path(__file__).resolve().parents[2]
TICK = "tests.commands.embedded_beat_tasks.tick"
FAIL = "tests.commands.embedded_beat_tasks.fail"
RELAY = "tests.commands.embedded_beat_tasks.relay"


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path


@pytest.fixture
def env(data_dir):
    """No broker, a database and data directory of the test's own, the tiny schedule."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CELERY_BROKER_URL", "DATABASE_URL"}
    }
    clean.update(
        DJANGO_SETTINGS_MODULE="tests.commands.embedded_beat_settings",
        GALENA_DATA_DIR=str(data_dir),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    return clean


@pytest.fixture
def spawned():
    """Processes a test starts (or ids of processes it left without a parent); any still
    running at its end are killed."""
    processes: list[subprocess.Popen | int] = []
    yield processes
    for process in processes:
        if isinstance(process, int):
            with contextlib.suppress(ProcessLookupError):
                os.kill(process, signal.SIGKILL)
        elif process.poll() is None:
            process.kill()
            process.wait()


def galena(*args: str, env: dict, log: Path, spawned: list) -> subprocess.Popen:
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "galena", *args],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    spawned.append(process)
    return process


def wait_for(condition, *, seconds: float = 90.0):
    """Poll until the condition holds: generous, since starting a process that loads Django
    takes long on a loaded machine, and it returns as soon as the condition holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"Not true after {seconds} s: {condition.__doc__ or condition}")


def ticks(data_dir: Path) -> list[int]:
    path = data_dir / "ticks"
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    """Running: an exited process waiting for its parent to reap it (a zombie) is not."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


pytestmark = pytest.mark.skipif(
    not Path("/proc").is_dir(), reason="reads the processes' state from /proc (Linux)"
)


def test_embedded_beat_runs_each_task_in_its_own_process_without_a_broker(env, data_dir, spawned):
    log = data_dir / "beat.log"

    beat = galena("beat", "--embedded", env=env, log=log, spawned=spawned)

    def a_task_ran_after_a_failure():
        """the tick and relay tasks succeeded after the failing task was logged"""
        text = log.read_text()
        failed = text.find(f"{FAIL}[")
        return (
            failed != -1
            and text.find(f"{TICK}[", failed) != -1
            and text.find(f"{RELAY}[", failed) != -1
        )

    wait_for(a_task_ran_after_a_failure)
    text = log.read_text()
    assert "No broker: the periodic tasks run in this process" in text
    assert f"tick: {TICK} every 0.2 s" in text
    assert f"fail: {FAIL} every 0.5 s" in text
    assert f"[beat] [ERROR] Task {FAIL}[" in text
    assert "raised unexpected: RuntimeError('a periodic task failed')" in text
    assert f"{RELAY}[" in text and f"[ERROR] Task {RELAY}[" not in text
    assert "Connection error" not in text
    assert "No hostname was supplied" not in text
    assert set(ticks(data_dir)) == {beat.pid}

    beat.send_signal(signal.SIGTERM)

    assert beat.wait(timeout=10) == 0
    assert list(data_dir.glob("celerybeat-schedule*"))


def test_a_second_embedded_beat_on_the_same_data_directory_does_not_start(data_dir, settings):
    settings.CELERY_BROKER_URL = ""
    with (data_dir / "celerybeat.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lock.write("4242\n")
        lock.flush()

        with pytest.raises(CommandError, match=r"Another `galena beat --embedded` \(pid 4242\)"):
            call_command("beat", "--embedded", "--schedule", str(data_dir / "celerybeat-schedule"))

    assert not list(data_dir.glob("celerybeat-schedule*"))


def test_embedded_beat_stops_when_the_process_that_started_it_is_killed(env, data_dir, spawned):
    log = data_dir / "beat.log"
    # a shell as the parent, then killed without a chance to stop its child
    with log.open("w") as output:
        parent = subprocess.Popen(
            [
                "/bin/sh",
                "-c",
                f'"{sys.executable}" -m galena beat --embedded --parent-pid=$$ & wait',
            ],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    spawned.append(parent)
    beat_pid = wait_for(lambda: ticks(data_dir) and ticks(data_dir)[0])
    spawned.append(beat_pid)

    parent.kill()
    parent.wait()

    wait_for(lambda: not alive(beat_pid), seconds=30)
    assert f"Its parent process (pid {parent.pid}) has gone" in log.read_text()


def test_serve_hooks_start_the_embedded_beat_when_ready_and_stop_it_on_exit(
    env, data_dir, spawned, settings, monkeypatch
):
    # the child takes its settings from the environment and its data directory from ours
    for key in set(os.environ) - set(env):
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings.DATA_DIR = data_dir
    arbiter = SimpleNamespace(log=logging.getLogger("gunicorn.error"))
    server = serve.server_build(workers=1, embedded_beat=True)

    server.cfg.when_ready(arbiter)
    beat = arbiter.galena_beat
    spawned.append(beat)
    assert wait_for(lambda: ticks(data_dir) and ticks(data_dir)[0]) == beat.pid
    server.cfg.on_exit(arbiter)

    assert beat.returncode == 0
    assert not alive(beat.pid)
    assert list(data_dir.glob("celerybeat-schedule*"))
