"""The daily facts stay equal to the base tables after every kind of change.

Each test: a business whose facts are computed (built once for the module, each test in a
savepoint of its own); a change made the way the app makes it (a service) or behind its
back (``queryset.update``, raw SQL, a delete); then the triggers have marked the days,
``facts_verify`` finds no row that differs, and the reports reading the kinds of facts the
change touched give, for every role and the filters of what it moved, the figures the base
tables give (``ANALYTICS_FACTS`` off). The built facts are compared once for every report
and every filter.
"""

import copy
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Case, F, Value, When
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from galena.accounts.models import Role
from galena.analytics.cohorts import cohort_table
from galena.analytics.cost import cost_table
from galena.analytics.facts import (
    COST_PAIRS,
    business_days_of,
    facts_rebuild,
    facts_refresh,
    facts_verify,
)
from galena.analytics.filters import ReportFilter
from galena.analytics.funnel import funnel_counts
from galena.analytics.models import (
    DirtyDay,
    FactKind,
    LeadFact,
    ResponseFact,
    RevenueFact,
    VisitorFact,
)
from galena.analytics.quality import GROUP_BY as QUALITY_GROUPS
from galena.analytics.quality import quality_table
from galena.analytics.speed import speed_report, speed_table, stage_report
from galena.analytics.team import team_report, team_table
from galena.clients.models import Account, Contact, Conversion, Deal, DealStage, DealStageKind
from galena.intake.models import Form, Submission, SubmissionOutcome
from galena.leads.models import (
    Channel,
    CurrencyRate,
    EventType,
    Fit,
    Lead,
    LeadEvent,
    QualityStatus,
    RejectionReason,
    Stage,
    StageKind,
    Verification,
)
from galena.leads.services import lead_assign, lead_change_stage, lead_update
from galena.matching.services import lead_unmerge, leads_merge
from galena.quality.services import lead_quality_reject, lead_quality_release
from galena.routing.models import SlaClock
from galena.routing.sla import lead_sla_respond
from galena.scoring.models import Visitor
from galena.scoring.tracking import visitor_identify
from tests.factories import CampaignFactory, LeadFactory, SourceFactory, TeamFactory, UserFactory
from tests.quality.verification_helpers import manual

pytestmark = pytest.mark.django_db

UTC = dt.UTC
PERIOD = ReportFilter(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 2, 28))


def at(month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture(scope="module", autouse=True)
def business():
    # UTC+2 in winter: a moment late on a UTC evening is the next business day; and these
    # tests are the facts' (even in a run with ANALYTICS_FACTS=false)
    with override_settings(TIME_ZONE="Europe/Bucharest", ANALYTICS_FACTS=True):
        yield


@pytest.fixture
def world(built_once, db):
    """The module's world, as it was built: what a test changes (rows and these objects)
    is its own, rolled back after it."""
    return copy.deepcopy(built_once)


@pytest.fixture(scope="module")
def built_once(module_db, business):
    """Two months of leads over two channels, two sources, a campaign, two regions, three
    people in two teams; visitors (some identified), contact-less interests; facts built.
    Built once for the module (a few seconds): each test starts from it in a savepoint."""
    team, other_team = TeamFactory(name="North"), TeamFactory(name="South")
    admin_user = UserFactory(username="admin", role=Role.ADMIN, is_superuser=True, is_staff=True)
    head = UserFactory(username="head", role=Role.HEAD_OF_SALES, team=team)
    team.head = head
    team.save()
    manager, colleague, marketer = (
        UserFactory(username=name, role=role, team=team)
        for name, role in (
            ("manager", Role.SALES_MANAGER),
            ("colleague", Role.SALES_MANAGER),
            ("marketer", Role.MARKETER),
        )
    )
    search = SourceFactory(name="Search", channel=Channel.PAID_SEARCH)
    social = SourceFactory(name="Social", channel=Channel.SOCIAL)
    campaign = CampaignFactory(name="Spring", source=search, region="Cluj")
    stranger = UserFactory(username="stranger", role=Role.SALES_MANAGER, team=other_team)
    form = Form.objects.create(name="Quiz", slug="quiz", source=social, campaign=None)
    people = [(manager, team), (colleague, team), (stranger, other_team)]
    leads = []
    for n in range(24):
        owner, owner_team = people[n % 3]
        leads.append(
            LeadFactory(
                created_at=at(1 + n % 2, 1 + n, 21 + n % 3, 30),  # some after 22:00 UTC
                channel=Channel.SOCIAL if n % 2 else Channel.PAID_SEARCH,
                source=social if n % 2 else search,
                campaign=campaign if n % 4 == 0 else None,
                region="Cluj" if n % 3 else "Iasi",
                owner=owner,
                original_owner=people[(n + 1) % 3][0] if n % 5 == 0 else owner,
                team=owner_team,
                quality_status=QualityStatus.QUARANTINED if n == 7 else QualityStatus.ACCEPTED,
            )
        )
    work_on(leads)
    # first touches (decision 0009): some known visitors came by another channel than their
    # lead's, some anonymous ones by the campaign or by organic search; the rest were direct
    touches = [
        {},
        {"channel": Channel.ORGANIC_SEARCH},
        {"channel": Channel.PAID_SEARCH, "source": search, "campaign": campaign},
    ]
    for n, lead in enumerate(leads[:12]):
        Visitor.objects.create(
            key=f"known{n}",
            lead=lead,
            first_seen_at=at(1, 1 + n, 23),
            last_seen_at=at(1, 2),
            **touches[n % 3],
        )
    for n in range(6):
        Visitor.objects.create(
            key=f"anonymous{n}", first_seen_at=at(2, 1 + n, 22, 10), **touches[n % 3]
        )
    for n in range(4):
        Submission.objects.create(
            channel=Channel.SOCIAL if n % 2 else Channel.QUIZ,
            adapter="capture",
            outcome=SubmissionOutcome.INTEREST,
            received_at=at(1 + n % 2, 3 + n, 22, 30),
            source=social if n % 2 else None,
            form=form if n < 2 else None,
        )
    CurrencyRate.objects.create(
        from_currency="RON", to_currency="EUR", rate=Decimal("0.2"), valid_from=dt.date(2026, 1, 1)
    )
    account = Account.objects.create(name="Clients")
    won = DealStage.objects.filter(kind=DealStageKind.WON).first()
    for n, lead in enumerate(leads[::3]):
        Deal.objects.create(
            account=account,
            lead=lead,
            title="Panels",
            amount=Decimal("1000.50") + n,
            currency="RON" if n % 2 else "EUR",
            stage=won,
            closed_at=at(2, 20 + n % 5, 23, 30),
        )
    facts_rebuild()
    return {
        "leads": leads,
        "campaign": campaign,
        "search": search,
        "social": social,
        "form": form,
        "readers": [admin_user, marketer, head, manager, colleague],
        "admin": admin_user,
        "head": head,
        "manager": manager,
        "colleague": colleague,
        "stranger": stranger,
    }


def work_on(leads) -> None:
    """What sales did with the world's leads: first responses on and after their deadlines
    (some on an SLA clock), leads never answered, stage moves, rejections with reasons and
    key fields filled in, conversions with their lead times."""
    in_work, qualified = Stage.objects.get(code="in_work"), Stage.objects.get(code="qualified")
    lost = Stage.objects.filter(kind=StageKind.LOST).first()
    reasons = list(RejectionReason.objects.filter(is_active=True)[:2])
    for n, lead in enumerate(leads):
        arrived = lead.created_at
        fields = {"assigned_at": arrived + dt.timedelta(minutes=2 + n % 3)}
        if n % 4 == 0:  # a clock met (on time or late)
            met = arrived + dt.timedelta(minutes=3 * (n + 1))
            SlaClock.objects.create(
                lead=lead, started_at=arrived, due_at=arrived + dt.timedelta(minutes=15), met_at=met
            )
            fields["first_response_at"] = met
        elif n % 4 == 1:  # the deadline on the lead
            fields["response_due_at"] = arrived + dt.timedelta(hours=1)
            fields["first_response_at"] = arrived + dt.timedelta(minutes=7 * n + 0.5)
        elif n % 4 == 2:  # never answered: overdue
            fields["response_due_at"] = arrived + dt.timedelta(hours=2)
        elif n % 8 == 3:  # a clock the sweep called breached
            due = arrived + dt.timedelta(minutes=15)
            SlaClock.objects.create(lead=lead, started_at=arrived, due_at=due, breached_at=due)
        if n % 3 == 0:
            fields.update(company_name=f"Firm {n}", position="Buyer")
        for step, (left, entered) in enumerate((("new", "in_work"), ("in_work", "qualified"))):
            if n % 5 < 2 + step:
                moved(
                    lead,
                    arrived + dt.timedelta(hours=5 * n + 1, days=step * (n % 4)),
                    left,
                    entered,
                )
        if n % 6 == 2:
            fields.update(stage=lost, rejection_reason=reasons[n % 2], rejected_at=arrived)
        elif n % 6 == 4:
            fields.update(stage=qualified if n % 12 == 4 else in_work)
        Lead.objects.filter(pk=lead.pk).update(**fields)
    for n, lead in enumerate(leads[1::5]):
        converted_at = at(2, 10 + n, 9)
        Lead.objects.filter(pk=lead.pk).update(
            stage=Stage.objects.get(code="converted"), converted_at=converted_at
        )
        Conversion.objects.create(
            lead=lead,
            contact=Contact.objects.create(first_name="Client"),
            converted_at=converted_at,
            first_contact_at=lead.created_at,
            conversion_time=converted_at - lead.created_at,
            lead_time=converted_at - lead.created_at + dt.timedelta(days=n),
        )


def moved(lead, moment: dt.datetime, left: str, entered: str) -> LeadEvent:
    return LeadEvent.objects.create(
        lead=lead,
        type=EventType.STAGE_CHANGED,
        occurred_at=moment,
        actor_source="manual",
        params={"from": left, "to": entered, "to_kind": "open"},
    )


# the reports that read each kind of facts: a change can move only the reports reading the
# kinds of facts it changes
READ_BY = {
    FactKind.LEAD: ("funnel", "cohorts", "quality", "cost"),
    FactKind.VISITOR: ("funnel",),
    FactKind.INTEREST: ("funnel",),
    FactKind.ARRIVAL: ("speed", "team"),
    FactKind.CONVERSION: ("speed",),
    FactKind.DEAL: ("team",),
    FactKind.STAY: ("stages",),
}
ASPECTS = ("month", "channel", "source", "campaign", "region", "owner", "team", "period")


def _filters(world, aspects=ASPECTS) -> list[ReportFilter]:
    """The questions asked of every report, by the aspect each is about: its slice, or else
    its grouping (the period's own: a part of both months)."""
    by_month = PERIOD.with_changes(group_by="month")
    by_aspect = {
        "month": [by_month],
        "channel": [
            PERIOD.with_changes(group_by="channel"),
            by_month.with_changes(channel=Channel.SOCIAL),
            by_month.with_changes(channel=Channel.QUIZ),
            PERIOD.with_changes(group_by="source", channel=Channel.SOCIAL),
        ],
        "source": [
            PERIOD.with_changes(group_by="source"),
            by_month.with_changes(source_id=world["search"].pk),
            PERIOD.with_changes(group_by="source", source_id=world["search"].pk),
            PERIOD.with_changes(group_by="region", source_id=world["search"].pk),
        ],
        "campaign": [
            PERIOD.with_changes(group_by="campaign"),
            by_month.with_changes(campaign_id=world["campaign"].pk),
            PERIOD.with_changes(group_by="channel", campaign_id=world["campaign"].pk),
            PERIOD.with_changes(group_by="region", campaign_id=world["campaign"].pk),
        ],
        "region": [
            PERIOD.with_changes(group_by="region"),
            by_month.with_changes(region="Cluj"),
            PERIOD.with_changes(group_by="region", region="Cluj"),
            PERIOD.with_changes(group_by="owner", region="Cluj"),
            # one slice grouped by another (the cost report's pairs of attributions)
            PERIOD.with_changes(group_by="channel", region="Cluj"),
            PERIOD.with_changes(group_by="campaign", region="Iasi"),
        ],
        "owner": [
            PERIOD.with_changes(group_by="owner"),
            PERIOD.with_changes(group_by="channel", owner_id=world["manager"].pk),
        ],
        "team": [
            PERIOD.with_changes(group_by="team"),
            by_month.with_changes(team_id=world["manager"].profile.team_id),
        ],
        "period": [
            PERIOD.with_changes(date_from=dt.date(2026, 1, 10), date_to=dt.date(2026, 2, 3))
        ],
    }
    return [f for aspect in aspects for f in by_aspect[aspect]]


def _figures(world, reports, aspects) -> dict:
    """The reports named, for every reader and the filters of these aspects."""
    out = {}
    seen = set()
    for reader in world["readers"]:
        role = reader.profile.role
        for f in _filters(world, aspects):
            key = (reader.username, f)
            if "funnel" in reports:
                out[(*key, "funnel")] = dict(funnel_counts(reader, f))
            if "cohorts" in reports and f.group_by == "month":
                for measure in ("converted", "qualified", "rejected"):
                    table = cohort_table(reader, f, measure=measure, today=dt.date(2026, 6, 1))
                    out[(*key, "cohorts", measure)] = (table.rows, table.totals)
            if "quality" in reports and f.group_by in QUALITY_GROUPS:
                table = quality_table(reader, f)
                out[(*key, "quality")] = (table.rows, table.totals)
            if "speed" in reports:
                table = speed_table(reader, f)
                out[(*key, "speed")] = _rounded((table.rows, table.totals))
            # the time in stage and the team's rows are the same whatever the grouping
            ungrouped = (reader.username, f.with_changes(group_by="channel"))
            if ungrouped not in seen:
                seen.add(ungrouped)
                if "stages" in reports:
                    out[(*key, "stages")] = _rounded(stage_report(reader, f))
                if "team" in reports and role != Role.MARKETER:
                    table = team_table(reader, f)
                    out[(*key, "team")] = _rounded((table.rows, table.totals, table.columns))
            if (
                "cost" in reports
                and role in (Role.ADMIN, Role.HEAD_OF_SALES, Role.MARKETER)
                and f.group_by in ("channel", "source", "campaign", "region", "month")
            ):
                table = cost_table(reader, f)
                out[(*key, "cost")] = (table.rows, table.totals)
    return out


def _rounded(figures):
    """Durations to the millisecond: PostgreSQL's percentile of intervals rounds to the
    microsecond, the facts' (and SQLite's) interpolation does not; a month's key is a date
    (PostgreSQL's percentile query over the leads gives the row a midnight)."""
    if isinstance(figures, float):
        return round(figures, 3)
    if isinstance(figures, dt.datetime):
        return figures.date()
    if isinstance(figures, dict):
        return {key: _rounded(value) for key, value in figures.items()}
    if isinstance(figures, list | tuple):
        return type(figures)(_rounded(value) for value in figures)
    return figures


def assert_facts_equal_the_base_tables(world, kinds=tuple(FactKind), aspects=ASPECTS) -> None:
    """The facts are the base tables' figures (``facts_verify``), and so are the reports
    that read the ``kinds`` of facts a change touched, for every reader and the filters of
    the ``aspects`` it moved (by default: every report and filter)."""
    assert facts_verify() == []
    reports = {report for kind in kinds for report in READ_BY[kind]}
    from_facts = _figures(world, reports, aspects)
    with override_settings(ANALYTICS_FACTS=False):
        from_base = _figures(world, reports, aspects)
    assert from_facts == from_base
    # each report named was asked at least one of its questions
    assert {key[2] for key in from_facts} == reports


def _marked(kind: str) -> bool:
    return DirtyDay.objects.filter(kind=kind).exists()


def test_the_built_facts_equal_the_base_tables(world):
    assert LeadFact.objects.exists()
    assert VisitorFact.objects.exists()

    assert_facts_equal_the_base_tables(world)


def test_a_report_the_facts_answer_reads_no_lead(world):
    with CaptureQueriesContext(connection) as queries:
        funnel_counts(world["admin"], PERIOD.with_changes(group_by="channel"))
        funnel_counts(world["manager"], PERIOD.with_changes(group_by="month"))

    assert not [q for q in queries.captured_queries if "leads_lead" in q["sql"]]


def test_a_new_lead_is_marked_and_counted(world):
    LeadFactory(created_at=at(1, 31, 23, 30), channel=Channel.SOCIAL, owner=world["manager"])

    assert _marked("lead")
    # the 31st at 23:30 UTC is the 1st of February in Bucharest
    counts = funnel_counts(world["admin"], PERIOD.with_changes(group_by="month"))
    assert not _marked("lead")
    assert counts[dt.date(2026, 2, 1)]["leads"] == 12
    assert_facts_equal_the_base_tables(
        world, kinds=("arrival", "lead"), aspects=("month", "period")
    )


def test_a_report_refreshes_only_the_facts_it_reads(world):
    LeadFactory(created_at=at(1, 15), channel=Channel.SOCIAL)
    Visitor.objects.create(key="late", first_seen_at=at(1, 15), last_seen_at=at(1, 15))

    cohort_table(world["admin"], PERIOD.with_changes(group_by="month"))

    assert not _marked("lead")
    assert _marked("visitor")  # left for the funnel (or the beat task)
    funnel_counts(world["admin"], PERIOD.with_changes(group_by="month"))
    assert not _marked("visitor")
    assert_facts_equal_the_base_tables(
        world, kinds=("arrival", "lead", "visitor"), aspects=("month",)
    )


def test_stage_changes_qualify_convert_and_reject(world):
    leads = world["leads"]
    actor = manual(world["admin"])
    lead_change_stage(actor=actor, lead=leads[0], stage=Stage.objects.get(code="qualified"))
    lead_change_stage(actor=actor, lead=leads[1], stage=Stage.objects.get(code="converted"))
    lead_change_stage(
        actor=actor,
        lead=leads[2],
        stage=Stage.objects.filter(kind=StageKind.LOST).first(),
        fields={"rejection_reason": RejectionReason.objects.filter(is_active=True).first()},
    )

    assert _marked("lead")
    assert_facts_equal_the_base_tables(
        world, kinds=("arrival", "lead", "stay"), aspects=("month", "owner")
    )


def test_reopening_a_converted_lead_takes_the_client_away(world):
    lead = world["leads"][3]
    actor = manual(world["head"])
    lead_change_stage(actor=actor, lead=lead, stage=Stage.objects.get(code="converted"))
    facts_refresh()
    clients = funnel_counts(world["admin"], PERIOD.with_changes(group_by="month"))

    lead_change_stage(actor=actor, lead=lead, stage=Stage.objects.get(is_initial=True))

    after = funnel_counts(world["admin"], PERIOD.with_changes(group_by="month"))
    month = dt.date(2026, 2, 1)
    assert after[month]["clients"] == clients[month]["clients"] - 1
    assert_facts_equal_the_base_tables(
        world, kinds=("arrival", "lead", "stay"), aspects=("month", "owner")
    )


def test_merge_and_unmerge(world):
    from tests.matching.merge_helpers import person

    head = world["head"]
    touched = {"kinds": ("arrival", "lead", "visitor"), "aspects": ("month", "channel", "owner")}
    ana = person(head, "Ana", "Marin")
    anna = person(head, "Anna", "Marin", email="anna.marin@x.example")
    Lead.objects.filter(pk__in=[ana.pk, anna.pk]).update(created_at=at(1, 5))
    # the duplicate came in by another channel: it counts there, with the survivor's people
    Lead.objects.filter(pk=ana.pk).update(channel=Channel.SOCIAL)
    Lead.objects.filter(pk=anna.pk).update(channel=Channel.QUIZ)
    ana.refresh_from_db()
    anna.refresh_from_db()
    Visitor.objects.create(key="anna", lead=anna, first_seen_at=at(1, 6), last_seen_at=at(1, 6))
    facts_refresh()

    merge = leads_merge(survivor=ana, others=[anna], actor=manual(head))
    assert _marked("lead")
    assert _marked("visitor")
    assert_facts_equal_the_base_tables(world, **touched)

    # the duplicate counts with the survivor's people: they follow it
    lead_assign(actor=manual(head), lead=ana, owner=world["colleague"])
    assert_facts_equal_the_base_tables(world, **touched)

    lead_unmerge(merge=merge, actor=manual(head))
    assert _marked("lead")
    assert_facts_equal_the_base_tables(world, **touched)


def test_reassignment_moves_a_lead_between_people(world):
    lead = world["leads"][0]

    lead_assign(actor=manual(world["head"]), lead=lead, owner=world["colleague"])

    assert _marked("lead")
    assert _marked("visitor")  # its visitor follows it
    assert_facts_equal_the_base_tables(
        world, kinds=("arrival", "deal", "lead", "stay", "visitor"), aspects=("month", "owner")
    )


def test_editing_channel_source_campaign_and_region(world):
    lead = world["leads"][5]

    lead_update(
        actor=manual(world["admin"]),
        lead=lead,
        data={
            "channel": Channel.REFERRAL,
            "source_id": world["search"].pk,
            "campaign_id": world["campaign"].pk,
            "region": "Timis",
        },
    )

    assert _marked("lead")
    assert_facts_equal_the_base_tables(
        world,
        kinds=("arrival", "lead", "stay", "visitor"),
        aspects=("channel", "source", "campaign", "region"),
    )


def test_a_visitor_identified_later(world):
    lead = world["leads"][20]

    visitor_identify(lead_id=lead.pk, visitor_key="anonymous2")

    assert _marked("visitor")
    assert_facts_equal_the_base_tables(world, kinds=("visitor",))


def test_quality_review_releases_and_rejects(world):
    held = world["leads"][7]
    actor = manual(world["admin"])
    touched = {"kinds": ("arrival", "lead"), "aspects": ("month", "channel")}

    lead_quality_release(actor=actor, leads=[held])
    assert _marked("lead")
    assert_facts_equal_the_base_tables(world, **touched)

    lead_quality_reject(actor=actor, leads=[world["leads"][9]], reason_code="burst")
    assert_facts_equal_the_base_tables(world, **touched)


def test_bulk_updates_behind_the_services_back(world):
    # queryset.update sends no hook and no signal: the triggers see it all the same
    Lead.objects.filter(channel=Channel.SOCIAL).update(
        owner=world["stranger"], team=world["stranger"].profile.team
    )
    Lead.objects.filter(region="Iasi").update(converted_at=at(3, 1))
    Lead.objects.filter(channel=Channel.PAID_SEARCH).update(
        fit=Fit.NON_TARGET, verification=Verification.VERIFIED
    )
    Visitor.objects.filter(lead__isnull=True).update(first_seen_at=at(1, 20))

    assert _marked("lead")
    assert _marked("visitor")
    assert_facts_equal_the_base_tables(
        world,
        kinds=("arrival", "conversion", "deal", "lead", "stay", "visitor"),
        aspects=("month", "channel", "region", "owner", "team"),
    )


def test_an_update_marks_only_the_days_of_the_rows_whose_watched_columns_changed(world):
    # a recompute writes every lead's score in one statement; no fact reads the score, so
    # only the one lead whose temperature (a key field of the arrival facts) changed marks
    facts_refresh()
    assert not DirtyDay.objects.exists()
    lead = world["leads"][0]
    warmer = "hot" if lead.temperature != "hot" else "warm"

    Lead.objects.update(
        score=F("score") + 7,
        temperature=Case(When(pk=lead.pk, then=Value(warmer)), default=F("temperature")),
    )

    day = lead.created_at.astimezone(dt.UTC).date()
    assert set(DirtyDay.objects.values_list("kind", "day")) == {("arrival", day)}
    assert_facts_equal_the_base_tables(world, kinds=("arrival", "lead"), aspects=("month",))

    Lead.objects.update(score=F("score") - 7)
    DirtyDay.objects.all().delete()
    Lead.objects.update(score=F("score") + 1)
    assert not DirtyDay.objects.exists()


def test_deals_won_lost_and_changed(world):
    touched = {"kinds": ("deal", "lead"), "aspects": ("month", "channel")}
    deal = Deal.objects.filter(currency="EUR").first()
    Deal.objects.filter(pk=deal.pk).update(amount=Decimal("99.99"), closed_at=at(2, 27, 1))
    assert _marked("lead")
    assert_facts_equal_the_base_tables(world, **touched)

    lost = DealStage.objects.filter(kind=DealStageKind.LOST).first()
    Deal.objects.filter(currency="RON").update(stage=lost)
    assert_facts_equal_the_base_tables(world, **touched)

    Deal.objects.filter(pk=deal.pk).delete()
    assert_facts_equal_the_base_tables(world, **touched)


def test_a_lead_with_a_won_deal_moved_to_another_channel(world):
    # the deal facts are kept per slice: the won money follows the lead into its new channel
    lead = world["leads"][0]
    assert Deal.objects.filter(lead=lead, stage__kind=DealStageKind.WON).exists()
    moved_to = Channel.QUIZ if lead.channel == Channel.SOCIAL else Channel.SOCIAL
    facts_refresh()

    Lead.objects.filter(pk=lead.pk).update(channel=moved_to)

    assert _marked("deal")
    in_it = team_report(world["admin"], PERIOD.with_changes(channel=moved_to))
    assert in_it.current[lead.owner_id].deal_value.amount > 0
    assert_facts_equal_the_base_tables(
        world, kinds=("arrival", "deal", "lead", "stay", "visitor"), aspects=("channel",)
    )


def test_raw_sql_is_seen_too(world):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE leads_lead SET created_at = %s WHERE id = %s", [at(2, 27), world["leads"][0].pk]
        )

    assert_facts_equal_the_base_tables(
        world, kinds=("arrival", "lead", "stay"), aspects=("month", "period")
    )


def test_deleting_leads_visitors_and_interests(world):
    Visitor.objects.filter(key="known3").delete()
    lead = world["leads"][4]
    Visitor.objects.filter(lead=lead).delete()
    lead.delete()
    Submission.objects.filter(outcome=SubmissionOutcome.INTEREST).first().delete()

    assert _marked("lead")
    assert _marked("interest")
    assert_facts_equal_the_base_tables(
        world, kinds=("arrival", "interest", "lead", "visitor"), aspects=("month", "channel")
    )


def test_erasing_a_person_keeps_the_figures(world):
    from galena.privacy.erasure import erase_subject
    from galena.privacy.subjects import find_subject

    lead = world["leads"][6]
    erase_subject(find_subject(lead_id=lead.pk), actor=world["admin"], reason="asked")

    assert_facts_equal_the_base_tables(world, aspects=("month", "owner"))


def test_interests_follow_their_outcome_and_their_forms_campaign(world):
    Submission.objects.filter(outcome=SubmissionOutcome.INTEREST).filter(
        channel=Channel.QUIZ
    ).update(outcome=SubmissionOutcome.CREATED)
    Form.objects.filter(pk=world["form"].pk).update(campaign=world["campaign"])

    assert _marked("interest")
    assert_facts_equal_the_base_tables(world, kinds=("interest",), aspects=("channel", "campaign"))


def test_a_stage_that_changes_kind(world):
    lead = world["leads"][8]
    deferred = Stage.objects.filter(kind=StageKind.DEFERRED).first()
    Lead.objects.filter(pk=lead.pk).update(stage=deferred)
    facts_refresh()

    Stage.objects.filter(pk=deferred.pk).update(kind=StageKind.OPEN)

    assert _marked("lead")
    assert_facts_equal_the_base_tables(world, kinds=("arrival", "lead"), aspects=("month", "owner"))


def test_a_utc_day_touches_one_or_two_business_days():
    assert business_days_of([dt.date(2026, 1, 31)]) == {dt.date(2026, 1, 31), dt.date(2026, 2, 1)}


def test_verify_names_a_fact_that_drifted(world):
    LeadFact.objects.filter(dimension="total", grain=0).update(leads=999)

    differences = facts_verify()

    assert differences
    assert {d.table for d in differences} == {"analytics_leadfact"}
    assert all(d.stored[0] == 999 for d in differences)


def test_the_command_verifies_and_rebuilds(world):
    from django.core.management import CommandError, call_command

    call_command("analytics", "verify")
    LeadFact.objects.all().delete()
    with pytest.raises(CommandError):
        call_command("analytics", "verify")

    call_command("analytics", "rebuild")

    call_command("analytics", "verify")


@pytest.mark.postgres
def test_a_refresh_in_the_callers_transaction_leaves_its_planner_costs_as_they_were(world):
    def random_page_cost() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW random_page_cost")
            return cursor.fetchone()[0]

    before = random_page_cost()
    lead_update(actor=manual(world["admin"]), lead=world["leads"][5], data={"region": "Timis"})
    assert _marked(FactKind.LEAD)

    assert facts_refresh([FactKind.LEAD]) > 0

    assert random_page_cost() == before
    assert facts_verify() == []


def test_an_upgrade_to_the_cost_pairs_gets_their_rows_at_the_next_refresh(world):
    from importlib import import_module

    from django.apps import apps

    upgrade = import_module("galena.analytics.migrations.0008_cost_attribution_pairs")
    days = set(LeadFact.objects.values_list("day", flat=True))
    # an installation whose facts were built before the pairs existed
    LeadFact.objects.filter(dimension__in=COST_PAIRS).delete()
    RevenueFact.objects.filter(dimension__in=COST_PAIRS).delete()
    assert facts_verify()

    upgrade.mark_lead_days(apps, None)

    assert set(DirtyDay.objects.filter(kind="lead").values_list("day", flat=True)) == days
    facts_refresh([FactKind.LEAD])
    assert facts_verify() == []
    assert LeadFact.objects.filter(dimension__in=COST_PAIRS, grain=1).exists()


# --- the speed and team facts (docs/decisions/0007) ----------------------------------------


def _speed(world, f=PERIOD, **kwargs):
    return speed_report(world["admin"], f.with_changes(group_by="owner"), **kwargs)


def test_the_speed_and_team_facts_hold_what_the_world_did(world):
    speed = _speed(world)

    # 24 leads, one quarantined: 23 went to sales; every fourth answered on its clock, every
    # fourth from the second on the lead
    assert speed.total["leads"] == 23
    assert speed.total["responded"] == 12
    assert speed.total["conversions"] == 5
    # two moves out of "new" and three out of "in work" for each five leads
    assert sum(row["exits"] for row in stage_report(world["admin"], PERIOD)) == 25
    team = team_report(world["admin"], PERIOD)
    assert team.total.leads == 24
    assert team.total.converted == 5


def test_a_first_response_after_the_facts_were_built(world):
    lead = Lead.objects.get(pk=world["leads"][2].pk)  # never answered
    answered = lead.created_at + dt.timedelta(minutes=90)
    before = _speed(world).total

    lead_sla_respond(lead=lead, kind="call", at=answered, actor=manual(lead.owner))

    assert _marked("arrival")
    after = _speed(world).total
    assert after["responded"] == before["responded"] + 1
    # answered within its two hours: met, no longer overdue
    assert after["sla_met"] == before["sla_met"] + 1
    assert after["sla_overdue_open"] == before["sla_overdue_open"] - 1
    # the owner's answers: 27, 35.5, 63 and 119.5 minutes, and now 90
    mine = {row["key"]: row for row in _speed(world).rows}[lead.owner_id]
    assert mine["response_median"] == 63 * 60
    assert_facts_equal_the_base_tables(world, kinds=("arrival",), aspects=("month", "owner"))


def test_a_move_to_another_stage_after_the_facts_were_built(world):
    lead = Lead.objects.get(pk=world["leads"][9].pk)
    last_move = LeadEvent.objects.filter(lead=lead, type=EventType.STAGE_CHANGED).first()
    entered = last_move.occurred_at if last_move else lead.created_at
    today = ReportFilter(date_from=dt.date.today() - dt.timedelta(days=1), date_to=dt.date.today())
    rejected_before = team_report(world["admin"], PERIOD).total.rejected

    lead_change_stage(
        actor=manual(world["admin"]),
        lead=lead,
        stage=Stage.objects.filter(kind=StageKind.LOST).first(),
        fields={"rejection_reason": RejectionReason.objects.filter(is_active=True).first()},
    )

    assert _marked("stay")
    left = LeadEvent.objects.filter(lead=lead, type=EventType.STAGE_CHANGED).first()
    stages = stage_report(world["admin"], today)
    assert [(row["stage"], row["exits"]) for row in stages] == [(left.params["from"], 1)]
    assert stages[0]["median"] == (left.occurred_at - entered).total_seconds()
    assert team_report(world["admin"], PERIOD).total.rejected == rejected_before + 1
    assert_facts_equal_the_base_tables(
        world, kinds=("arrival", "lead", "stay"), aspects=("month", "owner")
    )


def test_a_move_recorded_between_two_others_shortens_the_next_stay(world):
    lead = world["leads"][10]  # moved out of "new" and "in work": 1 h, then 2 days later
    moves = list(
        LeadEvent.objects.filter(lead=lead, type=EventType.STAGE_CHANGED).order_by("occurred_at")
    )
    middle = moves[0].occurred_at + (moves[1].occurred_at - moves[0].occurred_at) / 2
    facts_refresh()

    moved(lead, middle, "in_work", "in_work")

    assert _marked("stay")
    stays = {row["stage"]: row for row in stage_report(world["admin"], PERIOD)}
    with override_settings(ANALYTICS_FACTS=False):
        from_base = {row["stage"]: row for row in stage_report(world["admin"], PERIOD)}
    assert stays["in_work"]["exits"] == from_base["in_work"]["exits"]
    assert stays["in_work"]["median"] == pytest.approx(from_base["in_work"]["median"], abs=1e-3)
    assert_facts_equal_the_base_tables(world, kinds=("stay",))


def test_a_reassignment_after_the_facts_were_built_moves_the_figures(world):
    manager, colleague = world["manager"], world["colleague"]
    lead = next(lead for lead in world["leads"] if lead.owner_id == manager.pk)
    before = team_report(world["admin"], PERIOD)

    lead_assign(actor=manual(world["head"]), lead=lead, owner=colleague)

    assert _marked("arrival")
    after = team_report(world["admin"], PERIOD)
    assert after.current[manager.pk].leads == before.current[manager.pk].leads - 1
    assert after.current[colleague.pk].leads == before.current[colleague.pk].leads + 1
    assert team_report(colleague, PERIOD).current[colleague.pk].leads == (
        after.current[colleague.pk].leads
    )
    assert_facts_equal_the_base_tables(
        world, kinds=("arrival", "deal", "lead", "stay", "visitor"), aspects=("month", "owner")
    )


def test_a_deadline_passes_without_a_write(world):
    lead = world["leads"][5]
    Lead.objects.filter(pk=lead.pk).update(first_response_at=None, response_due_at=at(2, 20))
    SlaClock.objects.filter(lead=lead).delete()
    facts_refresh()
    f = PERIOD.with_changes(group_by="month")

    overdue = []
    for now in (at(2, 19), at(2, 21)):
        from_facts = speed_report(world["admin"], f, now=now).total
        with override_settings(ANALYTICS_FACTS=False):
            from_base = speed_report(world["admin"], f, now=now).total
        assert from_facts == from_base
        overdue.append(from_facts["sla_overdue_open"])
    assert overdue[1] == overdue[0] + 1


def test_conversions_sla_clocks_and_deals_written_later(world):
    lead = world["leads"][12]
    lead_change_stage(
        actor=manual(world["admin"]), lead=lead, stage=Stage.objects.get(code="in_work")
    )
    Conversion.objects.filter(lead=world["leads"][1]).update(lead_time=dt.timedelta(days=40))
    SlaClock.objects.filter(lead=world["leads"][0]).update(met_at=None, breached_at=at(1, 2))
    Deal.objects.filter(lead=world["leads"][3]).update(closed_at=at(1, 15))
    DealStage.objects.filter(kind=DealStageKind.WON).update(kind=DealStageKind.LOST)

    assert set(DirtyDay.objects.values_list("kind", flat=True)) >= {
        "arrival",
        "conversion",
        "deal",
        "stay",
    }
    assert_facts_equal_the_base_tables(
        world, kinds=("arrival", "conversion", "deal", "lead", "stay"), aspects=("month", "owner")
    )


def test_a_stage_that_requires_more_fields_lowers_the_completeness(world):
    before = team_report(world["admin"], PERIOD).total.completeness
    Stage.objects.filter(code="new").update(required_fields=["city", "comment"])

    assert _marked("arrival")
    assert team_report(world["admin"], PERIOD).total.completeness < before
    assert_facts_equal_the_base_tables(
        world, kinds=("arrival",), aspects=("month", "owner", "team")
    )


def test_speed_and_team_from_facts_read_no_lead(world):
    with CaptureQueriesContext(connection) as queries:
        _speed(world)
        stage_report(world["manager"], PERIOD)
        team_table(world["admin"], PERIOD)
        team_table(world["manager"], PERIOD)
        # one slice is in the facts too
        team_table(world["admin"], PERIOD.with_changes(channel=Channel.SOCIAL))
        team_table(world["head"], PERIOD.with_changes(source_id=world["search"].pk))
        team_table(world["manager"], PERIOD.with_changes(region="Cluj"))

    assert not [q for q in queries.captured_queries if "leads_lead" in q["sql"]]
    assert not [q for q in queries.captured_queries if 'clients_deal"' in q["sql"]]


def test_cost_for_a_slice_by_any_grouping_and_quality_for_a_slice_add_up_the_facts(world):
    sliced = [
        PERIOD.with_changes(group_by="month", channel=Channel.SOCIAL),
        PERIOD.with_changes(group_by="month", source_id=world["search"].pk),
        PERIOD.with_changes(group_by="month", campaign_id=world["campaign"].pk),
        PERIOD.with_changes(group_by="region", region="Cluj"),
    ]
    # the cost report's slice grouped by another attribution, or by campaign
    crossed = [
        PERIOD.with_changes(group_by="channel", region="Cluj"),
        PERIOD.with_changes(group_by="region", channel=Channel.PAID_SEARCH),
        PERIOD.with_changes(group_by="source", region="Iasi"),
        PERIOD.with_changes(group_by="channel", source_id=world["search"].pk),
        PERIOD.with_changes(group_by="region", campaign_id=world["campaign"].pk),
        PERIOD.with_changes(group_by="campaign", channel=Channel.SOCIAL),
    ]
    with CaptureQueriesContext(connection) as queries:
        for f in sliced + crossed:
            cost_table(world["admin"], f)
            cost_table(world["head"], f)
    with CaptureQueriesContext(connection) as quality_queries:
        for f in sliced:
            quality_table(world["admin"], f)
            quality_table(world["manager"], f)

    assert not [q for q in queries.captured_queries if "leads_lead" in q["sql"]]
    assert not [q for q in queries.captured_queries if 'clients_deal"' in q["sql"]]
    # the quality report reads the leads only for the few open duplicate candidates
    read_leads = [q["sql"] for q in quality_queries.captured_queries if "leads_lead" in q["sql"]]
    assert read_leads and all("matching_duplicatecandidate" in sql for sql in read_leads)


def test_verify_names_a_speed_fact_that_drifted(world):
    ResponseFact.objects.filter(dimension="total", grain=0).update(responses="1")

    differences = facts_verify()

    assert {d.table for d in differences} == {"analytics_responsefact"}


def test_the_triggers_watch_every_field_a_stage_may_require():
    from importlib import import_module

    from galena.analytics.completeness import CARD_FIELDS
    from galena.leads.models import REQUIRABLE_FIELDS

    triggers = import_module("galena.analytics.migrations.0005_speed_team_fact_triggers")
    columns = {Lead._meta.get_field(name).attname for name in (*CARD_FIELDS, *REQUIRABLE_FIELDS)}

    assert columns <= set(triggers.ARRIVAL_COLUMNS)


def test_two_moves_at_the_same_moment_follow_their_order(world):
    lead = world["leads"][3]  # never moved
    moment = lead.created_at + dt.timedelta(hours=3)
    moved(lead, moment, "new", "in_work")
    moved(lead, moment, "in_work", "qualified")  # the same moment, recorded after

    stays = {row["stage"]: row for row in stage_report(world["admin"], PERIOD)}

    assert stays["new"]["exits"] >= 1
    assert_facts_equal_the_base_tables(world, kinds=("stay",))
