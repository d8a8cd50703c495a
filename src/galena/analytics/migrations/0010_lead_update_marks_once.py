"""The statement trigger on updated leads (analytics 0006) compares each row's watched columns
once, and does nothing more when none changed.

0006's function compared them in a ``VALUES`` list joined to each row: four row comparisons
per updated lead for its own days, then one more per related kind. Updates that change none
of them — a score recomputed, a deadline moved — paid for all of them: 50–65 ms per 2,000
leads on PostgreSQL 15, a quarter of the recompute's lead UPDATE.

Now one pass over the transition tables computes each row's flags once (a subquery the
planner keeps apart), collects the days and ids to mark as arrays, and each INSERT runs only
when its array is not empty. The marks are the same: the same columns, kinds and days."""

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


def _day(moment: str) -> str:
    return f"({moment} AT TIME ZONE 'UTC')::date"


def _body() -> str:
    flags = ", ".join(f"{STATEMENT._changed(columns)} AS {flag}" for flag, columns in FLAGS)
    own = [
        f"array_agg({_day(moment)}) FILTER (WHERE {flag})"
        for _kind, flag in OWN_DAYS
        for moment in ("c.old_created_at", "c.new_created_at")
    ]
    related = [f"array_agg(c.id) FILTER (WHERE {name}_changed)" for name, *_ in STATEMENT.RELATED]
    targets = [
        f"{kind}_{when}" for kind, _flag in OWN_DAYS for when in ("old", "new")
    ] + [name for name, *_ in STATEMENT.RELATED]
    lines = [
        f"  SELECT {', '.join(own + related)} INTO {', '.join(targets)} "  # noqa: S608
        "FROM (SELECT n.id, o.created_at AS old_created_at, n.created_at AS new_created_at, "
        f"{flags} FROM old_rows o JOIN new_rows n ON n.id = o.id OFFSET 0) AS c;",
    ]
    for kind, _flag in OWN_DAYS:
        lines.append(
            f"  IF {kind}_old IS NOT NULL THEN INSERT INTO analytics_dirtyday (kind, day, writer) "
            f"SELECT DISTINCT '{kind}', day, txid_current() "
            f"FROM unnest({kind}_old || {kind}_new) AS day ON CONFLICT DO NOTHING; END IF;"
        )
    lines += [
        f"  IF {name} IS NOT NULL THEN {STATEMENT._marks(kind, moment, rest)} END IF;"
        for name, _columns, kind, moment, rest in STATEMENT.RELATED
    ]
    return "\n".join(lines)


DECLARE = " ".join(
    [f"{kind}_{when} date[];" for kind, _flag in OWN_DAYS for when in ("old", "new")]
    + [f"{name} bigint[];" for name, *_ in STATEMENT.RELATED]
)
FUNCTION = "analytics_lead_rows_changed_marks"


def _run(body: str, declare: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(STATEMENT._function(FUNCTION, body, declare), params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("analytics", "0009_team_slice_indexes")]

    operations = [
        migrations.RunPython(
            _run(_body(), DECLARE),
            _run(STATEMENT.LEAD_UPDATE_BODY, STATEMENT.LEAD_UPDATE_DECLARE),
        )
    ]
