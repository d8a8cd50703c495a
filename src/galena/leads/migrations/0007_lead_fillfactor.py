"""Leave room in the leads table's pages on PostgreSQL, so that an update of columns no
index covers (a score, a probability) is a heap-only tuple update: no index is touched.
Scoring rewrites many leads' scores at once after a rule changes; at a full page every such
update also wrote an entry in each of the table's indexes. Pages written from now on keep
15 % free; existing ones follow as they are rewritten (VACUUM FULL rewrites them all)."""

from django.db import migrations


def leave_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE leads_lead SET (fillfactor = 85)")


def fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE leads_lead RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("leads", "0006_lead_deal_value")]
    operations = [migrations.RunPython(leave_room, fill)]
