"""The lead list's text search (search_text LIKE '%word%') with a trigram index on
PostgreSQL: without it every search reads every lead (a million rows: ~1 s). Other
databases keep the plain scan (SQLite serves small installations)."""

from django.db import migrations

INDEX = "lead_search_trgm"


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON leads_lead USING gin (search_text gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("leads", "0011_seed_rejection_reasons_stage_requirements")]

    operations = [migrations.RunPython(add_index, drop_index)]
