"""A visitor's facts follow its first touch: the update trigger of ``scoring_visitor``
(analytics 0002) also marks the visitor's day when its channel, source or campaign
changes (``scoring.attribution``: a visitor attributed again), not only its first day or
its lead."""

from importlib import import_module

from django.db import migrations

DAILY = import_module("galena.analytics.migrations.0002_fact_triggers")

BEFORE = ("first_seen_at", "lead_id")
AFTER = (*BEFORE, "channel", "source_id", "campaign_id")


def _postgresql(columns) -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS analytics_visitor_changed ON scoring_visitor",
        f"""CREATE TRIGGER analytics_visitor_changed AFTER UPDATE ON scoring_visitor
        FOR EACH ROW WHEN ({DAILY._pg_changed(columns)})
        EXECUTE FUNCTION analytics_visitor_marks()""",
    ]


def _sqlite(columns) -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS analytics_visitor_changed",
        f"""CREATE TRIGGER analytics_visitor_changed AFTER UPDATE ON scoring_visitor
        WHEN {DAILY._sqlite_changed(columns)} BEGIN
        {DAILY._sqlite_mark("visitor", "OLD.first_seen_at")}
        {DAILY._sqlite_mark("visitor", "NEW.first_seen_at")} END""",
    ]


def _run(columns):
    def run(apps, schema_editor):
        postgresql = schema_editor.connection.vendor == "postgresql"
        for statement in (_postgresql if postgresql else _sqlite)(columns):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0006_statement_triggers"),
        ("scoring", "0006_visitor_first_touch"),
    ]

    operations = [migrations.RunPython(_run(AFTER), _run(BEFORE))]
