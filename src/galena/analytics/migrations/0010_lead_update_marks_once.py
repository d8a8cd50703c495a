"""The statement trigger on updated leads (analytics 0006) compares each row's watched columns
once, and marks every kind of day in one statement.

0006's function compared them in a ``VALUES`` list joined to each row — four row comparisons
per updated lead for its own days, then one more per related kind — and ran up to eight
statements. An update that changes none of them (a score recomputed) paid for all the
comparisons: 50 ms per 2,000 leads on PostgreSQL 15, a fifth of a recompute's lead UPDATE.
A lone lead given its owner (every routed submission) paid for eight statements: 0.5 ms.

Now a materialized CTE computes each row's flags once, and one INSERT takes the days of
every kind from it (the related rows found by ``= ANY`` of the flagged ids, by their
indexes): 7 ms for those 2,000 leads, 0.11 ms for the lone lead. The marks are the same: the
same columns, kinds and days."""

from importlib import import_module

from django.db import migrations

DAILY = import_module("galena.analytics.migrations.0002_fact_triggers")
SPEED = import_module("galena.analytics.migrations.0005_speed_team_fact_triggers")
STATEMENT = import_module("galena.analytics.migrations.0006_statement_triggers")

# each flag: (name, the lead columns whose change raises it)
FLAGS = (
    ("lead_changed", DAILY.LEAD_COLUMNS),
    ("arrival_changed", SPEED.ARRIVAL_COLUMNS),
    *((f"{name}_changed", columns) for name, columns, *_rest in STATEMENT.RELATED),
)
# the leads' own days: (kind, its flag)
OWN_DAYS = (("lead", "lead_changed"), ("arrival", "arrival_changed"))


def _body() -> str:
    flags = ", ".join(f"{STATEMENT._changed(columns)} AS {flag}" for flag, columns in FLAGS)
    branches = [
        f"SELECT '{kind}', moment FROM changed_rows, "
        f"unnest(ARRAY[old_created_at, new_created_at]) AS moment WHERE {flag}"
        for kind, flag in OWN_DAYS
    ]
    for name, _columns, kind, moment, rest in STATEMENT.RELATED:
        ids = f"ARRAY(SELECT id FROM changed_rows WHERE {name}_changed)"
        branches.append(f"SELECT '{kind}', {moment} {rest.replace(name, ids)}")
    return (
        "  WITH changed_rows AS MATERIALIZED (SELECT n.id, o.created_at AS old_created_at, "
        f"n.created_at AS new_created_at, {flags} "
        "FROM old_rows o JOIN new_rows n ON n.id = o.id) "
        "INSERT INTO analytics_dirtyday (kind, day, writer) "  # noqa: S608 (constants only)
        "SELECT DISTINCT marks.kind, (marks.moment AT TIME ZONE 'UTC')::date, txid_current() "
        f"FROM ({' UNION ALL '.join(branches)}) AS marks (kind, moment) ON CONFLICT DO NOTHING;"
    )


FUNCTION = "analytics_lead_rows_changed_marks"


def _run(body: str, declare: str = ""):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(STATEMENT._function(FUNCTION, body, declare), params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("analytics", "0009_team_slice_indexes")]

    operations = [
        migrations.RunPython(
            _run(_body()),
            _run(STATEMENT.LEAD_UPDATE_BODY, STATEMENT.LEAD_UPDATE_DECLARE),
        )
    ]
