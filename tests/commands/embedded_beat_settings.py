"""Settings for the embedded beat the tests start: a schedule of tiny tasks, due often."""

from galena.config.settings_test import *  # noqa: F403

CELERY_IMPORTS = ["tests.commands.embedded_beat_tasks"]
CELERY_BEAT_SCHEDULE = {
    "tick": {"task": "tests.commands.embedded_beat_tasks.tick", "schedule": 0.2},
    "fail": {"task": "tests.commands.embedded_beat_tasks.fail", "schedule": 0.5},
    "relay": {"task": "tests.commands.embedded_beat_tasks.relay", "schedule": 0.3},
}
