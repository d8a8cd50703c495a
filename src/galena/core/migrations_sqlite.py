"""A migration helper for SQLite's table rebuilds.

SQLite cannot add a NOT NULL column or change one in place: Django copies the table into
a new one, drops the old and renames the new. Dropping a table drops the triggers on it,
and the rename fails while another table's trigger names the dropped one ("error in
trigger …: no such table"). The analytics facts' triggers (analytics migrations 0002,
0005) are such triggers. ``keeping_triggers`` wraps a migration's operations so that, on
SQLite, every trigger naming the table is dropped before them and created again, as it
was, after them — forwards and backwards. On PostgreSQL it does nothing: ALTER TABLE
changes the table in place and its triggers stay.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import migrations


def keeping_triggers(table: str, operations: Sequence[migrations.operations.base.Operation]):
    """``operations`` between the drop and the re-creation of the triggers naming ``table``
    (SQLite only)."""
    saved: list[str] = []

    def drop(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "sqlite":
            return
        # the driver's own connection: trigger bodies hold "%", which Django's cursor
        # would read as parameter marks
        raw = schema_editor.connection.connection
        rows = raw.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE ?",
            [f"%{table}%"],
        ).fetchall()
        saved[:] = [sql for _name, sql in rows]
        for name, _sql in rows:
            raw.execute(f'DROP TRIGGER "{name}"')

    def restore(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "sqlite":
            return
        raw = schema_editor.connection.connection
        for sql in saved:
            raw.execute(sql)
        saved.clear()

    return [
        migrations.RunPython(drop, restore, elidable=False),
        *operations,
        migrations.RunPython(restore, drop, elidable=False),
    ]
