"""First-response clocks: started for new leads going to sales, met by the responses their
policy counts, started on release from quarantine."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from galena.leads.models import CallOutcome, Lead, QualityStatus
from galena.leads.services import Actor, note_add, task_complete, task_create
from galena.quality.services import lead_quality_release
from galena.quality.verification import lead_call_log
from galena.routing.models import Holiday, SlaClock, SlaPolicy, TeamRouting
from galena.routing.sla import leads_sla_start
from tests.factories import LeadFactory
from tests.routing.sla_fixtures import MONDAY, clock_of, new_lead
from tests.routing.sla_fixtures import clocks_for_any_arrival as clocks_for_any_arrival
from tests.routing.sla_fixtures import sellers as sellers

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- starting


def test_a_hot_lead_gets_five_minutes_and_the_lead_shows_the_deadline(sellers):
    ana, _bob = sellers
    lead = new_lead(temperature="hot")
    clock = clock_of(lead)
    assert clock.policy.name == "Hot leads: 5 minutes"
    assert (clock.started_at, clock.due_at) == (MONDAY, MONDAY + dt.timedelta(minutes=5))
    assert clock.warn_at == MONDAY + dt.timedelta(minutes=3)
    assert clock.next_check_at == clock.warn_at
    assert (clock.met_at, clock.breached_at, clock.escalation_step) == (None, None, 0)
    lead.refresh_from_db()
    assert lead.owner == ana
    assert lead.response_due_at == clock.due_at


def test_a_warm_lead_gets_an_hour_of_the_teams_business_hours(team, sellers):
    evening = dt.datetime(2026, 11, 23, 17, 30, tzinfo=dt.UTC)  # Monday, 30 minutes left
    assert clock_of(new_lead(created_at=evening)).due_at == dt.datetime(
        2026, 11, 24, 9, 30, tzinfo=dt.UTC
    )


def test_a_cold_lead_on_friday_evening_is_due_the_next_business_evening(team, sellers):
    team.time_zone = "Europe/Bucharest"
    team.save()
    TeamRouting.objects.update_or_create(
        team=team, defaults={"business_hours": {str(d): [["09:00", "20:00"]] for d in range(1, 6)}}
    )
    friday = dt.datetime(2026, 11, 27, 17, 15, tzinfo=dt.UTC)  # 19:15 in Bucharest
    assert clock_of(new_lead(temperature="cold", created_at=friday)).due_at == dt.datetime(
        2026, 11, 30, 17, 15, tzinfo=dt.UTC
    )  # Monday 19:15 in Bucharest
    Holiday.objects.create(team=None, date=dt.date(2026, 11, 30), name="St Andrew")
    assert clock_of(new_lead(temperature="cold", created_at=friday)).due_at == dt.datetime(
        2026, 12, 1, 17, 15, tzinfo=dt.UTC
    )  # the Monday is everyone's holiday: Tuesday


def test_a_lead_without_a_team_counts_in_the_default_hours(db):
    lead = new_lead(temperature="cold", created_at=dt.datetime(2026, 11, 27, 17, 0, tzinfo=dt.UTC))
    assert lead.team_id is None  # the seeded rule leaves it in the general queue
    assert clock_of(lead).due_at == dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)


def test_leads_not_for_sales_get_no_clock(sellers):
    held = new_lead(verdict={"quality_status": QualityStatus.QUARANTINED})
    rejected = new_lead(verdict={"quality_status": QualityStatus.REJECTED})
    assert not SlaClock.objects.filter(lead__in=[held, rejected]).exists()
    assert Lead.objects.get(pk=held.pk).response_due_at is None


def test_a_lead_no_policy_takes_and_a_lead_from_the_past_get_no_clock(sellers, settings):
    SlaPolicy.objects.exclude(name__startswith="Hot").update(is_active=False)
    assert not SlaClock.objects.filter(lead=new_lead(temperature="warm")).exists()
    settings.SLA_START_MAX_AGE_HOURS = 24
    imported = new_lead(temperature="hot", created_at=dt.datetime(2020, 1, 6, tzinfo=dt.UTC))
    assert not SlaClock.objects.filter(lead=imported).exists()


def test_starting_clocks_costs_the_same_queries_for_one_lead_or_fifty(team):
    SlaPolicy.objects.filter(name__startswith="Hot").update(
        conditions=[
            {"field": "temperature", "operator": "eq", "value": "hot"},
            {"field": "source", "operator": "not_empty", "value": None},
        ]
    )

    def start(n):
        leads = [
            LeadFactory(team=team if i % 2 else None, temperature="hot" if i % 3 else "warm")
            for i in range(n)
        ]
        with CaptureQueriesContext(connection) as queries:
            leads_sla_start(leads=leads)
        assert SlaClock.objects.filter(lead__in=leads).count() == n
        return len(queries.captured_queries)

    one, fifty = start(1), start(50)
    # on PostgreSQL a batch's rows go in by COPY, which Django's query log does not show; a
    # lone lead's clock is one INSERT (core.bulk.FEW_ROWS)
    assert one - fifty in (0, 1) and one <= 6


def test_leads_arriving_together_get_each_their_own_teams_deadline(team, other_team):
    """An import writes its leads with one arrival time: the deadlines worked out for the
    batch are those each lead gets alone, per team calendar and policy."""
    team.time_zone = "Europe/Bucharest"
    team.save()
    friday = dt.datetime(2026, 11, 27, 16, 30, tzinfo=dt.UTC)  # 18:30 in Bucharest
    kinds = [(team, "hot"), (team, "cold"), (other_team, "cold"), (None, "cold"), (team, "hot")]
    leads = [LeadFactory(team=t, temperature=temp, created_at=friday) for t, temp in kinds]

    leads_sla_start(leads=leads)
    together = [clock_of(lead).due_at for lead in leads]

    SlaClock.objects.all().delete()
    for lead in leads:
        leads_sla_start(leads=[lead])
    assert together == [clock_of(lead).due_at for lead in leads]
    # the team in Bucharest is closed already on Friday evening; the others are not
    assert together[1] != together[2] == together[3]
    assert together[0] == together[4]


# --------------------------------------------------------------------------- responding


@pytest.fixture
def lead(sellers):
    return new_lead(temperature="warm")


def test_a_task_done_by_a_person_meets_the_clock_and_is_the_first_response(sellers, lead):
    ana, _bob = sellers
    task = task_create(actor=Actor(user=ana), lead=lead, title="Call back")
    task = task_complete(actor=Actor(user=ana), task=task, outcome="talked")
    clock = clock_of(lead)
    assert (clock.met_at, clock.met_by, clock.next_check_at) == (task.done_at, "task", None)
    lead.refresh_from_db()
    assert lead.first_response_at == task.done_at


def test_a_call_counts_even_when_nobody_answered(sellers, lead):
    ana, _bob = sellers
    event = lead_call_log(actor=Actor(user=ana), lead=lead, outcome=CallOutcome.NO_ANSWER)
    assert (clock_of(lead).met_at, clock_of(lead).met_by) == (event.occurred_at, "call")
    assert Lead.objects.get(pk=lead.pk).first_response_at == event.occurred_at


def test_a_note_does_not_count_unless_the_policy_says_so(sellers, lead):
    ana, _bob = sellers
    note_add(actor=Actor(user=ana), lead=lead, text="Looked them up")
    assert clock_of(lead).met_at is None
    assert Lead.objects.get(pk=lead.pk).first_response_at is None
    SlaPolicy.objects.filter(pk=clock_of(lead).policy_id).update(response_kinds=["note"])
    event = note_add(actor=Actor(user=ana), lead=lead, text="Wrote on LinkedIn")
    assert (clock_of(lead).met_at, clock_of(lead).met_by) == (event.occurred_at, "note")


def test_the_system_acting_is_no_response(sellers, lead):
    task = task_create(actor=Actor.system(), lead=lead, title="Follow up")
    task_complete(actor=Actor.system(), task=task)
    assert clock_of(lead).met_at is None
    assert Lead.objects.get(pk=lead.pk).first_response_at is None


def test_the_first_response_stays_the_first(sellers, lead):
    ana, _bob = sellers
    first = lead_call_log(actor=Actor(user=ana), lead=lead, outcome=CallOutcome.CALL_BACK)
    task = task_complete(actor=Actor(user=ana), task=task_create(actor=Actor(user=ana), lead=lead))
    assert task.done_at > first.occurred_at
    assert clock_of(lead).met_at == first.occurred_at
    assert Lead.objects.get(pk=lead.pk).first_response_at == first.occurred_at


def test_a_lead_without_a_clock_is_answered_by_a_call_an_e_mail_or_a_task(sellers):
    SlaPolicy.objects.update(is_active=False)
    ana, _bob = sellers
    lead = new_lead()
    note_add(actor=Actor(user=ana), lead=lead, text="Nothing yet")
    assert Lead.objects.get(pk=lead.pk).first_response_at is None
    task = task_complete(actor=Actor(user=ana), task=task_create(actor=Actor(user=ana), lead=lead))
    assert Lead.objects.get(pk=lead.pk).first_response_at == task.done_at


# --------------------------------------------------------------------------- released


def test_a_lead_released_from_quarantine_gets_its_clock_from_the_release(admin_user, sellers):
    held = new_lead(temperature="hot", verdict={"quality_status": QualityStatus.QUARANTINED})
    before = dt.datetime.now(dt.UTC)
    lead_quality_release(actor=Actor(user=admin_user), leads=[held])
    clock = clock_of(held)
    assert clock.started_at >= before
    assert clock.due_at == clock.started_at + dt.timedelta(minutes=5)
    assert Lead.objects.get(pk=held.pk).response_due_at == clock.due_at


# --------------------------------------------------------------------------- tightening


@pytest.fixture
def ten_past(monkeypatch):
    """Now is ten minutes after the leads arrived."""
    moment = MONDAY + dt.timedelta(minutes=10)
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
    return moment


def test_a_cold_lead_set_hot_before_its_answer_falls_due_in_five_minutes(sellers, ten_past):
    from galena.leads.services import lead_update

    ana, _bob = sellers
    lead = new_lead(temperature="cold")
    assert clock_of(lead).policy.name.startswith("Other")

    lead = lead_update(actor=Actor(user=ana), lead=lead, data={"temperature": "hot"})

    clock = clock_of(lead)
    assert clock.policy.name == "Hot leads: 5 minutes"
    assert clock.due_at == ten_past + dt.timedelta(minutes=5)
    assert clock.started_at == MONDAY  # the speed figures still count from the arrival
    assert clock.warn_at == ten_past + dt.timedelta(minutes=3) == clock.next_check_at
    lead.refresh_from_db()
    assert lead.response_due_at == clock.due_at


def test_a_deadline_never_moves_later_nor_for_an_answered_lead(sellers, ten_past):
    from galena.routing.sla import leads_sla_tighten

    _ana, bob = sellers
    hot = new_lead(temperature="hot")  # due MONDAY + 5 min: already sooner than any other
    answered = new_lead(temperature="cold")  # Bob's
    task = task_create(actor=Actor(user=bob), lead=answered, title="Call", kind="call")
    task_complete(actor=Actor(user=bob), task=task)
    Lead.objects.filter(pk__in=[hot.pk, answered.pk]).update(temperature="hot")
    before = {c.lead_id: (c.policy_id, c.due_at) for c in SlaClock.objects.all()}

    assert leads_sla_tighten(lead_ids=[hot.pk, answered.pk]) == 0

    assert {c.lead_id: (c.policy_id, c.due_at) for c in SlaClock.objects.all()} == before


def test_warmer_is_up_the_scale_unknown_cold_warm_hot():
    from galena.scoring.services import _warmer

    assert _warmer("cold", "hot") and _warmer("unknown", "warm") and _warmer("warm", "hot")
    assert not _warmer("hot", "warm") and not _warmer("warm", "warm")


# --------------------------------------------------------------------------- leaving the pipeline


def test_a_lead_rejected_unanswered_stops_its_clock_and_one_back_gets_a_new_one(sellers, ten_past):
    from galena.leads.models import RejectionReason, Stage
    from galena.leads.services import lead_change_stage, lead_reject
    from galena.routing.sla import sla_sweep

    ana, _bob = sellers
    lead = new_lead(temperature="hot")

    lead = lead_reject(
        actor=Actor(user=ana), lead=lead, reason=RejectionReason.objects.get(code="no_budget")
    )

    lead.refresh_from_db()
    clock = clock_of(lead)
    assert lead.response_due_at is None and clock.next_check_at is None
    sla_sweep()  # long past the five minutes: nothing to warn or escalate
    clock.refresh_from_db()
    assert (clock.warned_at, clock.breached_at, clock.escalation_step) == (None, None, 0)

    lead = lead_change_stage(actor=Actor(user=ana), lead=lead, stage=Stage.objects.get(code="new"))

    lead.refresh_from_db()
    clock = clock_of(lead)
    assert clock.started_at == ten_past and clock.due_at == ten_past + dt.timedelta(minutes=5)
    assert lead.response_due_at == clock.due_at


def test_a_lead_that_left_unanswered_shows_no_running_clock(sellers, client):
    from django.urls import reverse

    from galena.leads.models import RejectionReason
    from galena.leads.services import lead_reject
    from galena.routing.templatetags.sla_tags import sla_panel

    ana, _bob = sellers
    lead = new_lead(temperature="warm")
    lead_reject(
        actor=Actor(user=ana), lead=lead, reason=RejectionReason.objects.get(code="no_budget")
    )
    client.force_login(ana)

    page = client.get(reverse("lead-detail", args=[lead.pk])).content.decode()

    assert 'id="sla-panel"' not in page  # no deadline, nothing asking the server again
    with_clock = Lead.objects.select_related("sla_clock__policy").get(pk=lead.pk)
    panel = sla_panel(with_clock)
    assert panel["status"] == "stopped" and panel["live"] is False
    assert str(panel["status_label"]) == "Stopped: the lead left the pipeline unanswered"


def test_a_new_lead_is_written_once_with_its_owner_and_its_deadline(sellers):
    # routing sets the owner and the SLA clock the deadline: the hooks write both together
    with CaptureQueriesContext(connection) as queries:
        lead = new_lead(temperature="hot")

    lead.refresh_from_db()
    assert lead.owner_id is not None and lead.assigned_at is not None
    assert lead.response_due_at == clock_of(lead).due_at
    # (on PostgreSQL the update is one part of the hooks' one write statement)
    updates = [q["sql"] for q in queries.captured_queries if 'UPDATE "leads_lead"' in q["sql"]]
    assert len(updates) == 1, updates
    assert updates[0].count('UPDATE "leads_lead"') == 1
