"""Triggers that mark the days whose speed and team facts a write changed
(docs/decisions/0007-analytics-speed-team-facts.md; the mechanism is 0006's).

- ``arrival`` (a lead's arrival day: responses, deadlines, the team's work): a lead written,
  or updated in a column those facts read; its SLA clock written; a stage's kind or required
  fields changed (the leads in it).
- ``conversion`` (the conversion's day: lead times): a conversion written; its lead updated in
  a column the lead-time facts read.
- ``deal`` (the day a deal closed: the team's won money): a deal written; a deal stage's kind
  changed; the deal's lead updated in its slices, people or merge.
- ``stay`` (the day a lead left a stage: time in stage): a ``stage_changed`` event written —
  its own day and the day of the lead's next move, whose stay starts at it; its lead updated
  in its arrival, slices, people or merge.

The column lists are frozen here, as a migration's must be; a test checks that the lead
columns cover every field a stage may require (``leads.models.REQUIRABLE_FIELDS``).
"""

from django.db import migrations

# the columns of a lead a speed or team fact reads
SLICE_PEOPLE_COLUMNS = (
    "channel",
    "source_id",
    "campaign_id",
    "region",
    "team_id",
    "owner_id",
    "original_owner_id",
    "merged_into_id",
)
# the key fields of a card: CARD_FIELDS and every field a stage may require
KEY_FIELD_COLUMNS = (
    "first_name",
    "middle_name",
    "last_name",
    "company_name",
    "position",
    "language",
    "country",
    "region",
    "city",
    "interest",
    "comment",
    "preferred_contact_time",
    "temperature",
    "fit",
    "origin",
    "contact_type",
    "source_id",
    "campaign_id",
    "offline_event_id",
    "recontact_at",
    "rejection_reason_id",
    "rejection_note",
)
ARRIVAL_COLUMNS = tuple(
    dict.fromkeys(
        (
            "created_at",
            *SLICE_PEOPLE_COLUMNS,
            "quality_status",
            "first_response_at",
            "assigned_at",
            "response_due_at",
            "stage_id",
            "converted_at",
            *KEY_FIELD_COLUMNS,
        )
    )
)
CONVERSION_LEAD_COLUMNS = ("converted_at", *SLICE_PEOPLE_COLUMNS)
DEAL_LEAD_COLUMNS = SLICE_PEOPLE_COLUMNS
STAY_LEAD_COLUMNS = ("created_at", *SLICE_PEOPLE_COLUMNS)
SLA_CLOCK_COLUMNS = ("lead_id", "due_at", "met_at", "breached_at")
CONVERSION_COLUMNS = ("lead_id", "converted_at", "lead_time")
DEAL_COLUMNS = ("lead_id", "amount", "currency", "stage_id", "closed_at")
EVENT_COLUMNS = ("type", "occurred_at", "lead_id", "params")

# where each kind's days come from, for a lead (the new row's id is NEW.id)
OF_LEAD = {
    "conversion": ("converted_at", "FROM clients_conversion WHERE lead_id = NEW.id"),
    "deal": ("closed_at", "FROM clients_deal WHERE lead_id = NEW.id AND closed_at IS NOT NULL"),
    "stay": (
        "occurred_at",
        "FROM leads_leadevent WHERE lead_id = NEW.id AND type = 'stage_changed'",
    ),
}
LEAD_COLUMNS_OF = {
    "conversion": CONVERSION_LEAD_COLUMNS,
    "deal": DEAL_LEAD_COLUMNS,
    "stay": STAY_LEAD_COLUMNS,
}


def _next_move(row: str) -> str:
    """The lead's move out of a stage just after the event ``row`` (OLD or NEW)."""
    return (
        "FROM (SELECT occurred_at FROM leads_leadevent "
        f"WHERE lead_id = {row}.lead_id AND type = 'stage_changed' "
        f"AND (occurred_at > {row}.occurred_at "
        f"OR (occurred_at = {row}.occurred_at AND id > {row}.id)) "
        "ORDER BY occurred_at, id LIMIT 1) AS following"
    )


def _lead_day(lead_id: str) -> str:
    return f"FROM leads_lead WHERE id = {lead_id}"


# --- PostgreSQL ------------------------------------------------------------------------------


def _pg_row(prefix: str, columns) -> str:
    return "(" + ", ".join(f"{prefix}.{column}" for column in columns) + ")"


def _pg_changed(columns) -> str:
    return f"{_pg_row('OLD', columns)} IS DISTINCT FROM {_pg_row('NEW', columns)}"


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


def _pg_function(name: str, body: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n{body}\n  RETURN NULL;\nEND $$"
    )


def _pg_triggers(name: str, table: str, function: str, changed: str, when: str = "") -> list:
    """An INSERT OR DELETE trigger and an UPDATE trigger that runs when ``changed``."""
    written = f"WHEN ({when.format(row='NEW')})" if when else ""
    deleted = f"WHEN ({when.format(row='OLD')})" if when else ""
    if when:
        # a row trigger on INSERT OR DELETE cannot name both NEW and OLD in its condition
        return [
            f"CREATE TRIGGER {name}_inserted AFTER INSERT ON {table} FOR EACH ROW {written} "
            f"EXECUTE FUNCTION {function}()",
            f"CREATE TRIGGER {name}_deleted AFTER DELETE ON {table} FOR EACH ROW {deleted} "
            f"EXECUTE FUNCTION {function}()",
            f"CREATE TRIGGER {name}_changed AFTER UPDATE ON {table} FOR EACH ROW "
            f"WHEN (({when.format(row='OLD')} OR {when.format(row='NEW')}) AND {changed}) "
            f"EXECUTE FUNCTION {function}()",
        ]
    return [
        f"CREATE TRIGGER {name}_written AFTER INSERT OR DELETE ON {table} FOR EACH ROW "
        f"EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {name}_changed AFTER UPDATE ON {table} FOR EACH ROW WHEN ({changed}) "
        f"EXECUTE FUNCTION {function}()",
    ]


def _pg_lead_body() -> str:
    lines = [
        f"  IF TG_OP <> 'INSERT' THEN {_pg_mark('arrival', 'OLD.created_at')} END IF;",
        f"  IF TG_OP <> 'DELETE' THEN {_pg_mark('arrival', 'NEW.created_at')} END IF;",
    ]
    for kind, (moment, rest) in OF_LEAD.items():
        lines.append(
            f"  IF TG_OP = 'UPDATE' AND {_pg_changed(LEAD_COLUMNS_OF[kind])} THEN "
            f"{_pg_mark_select(kind, moment, rest)} END IF;"
        )
    return "\n".join(lines)


def _pg_old_new(make) -> str:
    return (
        f"  IF TG_OP <> 'INSERT' THEN {make('OLD')} END IF;\n"
        f"  IF TG_OP <> 'DELETE' THEN {make('NEW')} END IF;"
    )


POSTGRESQL = [
    _pg_function("analytics_lead_speed_marks", _pg_lead_body()),
    *_pg_triggers(
        "analytics_lead_speed",
        "leads_lead",
        "analytics_lead_speed_marks",
        _pg_changed(ARRIVAL_COLUMNS),
    ),
    _pg_function(
        "analytics_sla_clock_marks",
        _pg_old_new(lambda row: _pg_mark_select("arrival", "created_at", _lead_day(f"{row}.lead_id"))),
    ),
    *_pg_triggers(
        "analytics_sla_clock",
        "routing_slaclock",
        "analytics_sla_clock_marks",
        _pg_changed(SLA_CLOCK_COLUMNS),
    ),
    _pg_function(
        "analytics_conversion_marks",
        _pg_old_new(lambda row: _pg_mark("conversion", f"{row}.converted_at")),
    ),
    *_pg_triggers(
        "analytics_conversion",
        "clients_conversion",
        "analytics_conversion_marks",
        _pg_changed(CONVERSION_COLUMNS),
    ),
    _pg_function(
        "analytics_deal_day_marks",
        _pg_old_new(
            lambda row: f"IF {row}.closed_at IS NOT NULL THEN "
            f"{_pg_mark('deal', f'{row}.closed_at')} END IF;"
        ),
    ),
    *_pg_triggers(
        "analytics_deal_day",
        "clients_deal",
        "analytics_deal_day_marks",
        _pg_changed(DEAL_COLUMNS),
    ),
    _pg_function(
        "analytics_deal_stage_day_marks",
        _pg_mark_select(
            "deal", "closed_at", "FROM clients_deal WHERE stage_id = NEW.id AND closed_at IS NOT NULL"
        ),
    ),
    """CREATE TRIGGER analytics_deal_stage_day_changed AFTER UPDATE ON clients_dealstage
    FOR EACH ROW WHEN (OLD.kind IS DISTINCT FROM NEW.kind)
    EXECUTE FUNCTION analytics_deal_stage_day_marks()""",
    _pg_function(
        "analytics_stage_event_marks",
        _pg_old_new(
            lambda row: f"IF {row}.type = 'stage_changed' THEN "
            f"{_pg_mark('stay', f'{row}.occurred_at')} "
            f"{_pg_mark_select('stay', 'occurred_at', _next_move(row))} END IF;"
        ),
    ),
    *_pg_triggers(
        "analytics_stage_event",
        "leads_leadevent",
        "analytics_stage_event_marks",
        _pg_changed(EVENT_COLUMNS),
        when="{row}.type = 'stage_changed'",
    ),
    _pg_function(
        "analytics_stage_arrival_marks",
        _pg_mark_select("arrival", "created_at", "FROM leads_lead WHERE stage_id = NEW.id"),
    ),
    f"""CREATE TRIGGER analytics_stage_arrival_changed AFTER UPDATE ON leads_stage
    FOR EACH ROW WHEN ({_pg_changed(("kind", "required_fields"))})
    EXECUTE FUNCTION analytics_stage_arrival_marks()""",
]
PG_TRIGGERS = {
    "leads_lead": ("analytics_lead_speed_written", "analytics_lead_speed_changed"),
    "routing_slaclock": ("analytics_sla_clock_written", "analytics_sla_clock_changed"),
    "clients_conversion": ("analytics_conversion_written", "analytics_conversion_changed"),
    "clients_deal": ("analytics_deal_day_written", "analytics_deal_day_changed"),
    "clients_dealstage": ("analytics_deal_stage_day_changed",),
    "leads_leadevent": (
        "analytics_stage_event_inserted",
        "analytics_stage_event_deleted",
        "analytics_stage_event_changed",
    ),
    "leads_stage": ("analytics_stage_arrival_changed",),
}
POSTGRESQL_REVERSE = [
    f"DROP TRIGGER IF EXISTS {trigger} ON {table}"
    for table, triggers in PG_TRIGGERS.items()
    for trigger in triggers
] + [
    f"DROP FUNCTION IF EXISTS {function}()"
    for function in (
        "analytics_lead_speed_marks",
        "analytics_sla_clock_marks",
        "analytics_conversion_marks",
        "analytics_deal_day_marks",
        "analytics_deal_stage_day_marks",
        "analytics_stage_event_marks",
        "analytics_stage_arrival_marks",
    )
]


# --- SQLite ------------------------------------------------------------------------------------


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


def _sqlite_triggers(name: str, table: str, make, changed: str, when: str = "") -> list:
    """Triggers on INSERT, DELETE and UPDATE (when ``changed``) running ``make(row)``."""
    condition = (lambda row: f"WHEN {when.format(row=row)}") if when else (lambda row: "")
    update_when = f"({when.format(row='OLD')} OR {when.format(row='NEW')}) AND " if when else ""
    return [
        f"CREATE TRIGGER {name}_inserted AFTER INSERT ON {table} {condition('NEW')} BEGIN "
        f"{make('NEW')} END",
        f"CREATE TRIGGER {name}_deleted AFTER DELETE ON {table} {condition('OLD')} BEGIN "
        f"{make('OLD')} END",
        f"CREATE TRIGGER {name}_changed AFTER UPDATE ON {table} WHEN {update_when}({changed}) "
        f"BEGIN {make('OLD')} {make('NEW')} END",
    ]


def _sqlite_lead_update() -> str:
    marks = [_sqlite_mark("arrival", "OLD.created_at"), _sqlite_mark("arrival", "NEW.created_at")]
    for kind, (moment, rest) in OF_LEAD.items():
        marks.append(
            _sqlite_mark_select(
                kind, moment, f"{rest} AND ({_sqlite_changed(LEAD_COLUMNS_OF[kind])})"
            )
        )
    return (
        "CREATE TRIGGER analytics_lead_speed_changed AFTER UPDATE ON leads_lead "
        f"WHEN {_sqlite_changed(ARRIVAL_COLUMNS)} BEGIN {' '.join(marks)} END"
    )


SQLITE = [
    "CREATE TRIGGER analytics_lead_speed_inserted AFTER INSERT ON leads_lead BEGIN "
    f"{_sqlite_mark('arrival', 'NEW.created_at')} END",
    "CREATE TRIGGER analytics_lead_speed_deleted AFTER DELETE ON leads_lead BEGIN "
    f"{_sqlite_mark('arrival', 'OLD.created_at')} END",
    _sqlite_lead_update(),
    *_sqlite_triggers(
        "analytics_sla_clock",
        "routing_slaclock",
        lambda row: _sqlite_mark_select("arrival", "created_at", _lead_day(f"{row}.lead_id")),
        _sqlite_changed(SLA_CLOCK_COLUMNS),
    ),
    *_sqlite_triggers(
        "analytics_conversion",
        "clients_conversion",
        lambda row: _sqlite_mark("conversion", f"{row}.converted_at"),
        _sqlite_changed(CONVERSION_COLUMNS),
    ),
    *_sqlite_triggers(
        "analytics_deal_day",
        "clients_deal",
        lambda row: _sqlite_mark_select(
            "deal", f"{row}.closed_at", f"WHERE {row}.closed_at IS NOT NULL"
        ),
        _sqlite_changed(DEAL_COLUMNS),
    ),
    "CREATE TRIGGER analytics_deal_stage_day_changed AFTER UPDATE ON clients_dealstage "
    "WHEN OLD.kind IS NOT NEW.kind BEGIN "
    + _sqlite_mark_select(
        "deal", "closed_at", "FROM clients_deal WHERE stage_id = NEW.id AND closed_at IS NOT NULL"
    )
    + " END",
    *_sqlite_triggers(
        "analytics_stage_event",
        "leads_leadevent",
        lambda row: _sqlite_mark("stay", f"{row}.occurred_at")
        + " "
        + _sqlite_mark_select("stay", "occurred_at", _next_move(row)),
        _sqlite_changed(EVENT_COLUMNS),
        when="{row}.type = 'stage_changed'",
    ),
    "CREATE TRIGGER analytics_stage_arrival_changed AFTER UPDATE ON leads_stage "
    f"WHEN {_sqlite_changed(('kind', 'required_fields'))} BEGIN "
    + _sqlite_mark_select("arrival", "created_at", "FROM leads_lead WHERE stage_id = NEW.id")
    + " END",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "analytics_lead_speed_inserted",
        "analytics_lead_speed_deleted",
        "analytics_lead_speed_changed",
        *(
            f"analytics_{table}_{event}"
            for table in ("sla_clock", "conversion", "deal_day", "stage_event")
            for event in ("inserted", "deleted", "changed")
        ),
        "analytics_deal_stage_day_changed",
        "analytics_stage_arrival_changed",
    )
]


# the days already in the base tables: the first refresh computes their facts (a large
# database: `galena analytics rebuild --kind arrival conversion deal stay` is quicker)
EXISTING = {
    "arrival": ("created_at", "FROM leads_lead"),
    "conversion": ("converted_at", "FROM clients_conversion"),
    "deal": ("closed_at", "FROM clients_deal WHERE closed_at IS NOT NULL"),
    "stay": ("occurred_at", "FROM leads_leadevent WHERE type = 'stage_changed'"),
}
POSTGRESQL += [
    _pg_mark_select(kind, moment, rest).rstrip(";") for kind, (moment, rest) in EXISTING.items()
]
SQLITE += [
    _sqlite_mark_select(kind, moment, rest).rstrip(";")
    for kind, (moment, rest) in EXISTING.items()
]


def _run(statements_for):
    def run(apps, schema_editor):
        postgresql = schema_editor.connection.vendor == "postgresql"
        for statement in statements_for(postgresql):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0004_speed_team_facts"),
        ("routing", "0001_initial"),
        ("clients", "0001_clients_contacts_accounts_deals"),
    ]

    operations = [
        migrations.RunPython(
            _run(lambda postgresql: POSTGRESQL if postgresql else SQLITE),
            _run(lambda postgresql: POSTGRESQL_REVERSE if postgresql else SQLITE_REVERSE),
        ),
    ]
