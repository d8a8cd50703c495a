"""The `galena` console command: Django's management commands plus Galena's own."""

import os
import sys

# what the databases say when a table is missing: SQLite, PostgreSQL
_NO_TABLE = ("no such table", "does not exist")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "galena.config.settings")
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError, ProgrammingError

    try:
        execute_from_command_line(sys.argv)
    except (OperationalError, ProgrammingError) as error:
        if not _never_migrated(error, sys.argv[1:2]):
            raise
        sys.stderr.write(
            f"galena: The database is not set up yet ({str(error).strip()}).\n"
            "Create its tables first: galena migrate (make demo does it, with demo data).\n"
        )
        sys.exit(1)


def _never_migrated(error: Exception, command: list[str]) -> bool:
    """Whether ``error`` is a missing table in a database whose migrations never ran (not
    a failure of ``migrate`` itself, nor a table missing for another reason)."""
    if command == ["migrate"] or not any(words in str(error) for words in _NO_TABLE):
        return False
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    try:
        return not MigrationRecorder(connection).has_table()
    except Exception:  # the database unreachable: not ours to explain
        return False


if __name__ == "__main__":
    main()
