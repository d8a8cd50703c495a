"""Room in the lead scores' pages on PostgreSQL: a recompute updates scores in place, and
with free space in the page the update touches no index (a heap-only tuple update)."""

from django.db import migrations


def leave_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE scoring_leadscore SET (fillfactor = 80)")


def fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE scoring_leadscore RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("scoring", "0003_tracking_sites_and_greetings")]
    operations = [migrations.RunPython(leave_room, fill)]
