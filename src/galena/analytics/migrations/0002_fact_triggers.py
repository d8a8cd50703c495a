"""Triggers that mark the days whose analytics facts a write changed
(docs/decisions/0006-analytics-daily-facts.md).

Every INSERT, DELETE and UPDATE of a column the facts depend on — whoever runs it: a
service, ``queryset.update``, raw SQL, a cascade — adds (kind, UTC day) to
``analytics_dirtyday``; ``analytics.facts.facts_refresh`` recomputes those days. On
PostgreSQL the mark carries the writing transaction's id, so two writers of the same day
never wait on one row (``ON CONFLICT DO NOTHING`` only meets the transaction's own mark).
"""

from django.db import migrations

# the lead columns a visitor's facts take from the lead it identified as
VISITOR_LEAD_COLUMNS = (
    "channel",
    "source_id",
    "campaign_id",
    "region",
    "team_id",
    "owner_id",
    "original_owner_id",
    "merged_into_id",
)
# the lead columns the lead facts are made of
LEAD_COLUMNS = (
    "created_at",
    *VISITOR_LEAD_COLUMNS,
    "stage_id",
    "quality_status",
    "qualified_at",
    "converted_at",
    "rejected_at",
    "verification",
    "fit",
    "rejection_reason_id",
)
# the columns of a surviving lead the quality facts give the leads merged into it
SURVIVOR_COLUMNS = ("team_id", "owner_id", "original_owner_id", "merged_into_id")
SUBMISSION_COLUMNS = ("received_at", "outcome", "channel", "source_id", "form_id")


def _row(prefix: str, columns) -> str:
    return "(" + ", ".join(f"{prefix}.{column}" for column in columns) + ")"


def _pg_changed(columns) -> str:
    return f"{_row('OLD', columns)} IS DISTINCT FROM {_row('NEW', columns)}"


def _pg_mark(kind: str, moment: str) -> str:
    return (
        "INSERT INTO analytics_dirtyday (kind, day, writer) "
        f"VALUES ('{kind}', ({moment} AT TIME ZONE 'UTC')::date, txid_current()) "
        "ON CONFLICT DO NOTHING;"
    )


def _pg_mark_select(kind: str, moment: str, rest: str) -> str:
    return (
        "INSERT INTO analytics_dirtyday (kind, day, writer) "
        f"SELECT DISTINCT '{kind}', ({moment} AT TIME ZONE 'UTC')::date, txid_current() {rest} "
        "ON CONFLICT DO NOTHING;"
    )


POSTGRESQL = [
    f"""
CREATE OR REPLACE FUNCTION analytics_lead_marks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN {_pg_mark("lead", "OLD.created_at")} END IF;
  IF TG_OP <> 'DELETE' THEN {_pg_mark("lead", "NEW.created_at")} END IF;
  IF TG_OP = 'UPDATE' AND {_pg_changed(VISITOR_LEAD_COLUMNS)} THEN
    {_pg_mark_select("visitor", "first_seen_at", "FROM scoring_visitor WHERE lead_id = NEW.id")}
  END IF;
  IF TG_OP = 'UPDATE' AND {_pg_changed(SURVIVOR_COLUMNS)} THEN
    {_pg_mark_select("lead", "created_at", "FROM leads_lead WHERE merged_into_id = NEW.id")}
  END IF;
  RETURN NULL;
END $$""",
    """CREATE TRIGGER analytics_lead_written AFTER INSERT OR DELETE ON leads_lead
    FOR EACH ROW EXECUTE FUNCTION analytics_lead_marks()""",
    f"""CREATE TRIGGER analytics_lead_changed AFTER UPDATE ON leads_lead
    FOR EACH ROW WHEN ({_pg_changed(LEAD_COLUMNS)}) EXECUTE FUNCTION analytics_lead_marks()""",
    f"""
CREATE OR REPLACE FUNCTION analytics_visitor_marks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN {_pg_mark("visitor", "OLD.first_seen_at")} END IF;
  IF TG_OP <> 'DELETE' THEN {_pg_mark("visitor", "NEW.first_seen_at")} END IF;
  RETURN NULL;
END $$""",
    """CREATE TRIGGER analytics_visitor_written AFTER INSERT OR DELETE ON scoring_visitor
    FOR EACH ROW EXECUTE FUNCTION analytics_visitor_marks()""",
    f"""CREATE TRIGGER analytics_visitor_changed AFTER UPDATE ON scoring_visitor
    FOR EACH ROW WHEN ({_pg_changed(("first_seen_at", "lead_id"))})
    EXECUTE FUNCTION analytics_visitor_marks()""",
    f"""
CREATE OR REPLACE FUNCTION analytics_submission_marks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.outcome = 'interest' THEN
    {_pg_mark("interest", "OLD.received_at")}
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.outcome = 'interest' THEN
    {_pg_mark("interest", "NEW.received_at")}
  END IF;
  RETURN NULL;
END $$""",
    """CREATE TRIGGER analytics_submission_written AFTER INSERT OR DELETE ON intake_submission
    FOR EACH ROW EXECUTE FUNCTION analytics_submission_marks()""",
    f"""CREATE TRIGGER analytics_submission_changed AFTER UPDATE ON intake_submission
    FOR EACH ROW WHEN ({_pg_changed(SUBMISSION_COLUMNS)})
    EXECUTE FUNCTION analytics_submission_marks()""",
    # an interest counts under its form's campaign; a stage's kind decides the outcomes
    f"""
CREATE OR REPLACE FUNCTION analytics_form_marks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {
        _pg_mark_select(
            "interest",
            "received_at",
            "FROM intake_submission WHERE form_id = NEW.id AND outcome = 'interest'",
        )
    }
  RETURN NULL;
END $$""",
    """CREATE TRIGGER analytics_form_changed AFTER UPDATE ON intake_form
    FOR EACH ROW WHEN (OLD.campaign_id IS DISTINCT FROM NEW.campaign_id)
    EXECUTE FUNCTION analytics_form_marks()""",
    f"""
CREATE OR REPLACE FUNCTION analytics_stage_marks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_pg_mark_select("lead", "created_at", "FROM leads_lead WHERE stage_id = NEW.id")}
  RETURN NULL;
END $$""",
    """CREATE TRIGGER analytics_stage_changed AFTER UPDATE ON leads_stage
    FOR EACH ROW WHEN (OLD.kind IS DISTINCT FROM NEW.kind)
    EXECUTE FUNCTION analytics_stage_marks()""",
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS analytics_lead_written ON leads_lead",
    "DROP TRIGGER IF EXISTS analytics_lead_changed ON leads_lead",
    "DROP TRIGGER IF EXISTS analytics_visitor_written ON scoring_visitor",
    "DROP TRIGGER IF EXISTS analytics_visitor_changed ON scoring_visitor",
    "DROP TRIGGER IF EXISTS analytics_submission_written ON intake_submission",
    "DROP TRIGGER IF EXISTS analytics_submission_changed ON intake_submission",
    "DROP TRIGGER IF EXISTS analytics_form_changed ON intake_form",
    "DROP TRIGGER IF EXISTS analytics_stage_changed ON leads_stage",
    "DROP FUNCTION IF EXISTS analytics_lead_marks()",
    "DROP FUNCTION IF EXISTS analytics_visitor_marks()",
    "DROP FUNCTION IF EXISTS analytics_submission_marks()",
    "DROP FUNCTION IF EXISTS analytics_form_marks()",
    "DROP FUNCTION IF EXISTS analytics_stage_marks()",
]


def _sqlite_changed(columns) -> str:
    return " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in columns)


def _sqlite_mark(kind: str, moment: str) -> str:
    return (
        "INSERT OR IGNORE INTO analytics_dirtyday (kind, day, writer) "
        f"VALUES ('{kind}', date({moment}), 0);"
    )


def _sqlite_mark_select(kind: str, moment: str, rest: str) -> str:
    return (
        "INSERT OR IGNORE INTO analytics_dirtyday (kind, day, writer) "
        f"SELECT DISTINCT '{kind}', date({moment}), 0 {rest};"
    )


SQLITE = [
    f"""CREATE TRIGGER analytics_lead_inserted AFTER INSERT ON leads_lead BEGIN
    {_sqlite_mark("lead", "NEW.created_at")} END""",
    f"""CREATE TRIGGER analytics_lead_deleted AFTER DELETE ON leads_lead BEGIN
    {_sqlite_mark("lead", "OLD.created_at")} END""",
    f"""CREATE TRIGGER analytics_lead_changed AFTER UPDATE ON leads_lead
    WHEN {_sqlite_changed(LEAD_COLUMNS)} BEGIN
    {_sqlite_mark("lead", "OLD.created_at")}
    {_sqlite_mark("lead", "NEW.created_at")}
    {
        _sqlite_mark_select(
            "visitor",
            "first_seen_at",
            "FROM scoring_visitor WHERE lead_id = NEW.id AND ("
            + _sqlite_changed(VISITOR_LEAD_COLUMNS)
            + ")",
        )
    }
    {
        _sqlite_mark_select(
            "lead",
            "created_at",
            "FROM leads_lead WHERE merged_into_id = NEW.id AND ("
            + _sqlite_changed(SURVIVOR_COLUMNS)
            + ")",
        )
    }
    END""",
    f"""CREATE TRIGGER analytics_visitor_inserted AFTER INSERT ON scoring_visitor BEGIN
    {_sqlite_mark("visitor", "NEW.first_seen_at")} END""",
    f"""CREATE TRIGGER analytics_visitor_deleted AFTER DELETE ON scoring_visitor BEGIN
    {_sqlite_mark("visitor", "OLD.first_seen_at")} END""",
    f"""CREATE TRIGGER analytics_visitor_changed AFTER UPDATE ON scoring_visitor
    WHEN {_sqlite_changed(("first_seen_at", "lead_id"))} BEGIN
    {_sqlite_mark("visitor", "OLD.first_seen_at")}
    {_sqlite_mark("visitor", "NEW.first_seen_at")} END""",
    f"""CREATE TRIGGER analytics_submission_inserted AFTER INSERT ON intake_submission
    WHEN NEW.outcome = 'interest' BEGIN
    {_sqlite_mark("interest", "NEW.received_at")} END""",
    f"""CREATE TRIGGER analytics_submission_deleted AFTER DELETE ON intake_submission
    WHEN OLD.outcome = 'interest' BEGIN
    {_sqlite_mark("interest", "OLD.received_at")} END""",
    f"""CREATE TRIGGER analytics_submission_changed AFTER UPDATE ON intake_submission
    WHEN (OLD.outcome = 'interest' OR NEW.outcome = 'interest')
    AND ({_sqlite_changed(SUBMISSION_COLUMNS)}) BEGIN
    {_sqlite_mark("interest", "OLD.received_at")}
    {_sqlite_mark("interest", "NEW.received_at")} END""",
    f"""CREATE TRIGGER analytics_form_changed AFTER UPDATE ON intake_form
    WHEN OLD.campaign_id IS NOT NEW.campaign_id BEGIN
    {
        _sqlite_mark_select(
            "interest",
            "received_at",
            "FROM intake_submission WHERE form_id = NEW.id AND outcome = 'interest'",
        )
    } END""",
    f"""CREATE TRIGGER analytics_stage_changed AFTER UPDATE ON leads_stage
    WHEN OLD.kind IS NOT NEW.kind BEGIN
    {_sqlite_mark_select("lead", "created_at", "FROM leads_lead WHERE stage_id = NEW.id")} END""",
]

SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "analytics_lead_inserted",
        "analytics_lead_deleted",
        "analytics_lead_changed",
        "analytics_visitor_inserted",
        "analytics_visitor_deleted",
        "analytics_visitor_changed",
        "analytics_submission_inserted",
        "analytics_submission_deleted",
        "analytics_submission_changed",
        "analytics_form_changed",
        "analytics_stage_changed",
    )
]


# the days already in the base tables: the first refresh computes their facts (on a large
# database run `galena analytics rebuild` instead, which computes them month by month)
EXISTING = {
    "lead": ("created_at", "leads_lead", ""),
    "visitor": ("first_seen_at", "scoring_visitor", ""),
    "interest": ("received_at", "intake_submission", "WHERE outcome = 'interest'"),
}
POSTGRESQL += [
    _pg_mark_select(kind, moment, f"FROM {table} {where}").rstrip(";")
    for kind, (moment, table, where) in EXISTING.items()
]
SQLITE += [
    _sqlite_mark_select(kind, moment, f"FROM {table} {where}").rstrip(";")
    for kind, (moment, table, where) in EXISTING.items()
]


def _run(statements_for):
    def run(apps, schema_editor):
        postgresql = schema_editor.connection.vendor == "postgresql"
        for statement in statements_for(postgresql):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_daily_facts"),
        ("leads", "0015_lead_analytics_arrival_index"),
        ("scoring", "0005_visitor_first_seen_index"),
        ("intake", "0006_submission_interest_index"),
    ]

    operations = [
        migrations.RunPython(
            _run(lambda postgresql: POSTGRESQL if postgresql else SQLITE),
            _run(lambda postgresql: POSTGRESQL_REVERSE if postgresql else SQLITE_REVERSE),
        ),
    ]
