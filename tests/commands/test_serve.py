"""`galena serve`, `galena worker` and `galena beat`: configured, checked, never started here
(tests/commands/test_embedded_beat.py starts the embedded beat for real)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from galena.config.celery import app as celery_app
from galena.core.management.commands import serve
from galena.core.management.commands.worker import worker_argv


@pytest.fixture
def started(monkeypatch):
    runs = []
    monkeypatch.setattr(serve.GalenaServer, "run", lambda self: runs.append(self.cfg))
    return runs


def test_server_binds_the_host_and_port_with_the_workers_asked_for():
    server = serve.server_build(host="127.0.0.1", port=8765, workers=3)

    assert server.cfg.bind == ["127.0.0.1:8765"]
    assert server.cfg.workers == 3
    assert server.cfg.worker_class_str == "sync"
    assert server.cfg.accesslog is None


def test_server_with_threads_uses_threaded_workers_and_logs_access():
    server = serve.server_build(host="::1", port=8000, workers=1, threads=4, access_log=True)

    assert server.cfg.bind == ["[::1]:8000"]
    assert server.cfg.threads == 4
    assert server.cfg.worker_class_str == "gthread"
    assert server.cfg.accesslog == "-"


@pytest.fixture
def unfrozen():
    import gc

    yield gc
    gc.unfreeze()  # the rest of the test session collects as usual


def test_server_loads_the_django_application(unfrozen):
    from galena.config.wsgi import application

    assert serve.server_build(workers=1).wsgi() is application
    # what the worker loaded is kept out of full collections (core.warm)
    assert unfrozen.get_freeze_count() > 10_000


def test_a_warmed_process_leaves_full_collections_only_what_came_after(unfrozen):
    from galena.core.warm import process_warm

    alive = len(unfrozen.get_objects())
    frozen = process_warm()

    # a frozen object that dies leaves the permanent generation (another thread may free
    # one between the two reads), so the count can only have fallen a little since
    assert frozen >= alive // 2 and 0 <= frozen - unfrozen.get_freeze_count() < 1_000
    assert len(unfrozen.get_objects()) < alive - frozen // 2  # a full collection walks these


def test_a_task_worker_process_is_warmed_before_its_first_task(unfrozen):
    from celery.signals import worker_process_init

    worker_process_init.send(sender=None)

    assert unfrozen.get_freeze_count() > 10_000


def test_workers_default_to_web_concurrency(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "7")

    assert serve.server_build().cfg.workers == 7


def test_workers_default_to_twice_the_cores_plus_one_capped_at_four(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setattr(serve.os, "cpu_count", lambda: 1)
    assert serve.default_workers() == 3
    monkeypatch.setattr(serve.os, "cpu_count", lambda: 16)
    assert serve.default_workers() == 4


def test_serve_reads_host_and_port_from_the_environment(started, monkeypatch, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "app.css").write_text("body {}")
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "9001")
    monkeypatch.setenv("WEB_CONCURRENCY", "2")
    out, err = io.StringIO(), io.StringIO()

    call_command("serve", "--graceful-timeout", "5", stdout=out, stderr=err)

    (cfg,) = started
    assert (cfg.bind, cfg.workers, cfg.graceful_timeout) == (["0.0.0.0:9001"], 2, 5)
    assert err.getvalue() == ""


def test_serve_runs_the_periodic_tasks_only_without_a_broker(started, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "app.css").write_text("body {}")

    settings.CELERY_BROKER_URL = ""
    call_command("serve", stdout=io.StringIO())
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    call_command("serve", stdout=io.StringIO())

    without_broker, with_broker = started
    assert without_broker.when_ready is serve.embedded_beat_when_ready
    assert without_broker.on_exit is serve.embedded_beat_on_exit
    assert with_broker.when_ready is not serve.embedded_beat_when_ready
    assert with_broker.on_exit is not serve.embedded_beat_on_exit


def test_serve_warns_when_static_files_were_not_collected(started, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "nothing-here"
    err = io.StringIO()

    call_command("serve", "--port", "8001", stdout=io.StringIO(), stderr=err)

    assert "is empty" in err.getvalue()
    assert "collectstatic" in err.getvalue()
    assert len(started) == 1


def test_worker_refuses_without_a_broker(settings, monkeypatch):
    settings.CELERY_BROKER_URL = ""
    calls = []
    monkeypatch.setattr(celery_app, "worker_main", lambda argv: calls.append(argv))

    with pytest.raises(CommandError, match="No task broker is configured"):
        call_command("worker")

    assert calls == []


def test_beat_refuses_without_a_broker(settings, monkeypatch):
    settings.CELERY_BROKER_URL = ""
    calls = []
    monkeypatch.setattr(celery_app, "start", lambda argv: calls.append(argv))

    with pytest.raises(CommandError, match="in-process") as refusal:
        call_command("beat")

    assert "`galena serve` runs the periodic ones" in str(refusal.value)
    assert calls == []


def test_embedded_beat_refuses_with_a_broker(settings, monkeypatch):
    settings.CELERY_BROKER_URL = "redis://:secret@127.0.0.1:6379/0"
    calls = []
    monkeypatch.setattr(celery_app, "Beat", lambda **options: calls.append(options))

    with pytest.raises(CommandError, match="one is configured") as refusal:
        call_command("beat", "--embedded")

    assert "secret" not in str(refusal.value)
    assert calls == []


def test_worker_starts_the_celery_worker_with_a_broker(settings, monkeypatch):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    calls = []
    monkeypatch.setattr(celery_app, "worker_main", lambda argv: calls.append(argv))

    call_command("worker", "--concurrency", "2", "--queues", "default")

    assert calls == [["worker", "--loglevel=INFO", "--concurrency=2", "--queues=default"]]


def test_worker_can_embed_beat():
    argv = worker_argv(with_beat=True, schedule="/tmp/schedule")

    assert argv[-2:] == ["--beat", "--schedule=/tmp/schedule"]


def test_beat_starts_the_scheduler_with_its_state_file(settings, monkeypatch, tmp_path):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    calls = []
    monkeypatch.setattr(celery_app, "start", lambda argv: calls.append(argv))

    call_command("beat", "--schedule", str(tmp_path / "beat"), "--loglevel", "WARNING")

    assert calls == [["beat", "--loglevel=WARNING", f"--schedule={tmp_path / 'beat'}"]]
