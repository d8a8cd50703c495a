"""On PostgreSQL, the marks of the tables the intake writes in bulk are made once per
statement instead of once per row (docs/decisions/0006-analytics-daily-facts.md, "Cost of a
write").

The intake writes a batch's leads with one COPY and their owner and deadline with one UPDATE;
its submissions and first-response clocks likewise. The row triggers of analytics 0002 and
0005 ran a PL/pgSQL function per row — for a lead's update up to nine statements (its own
days, then its visitors', merged leads', conversions', deals' and stage moves' days, each an
index lookup) — about a sixth of the intake worker's time per lead. These statement triggers
read the statement's rows from its transition tables and mark the same days in a few
set-wise statements, whatever the number of rows:

- ``leads_lead``: inserted and deleted rows mark their ``lead`` and ``arrival`` days; updated
  rows whose columns changed mark what analytics 0002's and 0005's row triggers marked, under
  the same conditions (the column lists are theirs, imported from those migrations). The
  related rows are found by ``= ANY(array of ids)``, which uses their indexes whatever the
  batch's size.
- ``intake_submission`` and ``routing_slaclock``: inserted rows (the deleted and updated stay
  row triggers: rare, and already filtered by their ``WHEN``).

SQLite has no statement triggers: its row triggers stay.
"""

from importlib import import_module

from django.db import migrations

DAILY = import_module("galena.analytics.migrations.0002_fact_triggers")
SPEED = import_module("galena.analytics.migrations.0005_speed_team_fact_triggers")


def _changed(columns) -> str:
    old = ", ".join(f"o.{column}" for column in columns)
    new = ", ".join(f"n.{column}" for column in columns)
    return f"({old}) IS DISTINCT FROM ({new})"


def _marks(kind: str, moment: str, rest: str) -> str:
    return (
        "INSERT INTO analytics_dirtyday (kind, day, writer) "
        f"SELECT DISTINCT '{kind}', ({moment} AT TIME ZONE 'UTC')::date, txid_current() "
        f"{rest} ON CONFLICT DO NOTHING;"
    )


def _function(name: str, body: str, declare: str = "") -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"{'DECLARE ' + declare if declare else ''}\n"
        f"BEGIN\n{body}\n  RETURN NULL;\nEND $$"
    )


def _statement_trigger(name: str, table: str, event: str, function: str) -> str:
    tables = {
        "INSERT": "NEW TABLE AS new_rows",
        "DELETE": "OLD TABLE AS old_rows",
        "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    }[event]
    return (
        f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {tables} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
    )


# an UPDATE's marks of related rows: (the ids' array, the lead columns whose change marks them,
# the kind, the related rows' moment, the related rows by those ids)
RELATED = (
    (
        "ids_visitor",
        DAILY.VISITOR_LEAD_COLUMNS,
        "visitor",
        "first_seen_at",
        "FROM scoring_visitor WHERE lead_id = ANY(ids_visitor)",
    ),
    (
        "ids_survivor",
        DAILY.SURVIVOR_COLUMNS,
        "lead",
        "created_at",
        "FROM leads_lead WHERE merged_into_id = ANY(ids_survivor)",
    ),
    *(
        (
            f"ids_{kind}",
            SPEED.LEAD_COLUMNS_OF[kind],
            kind,
            moment,
            rest.replace("= NEW.id", f"= ANY(ids_{kind})"),
        )
        for kind, (moment, rest) in SPEED.OF_LEAD.items()
    ),
)
LEAD_UPDATE_BODY = "\n".join(
    [
        # the leads' own days: both the arrival before and after, when a column changed
        "  INSERT INTO analytics_dirtyday (kind, day, writer) "  # noqa: S608 (constants only)
        "SELECT DISTINCT marks.kind, (marks.moment AT TIME ZONE 'UTC')::date, txid_current() "
        "FROM old_rows o JOIN new_rows n ON n.id = o.id CROSS JOIN LATERAL (VALUES "
        f"('lead', o.created_at, {_changed(DAILY.LEAD_COLUMNS)}), "
        f"('lead', n.created_at, {_changed(DAILY.LEAD_COLUMNS)}), "
        f"('arrival', o.created_at, {_changed(SPEED.ARRIVAL_COLUMNS)}), "
        f"('arrival', n.created_at, {_changed(SPEED.ARRIVAL_COLUMNS)})"
        ") AS marks (kind, moment, changed) WHERE marks.changed ON CONFLICT DO NOTHING;",
        "  SELECT "  # noqa: S608 (constants only)
        + ", ".join(
            f"array_agg(n.id) FILTER (WHERE {_changed(columns)})"
            for _name, columns, *_rest in RELATED
        )
        + " INTO "
        + ", ".join(name for name, *_rest in RELATED)
        + " FROM old_rows o JOIN new_rows n ON n.id = o.id;",
        *(
            f"  IF {name} IS NOT NULL THEN {_marks(kind, moment, rest)} END IF;"
            for name, _columns, kind, moment, rest in RELATED
        ),
    ]
)
LEAD_UPDATE_DECLARE = " ".join(f"{name} bigint[];" for name, *_rest in RELATED)


def _own_days(rows: str) -> str:
    return (
        "  INSERT INTO analytics_dirtyday (kind, day, writer) "  # noqa: S608 (constants only)
        "SELECT DISTINCT kinds.kind, (r.created_at AT TIME ZONE 'UTC')::date, txid_current() "
        f"FROM {rows} r CROSS JOIN (VALUES ('lead'), ('arrival')) AS kinds (kind) "
        "ON CONFLICT DO NOTHING;"
    )


POSTGRESQL = [
    # leads: the row triggers of 0002 and 0005 give way to three statement triggers
    "DROP TRIGGER IF EXISTS analytics_lead_written ON leads_lead",
    "DROP TRIGGER IF EXISTS analytics_lead_changed ON leads_lead",
    "DROP TRIGGER IF EXISTS analytics_lead_speed_written ON leads_lead",
    "DROP TRIGGER IF EXISTS analytics_lead_speed_changed ON leads_lead",
    _function("analytics_lead_rows_inserted_marks", _own_days("new_rows")),
    _function("analytics_lead_rows_deleted_marks", _own_days("old_rows")),
    _function("analytics_lead_rows_changed_marks", LEAD_UPDATE_BODY, LEAD_UPDATE_DECLARE),
    _statement_trigger(
        "analytics_lead_rows_inserted", "leads_lead", "INSERT", "analytics_lead_rows_inserted_marks"
    ),
    _statement_trigger(
        "analytics_lead_rows_deleted", "leads_lead", "DELETE", "analytics_lead_rows_deleted_marks"
    ),
    _statement_trigger(
        "analytics_lead_rows_changed", "leads_lead", "UPDATE", "analytics_lead_rows_changed_marks"
    ),
    # submissions: the insert per statement, the delete stays a row trigger
    "DROP TRIGGER IF EXISTS analytics_submission_written ON intake_submission",
    _function(
        "analytics_submission_rows_inserted_marks",
        _marks("interest", "received_at", "FROM new_rows WHERE outcome = 'interest'"),
    ),
    _statement_trigger(
        "analytics_submission_rows_inserted",
        "intake_submission",
        "INSERT",
        "analytics_submission_rows_inserted_marks",
    ),
    "CREATE TRIGGER analytics_submission_deleted AFTER DELETE ON intake_submission "
    "FOR EACH ROW EXECUTE FUNCTION analytics_submission_marks()",
    # first-response clocks: likewise
    "DROP TRIGGER IF EXISTS analytics_sla_clock_written ON routing_slaclock",
    _function(
        "analytics_sla_clock_rows_inserted_marks",
        _marks(
            "arrival",
            "created_at",
            "FROM leads_lead WHERE id = ANY(ARRAY(SELECT lead_id FROM new_rows))",
        ),
    ),
    _statement_trigger(
        "analytics_sla_clock_rows_inserted",
        "routing_slaclock",
        "INSERT",
        "analytics_sla_clock_rows_inserted_marks",
    ),
    "CREATE TRIGGER analytics_sla_clock_deleted AFTER DELETE ON routing_slaclock "
    "FOR EACH ROW EXECUTE FUNCTION analytics_sla_clock_marks()",
]


def _created_again(statements, *names: str) -> list[str]:
    """The CREATE TRIGGER statements of an earlier migration for these triggers."""
    return [
        statement
        for statement in statements
        if any(statement.lstrip().startswith(f"CREATE TRIGGER {name} ") for name in names)
    ]


POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS analytics_lead_rows_inserted ON leads_lead",
    "DROP TRIGGER IF EXISTS analytics_lead_rows_deleted ON leads_lead",
    "DROP TRIGGER IF EXISTS analytics_lead_rows_changed ON leads_lead",
    "DROP TRIGGER IF EXISTS analytics_submission_rows_inserted ON intake_submission",
    "DROP TRIGGER IF EXISTS analytics_submission_deleted ON intake_submission",
    "DROP TRIGGER IF EXISTS analytics_sla_clock_rows_inserted ON routing_slaclock",
    "DROP TRIGGER IF EXISTS analytics_sla_clock_deleted ON routing_slaclock",
    *(
        f"DROP FUNCTION IF EXISTS {name}()"
        for name in (
            "analytics_lead_rows_inserted_marks",
            "analytics_lead_rows_deleted_marks",
            "analytics_lead_rows_changed_marks",
            "analytics_submission_rows_inserted_marks",
            "analytics_sla_clock_rows_inserted_marks",
        )
    ),
    *_created_again(
        DAILY.POSTGRESQL,
        "analytics_lead_written",
        "analytics_lead_changed",
        "analytics_submission_written",
    ),
    *_created_again(
        SPEED.POSTGRESQL,
        "analytics_lead_speed_written",
        "analytics_lead_speed_changed",
        "analytics_sla_clock_written",
    ),
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("analytics", "0005_speed_team_fact_triggers")]

    operations = [migrations.RunPython(_run(POSTGRESQL), _run(POSTGRESQL_REVERSE))]
