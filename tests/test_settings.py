"""Settings profiles, loaded in a fresh interpreter as a deployment would load them."""

import os
import subprocess
import sys

import pytest

GOOD_KEY = "k" * 20 + "-production-secret-key-0123456789"
PROBE = (
    "import django; from django.conf import settings; django.setup(); "
    "print(settings.GALENA_ENV, settings.DEBUG, settings.SESSION_COOKIE_SECURE, "
    "settings.CELERY_TASK_ALWAYS_EAGER)"
)


def load_settings(tmp_path, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "DEBUG",
            "GALENA_ENV",
            "REDIS_URL",
            "CELERY_BROKER_URL",
            "DATABASE_URL",
        }
    }
    clean.update(
        DJANGO_SETTINGS_MODULE="galena.config.settings",
        GALENA_DATA_DIR=str(tmp_path),
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"SECRET_KEY": "galena-demo-secret-key-do-not-use-in-production"},
        {"SECRET_KEY": "too-short"},
    ],
    ids=["no key", "demo key", "short key"],
)
def test_production_refuses_the_demo_or_a_weak_secret_key(tmp_path, env):
    result = load_settings(tmp_path, GALENA_ENV="production", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Production refuses the demo SECRET_KEY" in result.stderr


def test_production_refuses_debug(tmp_path):
    result = load_settings(tmp_path, GALENA_ENV="production", SECRET_KEY=GOOD_KEY, DEBUG="on")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Production refuses DEBUG=on" in result.stderr


def test_production_starts_with_a_proper_key(tmp_path):
    result = load_settings(tmp_path, GALENA_ENV="production", SECRET_KEY=GOOD_KEY)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["production", "False", "True", "True"]


def test_development_defaults_to_debug_and_in_process_tasks(tmp_path):
    result = load_settings(tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["development", "True", "False", "True"]


def test_a_broker_sends_tasks_to_workers(tmp_path):
    result = load_settings(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "False"


def test_an_unknown_profile_is_refused(tmp_path):
    result = load_settings(tmp_path, GALENA_ENV="staging")

    assert result.returncode != 0
    assert "GALENA_ENV='staging'" in result.stderr
