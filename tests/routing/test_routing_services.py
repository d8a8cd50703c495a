"""Routing new leads where they are written: owners, queues, events and notices."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from galena.accounts.models import Role
from galena.core.errors import PermissionDenied, ValidationFailed
from galena.leads.models import EventType, Lead, LeadEvent, QualityStatus, Stage
from galena.leads.services import Actor, ContactInput, lead_change_stage, lead_create
from galena.notifications.models import Notification, NotificationKind
from galena.routing.models import (
    Absence,
    RoutingMember,
    RoutingRule,
    Strategy,
    TargetKind,
    TeamRouting,
)
from galena.routing.services import (
    lead_hand_off,
    lead_owner_check,
    lead_reroute,
    leads_reassign,
    route_test,
)
from tests.factories import TeamFactory, UserFactory
from tests.routing.conftest import member


def new_lead(actor=None, **data):
    data.setdefault("first_name", "Ana")
    return lead_create(
        actor=actor or Actor.system(),
        data=data,
        contacts=[
            ContactInput(
                kind="email",
                value=f"{data['first_name'].lower()}{Lead.objects.count()}@example.com",
            )
        ],
    )


def test_a_new_lead_goes_round_robin_and_the_assignment_is_an_event(team, team_rule):
    ana, bob = member("ana", team), member("bob", team)
    owners = [new_lead().owner_id for _ in range(4)]
    assert owners == [ana.pk, bob.pk, ana.pk, bob.pk]
    lead = Lead.objects.order_by("pk").first()
    assert lead.team == team and lead.assigned_at is not None
    event = LeadEvent.objects.get(lead=lead, type=EventType.ASSIGNED)
    assert event.actor_source == "rule"
    assert event.params["rule"] == team_rule.pk
    assert event.params["rule_name"] == "Everyone → North"
    assert event.params["reason"] == "round robin"
    assert event.params["to"] == ana.pk
    assert TeamRouting.objects.get(team=team).sequence == 4
    assert RoutingMember.objects.get(user=ana).assigned_on_day == 2


def test_the_owner_is_notified_and_a_hot_lead_says_so(team, team_rule):
    ana = member("ana", team)
    lead = new_lead(temperature="hot")
    kinds = set(Notification.objects.filter(user=ana, lead=lead).values_list("kind", flat=True))
    assert kinds == {NotificationKind.LEAD_ASSIGNED, NotificationKind.HOT_LEAD}


def test_first_matching_rule_wins_over_the_default(team, team_rule):
    east = TeamFactory(name="East")
    eve = member("eve", east)
    member("ana", team)
    RoutingRule.objects.create(
        name="Romania → East",
        order=5,
        team=east,
        conditions=[{"field": "country", "operator": "eq", "value": "RO"}],
    )
    assert new_lead(country="RO").owner == eve
    assert new_lead(country="FI").owner.username == "ana"


def test_a_rule_to_a_person(team):
    olga = member("olga", team)
    RoutingRule.objects.create(
        name="Expo leads → Olga",
        order=1,
        target_kind=TargetKind.USER,
        user=olga,
        conditions=[{"field": "interest", "operator": "contains", "value": "expo"}],
    )
    lead = new_lead(interest="Met at the Expo")
    assert lead.owner == olga and lead.team == team


def test_nobody_available_puts_it_in_the_team_queue_and_alerts_the_head(team, team_rule):
    head = UserFactory(username="head", role=Role.HEAD_OF_SALES, team=team)
    team.head = head
    team.save()
    ana = member("ana", team)
    Absence.objects.create(
        user=ana,
        starts_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        ends_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
    )
    lead = new_lead()
    assert lead.owner is None and lead.team == team
    event = LeadEvent.objects.get(lead=lead, type=EventType.QUEUED)
    assert "absent" in event.params["reason"]
    alert = Notification.objects.get(kind=NotificationKind.QUEUE_ALERT)
    assert alert.user == head and alert.lead == lead


def test_capacity_per_day_is_respected(team, team_rule):
    member("ana", team, capacity_per_day=1)
    bob = member("bob", team, capacity_per_day=1)
    assert new_lead().owner.username == "ana"
    assert new_lead().owner == bob
    assert new_lead().owner is None  # both full: the queue


def test_members_outside_working_hours_are_skipped(team, team_rule):
    member("night", team, working_hours={})  # never works
    day = member("day", team)
    assert new_lead().owner == day


def test_weighted_and_least_loaded_strategies(team, team_rule):
    ana, bob = member("ana", team), member("bob", team)
    RoutingMember.objects.update_or_create(user=ana, defaults={"weight": 3})
    team_rule.strategy = Strategy.WEIGHTED
    team_rule.save()
    owners = [new_lead().owner_id for _ in range(8)]
    assert owners.count(ana.pk) == 6 and owners.count(bob.pk) == 2
    team_rule.strategy = Strategy.LEAST_LOADED
    team_rule.save()
    assert new_lead().owner == bob  # bob has 2 open leads, ana 6


def test_skills_route_the_product_to_who_sells_it(team, team_rule):
    member("ana", team, products=["Heat pumps"])
    bob = member("bob", team, products=["Solar panels"], languages=["ro"])
    team_rule.strategy = Strategy.SKILLS
    team_rule.save()
    assert new_lead(interest="Solar panels for a house").owner == bob


def test_leads_held_for_review_rejected_or_owned_are_not_routed(team, team_rule):
    ana = member("ana", team)
    held = lead_create(
        actor=Actor.system(),
        data={"first_name": "Held"},
        contacts=[ContactInput(kind="email", value="held@example.com")],
        verdict={"quality_status": QualityStatus.QUARANTINED},
    )
    assert held.owner is None
    assert not LeadEvent.objects.filter(lead=held, type__in=["assigned", "queued"]).exists()
    own = lead_create(
        actor=Actor(user=ana),
        data={"first_name": "Mine"},
        contacts=[ContactInput(kind="email", value="mine@example.com")],
    )
    assert own.owner == ana  # a manager's own lead stays theirs
    assert LeadEvent.objects.filter(lead=own, type="assigned", actor_source="rule").count() == 0


def test_the_seeded_default_rule_leaves_leads_in_the_general_queue(db):
    lead = new_lead()
    assert lead.owner is None and lead.team is None
    assert route_test(lead).rule.name == "Every other lead: the general queue"
    # nothing happened to the lead: no event
    assert not LeadEvent.objects.filter(lead=lead, type=EventType.QUEUED).exists()


def test_routing_a_batch_costs_a_constant_number_of_queries(team, team_rule):
    from galena.leads.services import LeadDraft, leads_build, leads_create_bulk

    for name in ("ana", "bob", "cem"):
        member(name, team)

    def create(n):
        drafts = [
            LeadDraft(
                data={"first_name": f"Lead{n}x{i}"},
                contacts=[ContactInput(kind="email", value=f"lead{n}x{i}@example.com")],
            )
            for i in range(n)
        ]
        built = leads_build(drafts=drafts)
        with CaptureQueriesContext(connection) as queries:
            leads_create_bulk(actor=Actor.system(), built=built)
        # savepoints aside: SQLite's bulk update splits its statements by parameter count
        return len([q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]])

    create(1)  # the first lead creates the members' routing rows
    # (batches above core.bulk.FEW_ROWS: a few rows are written with fewer statements)
    assert create(10) == create(40)
    assert Lead.objects.filter(owner__isnull=False).count() == 51


def test_the_tester_says_which_rule_would_take_a_lead(team, team_rule):
    lead = new_lead()
    match = route_test(lead)
    assert match.rule.id == team_rule.pk


def test_reroute_never_gives_the_lead_back_to_the_excluded_owner(team, team_rule):
    ana, bob = member("ana", team), member("bob", team)
    lead = new_lead()
    assert lead.owner == ana
    lead = lead_reroute(lead=lead, actor=Actor.system(), exclude_user_ids={ana.pk}, reason="SLA")
    assert lead.owner == bob
    event = LeadEvent.objects.filter(lead=lead, type=EventType.ASSIGNED).order_by("-id").first()
    assert event.params["from"] == ana.pk and event.params["reason"].startswith("SLA: ")


def test_a_repeat_inquiry_stays_with_an_active_owner_and_is_rerouted_when_they_left(
    team, team_rule
):
    ana, bob = member("ana", team), member("bob", team)
    lead = new_lead()
    assert lead_owner_check(lead_id=lead.pk, reason="repeat inquiry") is False
    ana.is_active = False
    ana.save()
    assert lead_owner_check(lead_id=lead.pk, reason="repeat inquiry") is True
    lead.refresh_from_db()
    assert lead.owner == bob


def test_a_rerouted_repeat_inquiry_brings_its_open_tasks_to_the_new_owner(team, team_rule):
    from galena.leads.models import Task

    ana, bob = member("ana", team), member("bob", team)
    lead = new_lead()  # ana's
    left_by_ana = Task.objects.create(lead=lead, kind="call", title="Call", assignee=ana)
    unassigned = Task.objects.create(lead=lead, kind="call", title="Repeat inquiry")
    done = Task.objects.create(
        lead=lead, kind="call", title="Done", assignee=ana, done_at=dt.datetime.now(dt.UTC)
    )
    others = Task.objects.create(lead=lead, kind="email", title="Bob's own", assignee=bob)
    ana.is_active = False
    ana.save()

    assert lead_owner_check(lead_id=lead.pk, reason="repeat inquiry") is True

    assignees = dict(Task.objects.values_list("pk", "assignee_id"))
    assert assignees[left_by_ana.pk] == bob.pk and assignees[unassigned.pk] == bob.pk
    assert assignees[done.pk] == ana.pk  # history stays as it was
    assert assignees[others.pk] == bob.pk


def test_a_repeat_inquiry_kept_by_its_owner_leaves_the_tasks_alone(team, team_rule):
    from galena.leads.models import Task

    member("ana", team)
    lead = new_lead()
    unassigned = Task.objects.create(lead=lead, kind="call", title="Repeat inquiry")

    assert lead_owner_check(lead_id=lead.pk, reason="repeat inquiry") is False
    unassigned.refresh_from_db()
    assert unassigned.assignee_id is None


def test_bulk_reassign_by_a_head_of_sales_only(team, team_rule):
    head = UserFactory(username="head", role=Role.HEAD_OF_SALES, team=team)
    ana, bob = member("ana", team), member("bob", team)
    leads = [new_lead() for _ in range(3)]
    changed = leads_reassign(
        actor=Actor(user=head), lead_ids=[lead.pk for lead in leads], owner=bob, reason="Ana is ill"
    )
    assert changed == 2  # one was bob's already
    assert set(Lead.objects.values_list("owner_id", flat=True)) == {bob.pk}
    event = LeadEvent.objects.filter(type=EventType.ASSIGNED, actor=head).first()
    assert event.params["reason"] == "Ana is ill"
    with pytest.raises(PermissionDenied):
        leads_reassign(actor=Actor(user=ana), lead_ids=[leads[0].pk], owner=ana)
    with pytest.raises(ValidationFailed):
        leads_reassign(actor=Actor(user=head), lead_ids=[], owner=ana)


def test_hand_off_keeps_the_telemarketer_as_original_owner(team, team_rule):
    tele = member("tele", team, role=Role.TELEMARKETER)
    seller = member("seller", team)
    lead = lead_create(
        actor=Actor(user=tele),
        data={"first_name": "Ion"},
        contacts=[ContactInput(kind="email", value="ion@example.com")],
    )
    with pytest.raises(ValidationFailed) as error:
        lead_hand_off(actor=Actor(user=tele), lead=lead, to=seller)
    assert "stage" in error.value.errors
    lead = lead_change_stage(
        actor=Actor(user=tele), lead=lead, stage=Stage.objects.get(code="qualified")
    )
    lead = lead_hand_off(actor=Actor(user=tele), lead=lead, to=seller, note="Wants 10 kW")
    lead.refresh_from_db()
    assert lead.owner == seller and lead.original_owner == tele and lead.handed_off_at
    handed = LeadEvent.objects.get(lead=lead, type=EventType.HANDED_OFF)
    assert handed.actor == tele and handed.params["note"] == "Wants 10 kW"
    with pytest.raises(ValidationFailed):
        lead_hand_off(actor=Actor(user=seller), lead=lead, to=tele)


@pytest.fixture
def least_loaded(team, team_rule):
    """ana and bob in a team its rule gives leads to by least loaded."""
    team_rule.strategy = Strategy.LEAST_LOADED
    team_rule.save()
    return member("ana", team), member("bob", team)


def test_counted_loads_are_kept_a_while_and_routings_own_assignments_added(least_loaded, settings):
    settings.ROUTING_LOAD_SECONDS = 60
    ana, bob = least_loaded
    owners = [new_lead().owner_id for _ in range(4)]
    assert owners == [ana.pk, bob.pk, ana.pk, bob.pk]  # the cached loads grow as it assigns
    Lead.objects.filter(owner=ana).update(owner=None)  # closed by hand: seen at the next count
    assert new_lead().owner == ana  # ana 2 (cached), bob 2: round robin breaks the tie


def _load_counts(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "leads_lead"."owner_id" AS "owner_id", COUNT(')
    ]


def test_counted_loads_are_kept_on_the_members_rows_with_when_they_were_counted(
    least_loaded, settings
):
    settings.ROUTING_LOAD_SECONDS = 60
    ana, bob = least_loaded
    Lead.objects.create(first_name="Old", owner=bob, stage=Stage.objects.get(is_initial=True))

    assert new_lead().owner == ana  # counted: ana 0, bob 1
    rows = {row.user_id: row for row in RoutingMember.objects.filter(user__in=[ana, bob])}
    assert (rows[ana.pk].load, rows[bob.pk].load) == (1, 1)  # ana's new lead added
    counted_at = rows[ana.pk].load_counted_at
    assert counted_at is not None and rows[bob.pk].load_counted_at == counted_at

    with CaptureQueriesContext(connection) as queries:
        new_lead()
    assert not _load_counts(queries)  # within the minute: the stored loads, no count
    assert RoutingMember.objects.get(user=ana).load_counted_at == counted_at

    # the background count is overdue (twice its interval: no worker running)
    RoutingMember.objects.update(load_counted_at=counted_at - dt.timedelta(seconds=61))
    with CaptureQueriesContext(connection) as queries:
        new_lead()
    assert not _load_counts(queries)  # one interval late: the worker's count is coming
    RoutingMember.objects.update(load_counted_at=counted_at - dt.timedelta(seconds=121))
    with CaptureQueriesContext(connection) as queries:
        new_lead()
    assert _load_counts(queries)  # counted here
    assert sorted(RoutingMember.objects.values_list("load", flat=True)) == [2, 3]


def test_the_background_count_keeps_loads_on_the_rows_so_routing_counts_nothing(
    least_loaded, settings
):
    from galena.routing.services import loads_recount

    settings.ROUTING_LOAD_SECONDS = 30
    ana, bob = least_loaded
    assert [new_lead().owner for _ in range(2)] == [ana, bob]  # kept loads: 1 and 1
    stage = Stage.objects.get(is_initial=True)
    Lead.objects.bulk_create(
        [Lead(first_name=f"By hand {n}", owner=ana, stage=stage) for n in range(3)]
    )

    assert loads_recount() == 2
    rows = {row.user_id: row for row in RoutingMember.objects.all()}
    assert (rows[ana.pk].load, rows[bob.pk].load) == (4, 1)
    with CaptureQueriesContext(connection) as queries:
        # the count's loads (the kept ones, a tie, would give it to ana by turn)
        assert new_lead().owner == bob
    assert not _load_counts(queries)


def test_the_background_count_is_scheduled(settings):
    import galena.routing.tasks  # noqa: F401 (registers the tasks)
    from galena.config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["routing-loads-recount"]
    assert entry["task"] in app.tasks
    assert entry["schedule"] >= 1.0  # ROUTING_LOAD_SECONDS (30 s by default), at least 1 s


def test_a_rule_to_a_person_reads_their_availability_once_per_batch(team):
    from galena.leads.services import LeadDraft, leads_build, leads_create_bulk

    olga = member("olga", team)
    RoutingRule.objects.create(
        name="All → Olga", order=1, target_kind=TargetKind.USER, user=olga, conditions=[]
    )

    def create(n):
        drafts = [
            LeadDraft(
                data={"first_name": f"Lead{n}x{i}"},
                contacts=[ContactInput(kind="email", value=f"person{n}x{i}@example.com")],
            )
            for i in range(n)
        ]
        built = leads_build(drafts=drafts)
        with CaptureQueriesContext(connection) as queries:
            leads_create_bulk(actor=Actor.system(), built=built)
        return len([q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]])

    create(1)
    assert create(10) == create(30)  # batches above core.bulk.FEW_ROWS
    assert Lead.objects.filter(owner=olga).count() == 41


def _routing_queries() -> tuple[int, Lead]:
    from galena.routing.services import leads_route

    lead = Lead.objects.create(first_name="Lone", stage=Stage.objects.get(is_initial=True))
    with CaptureQueriesContext(connection) as queries:
        leads_route(leads=[lead])
    lead.refresh_from_db()
    return len([q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]), lead


def test_who_the_members_are_is_kept_a_while_so_a_lone_lead_costs_few_queries(
    team, team_rule, settings
):
    settings.ROUTING_CONFIG_SECONDS = 60
    for name in ("ana", "bob"):
        member(name, team)
    _routing_queries()  # the members' routing rows made, their profiles read
    settings.ROUTING_CONFIG_SECONDS = 0
    read_every_time, _lead = _routing_queries()
    settings.ROUTING_CONFIG_SECONDS = 60
    _routing_queries()
    kept, lead = _routing_queries()
    # kept: the rules (and the check that they did not change), the team, the roster, the
    # people, their absences, the holidays, the owner's name; read every time: the team's
    # lock with the counters, and the writes
    assert read_every_time - kept == 8
    assert lead.owner is not None


def test_the_teams_lock_and_its_members_counters_are_one_statement(team, team_rule, settings):
    settings.ROUTING_CONFIG_SECONDS = 60
    ana, bob = member("ana", team), member("bob", team)
    owners = [_routing_queries()[1].owner_id for _ in range(3)]  # counters made, then read
    lead = Lead.objects.create(first_name="Lone", stage=Stage.objects.get(is_initial=True))
    from galena.routing.services import leads_route

    with CaptureQueriesContext(connection) as queries:
        leads_route(leads=[lead])

    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    locked = [sql for sql in reads if "routing_teamrouting" in sql]
    assert len(locked) == 1 and "routing_routingmember" in locked[0]
    if connection.features.has_select_for_update_of:
        assert "FOR UPDATE OF t" in locked[0]
    assert not [sql for sql in reads if sql.startswith('SELECT "routing_routingmember"')]
    # round robin went on from the counters read that way
    lead.refresh_from_db()
    turns = [*owners, lead.owner_id]
    assert turns in ([ana.pk, bob.pk, ana.pk, bob.pk], [bob.pk, ana.pk, bob.pk, ana.pk])


def test_an_absence_or_a_profile_saved_here_is_seen_at_once_though_kept(
    team, team_rule, settings, now
):
    settings.ROUTING_CONFIG_SECONDS = 60
    ana, bob = member("ana", team), member("bob", team)
    owners = {_routing_queries()[1].owner_id for _ in range(2)}
    assert owners == {ana.pk, bob.pk}
    Absence.objects.create(
        user=ana,
        starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
        ends_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=3),
    )
    assert {_routing_queries()[1].owner_id for _ in range(3)} == {bob.pk}
    bob.profile.role = Role.HEAD_OF_SALES  # no longer routed to
    bob.profile.save()
    lead = _routing_queries()[1]
    assert lead.owner_id is None
    assert LeadEvent.objects.filter(lead=lead, type=EventType.QUEUED).exists()


def test_the_counters_read_with_the_lock_come_back_as_stored(team):
    from galena.routing.services import _locked_read

    ana = member("ana", team)
    TeamRouting.objects.get_or_create(team=team)
    when = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)
    RoutingMember.objects.update_or_create(
        user=ana,
        defaults={"day": dt.date(2026, 1, 2), "last_assigned_at": when, "accepts_leads": True},
    )

    sequence, stored = _locked_read(team.pk, [ana.pk, 99999])  # 99999: no counters yet

    assert sequence == 0 and list(stored) == [ana.pk]
    counters = stored[ana.pk]
    assert counters.day == dt.date(2026, 1, 2) and counters.last_assigned_at == when
    assert counters.accepts_leads is True
    assert _locked_read(TeamFactory().pk, [ana.pk]) is None  # no routing row yet


def test_a_rule_edited_in_another_process_is_seen_once_the_generation_changes(
    team, team_rule, settings
):
    from django.core.cache import cache

    from galena.core.memo import GENERATION_KEY
    from galena.routing.services import config_load

    settings.ROUTING_CONFIG_SECONDS = 300
    settings.CONFIG_CHECK_SECONDS = 0
    assert team_rule.pk in {rule.id for rule in config_load().rules}
    # another process saves the rule switched off: its signal does not reach this one
    RoutingRule.objects.filter(pk=team_rule.pk).update(
        is_active=False, updated_at=dt.datetime.now(dt.UTC)
    )
    with CaptureQueriesContext(connection) as queries:
        assert team_rule.pk in {rule.id for rule in config_load().rules}  # still kept
    assert not queries.captured_queries

    cache.set(GENERATION_KEY, "the other process's config_changed")

    assert team_rule.pk not in {rule.id for rule in config_load().rules}
    cache.delete(GENERATION_KEY)


def test_a_lone_lead_reads_no_configuration_while_nothing_changed(team, team_rule, settings):
    settings.ROUTING_CONFIG_SECONDS = 300
    settings.NOTIFICATIONS_CONFIG_SECONDS = 300
    settings.CONFIG_CHECK_SECONDS = 0  # the generation asked at every lead
    member("ana", team)
    _routing_queries()  # the members' routing rows made, the configuration read and kept

    with CaptureQueriesContext(connection) as queries:
        _routing_queries()

    read = " ".join(q["sql"] for q in queries.captured_queries)
    for table in ("routing_routingrule", "accounts_profile", "routing_absence", "auth_user"):
        assert f'FROM "{table}"' not in read and f"FROM {table}" not in read, table
