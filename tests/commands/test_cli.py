"""The `galena` command on a database that was never set up: a sentence saying what to do,
not a traceback."""

import os
import subprocess
import sys


def run_galena(tmp_path, *args):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["GALENA_DATA_DIR"] = str(tmp_path)  # an empty SQLite database of the test's own
    return subprocess.run(
        [sys.executable, "-c", "from galena.cli import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_command_on_a_database_never_migrated_says_to_migrate(tmp_path):
    listing = tmp_path / "list.csv"
    listing.write_text("Name,Phone\nAna Pop,0722 123 456\n", encoding="utf-8")

    result = run_galena(tmp_path, "import", str(listing), "--source", "Expo")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "The database is not set up yet" in result.stderr
    assert "galena migrate" in result.stderr
