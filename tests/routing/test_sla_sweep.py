"""The escalation sweep: warning, breach, reassignment, the head of sales alerted — each an
event, each once, whatever the number of sweeps; a lead answered, closed or merged stops."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from galena.leads.models import CallOutcome, EventType, Lead, LeadEvent, QualityStatus, Stage
from galena.leads.services import Actor, lead_change_stage
from galena.notifications.models import Notification, NotificationKind
from galena.quality.verification import lead_call_log
from galena.routing import sla
from galena.routing.models import SlaClock, SlaPolicy
from galena.routing.sla import sla_sweep
from galena.routing.tasks import sla_sweep as sla_sweep_task
from tests.factories import LeadFactory
from tests.routing.sla_fixtures import MINUTE, MONDAY, clock_of, new_lead
from tests.routing.sla_fixtures import clocks_for_any_arrival as clocks_for_any_arrival
from tests.routing.sla_fixtures import sellers as sellers

pytestmark = pytest.mark.django_db

# the warm policy: due in an hour, warned 15 minutes before, reassigned an hour after the
# breach, the head alerted two hours after it
DUE = MONDAY + dt.timedelta(hours=1)
SLA_EVENTS = (EventType.SLA_WARNING, EventType.SLA_BREACHED, EventType.SLA_ESCALATED)


def sla_events(lead):
    return list(
        LeadEvent.objects.filter(lead=lead, type__in=SLA_EVENTS)
        .order_by("occurred_at", "id")
        .values_list("type", "params__step")
    )


def notices(user, kind):
    return Notification.objects.filter(user=user, kind=kind).count()


@pytest.fixture
def lead(sellers, head):
    return new_lead(temperature="warm")


def test_the_whole_chain_one_event_per_step(sellers, head, lead):
    ana, bob = sellers
    assert lead.owner == ana

    assert sla_sweep(now=DUE - dt.timedelta(minutes=20)) == 0
    assert sla_sweep(now=DUE - dt.timedelta(minutes=15)) == 1
    assert sla_events(lead) == [(EventType.SLA_WARNING, None)]
    assert notices(ana, NotificationKind.SLA_WARNING) == 1
    assert clock_of(lead).next_check_at == DUE

    assert sla_sweep(now=DUE + MINUTE) == 1
    clock = clock_of(lead)
    assert (clock.breached_at, clock.escalation_step) == (DUE, 1)
    assert clock.next_check_at == DUE + dt.timedelta(hours=1)
    assert notices(ana, NotificationKind.SLA_BREACH) == 1
    breach = LeadEvent.objects.get(lead=lead, type=EventType.SLA_BREACHED)
    assert breach.actor_source == "rule" and breach.actor is None
    assert breach.params == {
        "policy": "Warm leads: 1 hour",
        "due_at": DUE.isoformat(),
        "owner": ana.pk,
        "step": 1,
    }

    assert sla_sweep(now=DUE + dt.timedelta(hours=1)) == 1
    lead.refresh_from_db()
    assert lead.owner == bob  # by the rules, never back to the owner who let it pass
    escalated = LeadEvent.objects.get(lead=lead, type=EventType.SLA_ESCALATED)
    assert (escalated.params["step"], escalated.params["from"], escalated.params["to"]) == (
        2,
        ana.pk,
        bob.pk,
    )
    assigned = LeadEvent.objects.filter(lead=lead, type=EventType.ASSIGNED).latest("id")
    assert assigned.params["reason"].startswith("first response overdue")
    assert notices(bob, NotificationKind.LEAD_ASSIGNED) == 1
    # the deadline stays what it was: the breach is not forgiven by the reassignment
    assert (clock_of(lead).due_at, lead.response_due_at) == (DUE, DUE)

    assert sla_sweep(now=DUE + dt.timedelta(hours=2)) == 1
    assert notices(head, NotificationKind.SLA_ESCALATED) == 1
    clock = clock_of(lead)
    assert (clock.escalation_step, clock.next_check_at) == (3, None)
    assert sla_events(lead) == [
        (EventType.SLA_WARNING, None),
        (EventType.SLA_BREACHED, 1),
        (EventType.SLA_ESCALATED, 2),
        (EventType.SLA_ESCALATED, 3),
    ]
    alert = LeadEvent.objects.filter(lead=lead, type=EventType.SLA_ESCALATED).latest("id")
    assert (alert.params["owner"], alert.params["alerted"]) == (bob.pk, [head.pk])

    assert sla_sweep(now=DUE + dt.timedelta(days=3)) == 0


def test_running_the_sweep_twice_writes_each_step_once(sellers, head, lead):
    for now in (DUE - dt.timedelta(minutes=10), DUE, DUE + dt.timedelta(hours=3)):
        sla_sweep(now=now)
        sla_sweep(now=now)
    assert sla_events(lead) == [
        (EventType.SLA_WARNING, None),
        (EventType.SLA_BREACHED, 1),
        (EventType.SLA_ESCALATED, 2),
        (EventType.SLA_ESCALATED, 3),
    ]
    assert Notification.objects.filter(kind=NotificationKind.SLA_ESCALATED).count() == 1


def test_a_late_sweep_skips_the_warning_and_takes_what_is_due(sellers, head, lead):
    assert sla_sweep(now=DUE + dt.timedelta(minutes=90)) == 2
    assert sla_events(lead) == [(EventType.SLA_BREACHED, 1), (EventType.SLA_ESCALATED, 2)]


def test_a_response_stops_the_chain(sellers, lead):
    ana, _bob = sellers
    sla_sweep(now=DUE + MINUTE)
    lead_call_log(actor=Actor(user=ana), lead=lead, outcome=CallOutcome.REACHED)
    clock = clock_of(lead)
    assert clock.next_check_at is None and clock.met_by == "call"
    assert sla_sweep(now=DUE + dt.timedelta(hours=5)) == 0
    assert sla_events(lead) == [(EventType.SLA_BREACHED, 1)]


@pytest.mark.parametrize("how", ["lost", "won", "merged", "quarantined"])
def test_a_lead_closed_merged_or_held_stops_the_chain(sellers, head, lead, how):
    ana, _bob = sellers
    sla_sweep(now=DUE + MINUTE)
    if how in ("lost", "won"):
        stage = Stage.objects.filter(kind=how).first()
        fields = {"rejection_reason": "no_budget"} if how == "lost" else {}
        lead_change_stage(actor=Actor(user=ana), lead=lead, stage=stage, fields=fields)
    elif how == "merged":
        Lead.objects.filter(pk=lead.pk).update(merged_into=LeadFactory())
    else:
        Lead.objects.filter(pk=lead.pk).update(quality_status=QualityStatus.QUARANTINED)
    assert sla_sweep(now=DUE + dt.timedelta(hours=5)) == 0
    assert sla_events(lead) == [(EventType.SLA_BREACHED, 1)]
    assert clock_of(lead).next_check_at is None
    assert Lead.objects.get(pk=lead.pk).owner == ana


def test_a_lead_in_a_queue_warns_nobody_and_its_breach_tells_the_heads(head, team):
    lead = new_lead()  # the seeded rule: the general queue, no owner, no team
    assert lead.owner is None
    sla_sweep(now=DUE - dt.timedelta(minutes=10))
    assert Notification.objects.filter(kind=NotificationKind.SLA_WARNING).count() == 0
    admin = head  # no team: the admins are told; make the head one
    admin.is_superuser = True
    admin.save()
    sla_sweep(now=DUE)
    assert notices(admin, NotificationKind.SLA_BREACH) == 1


def test_steps_whose_minutes_are_empty_are_skipped(sellers, head, lead):
    SlaPolicy.objects.filter(pk=clock_of(lead).policy_id).update(
        warn_before_minutes=0, reassign_after_minutes=None
    )
    sla_sweep(now=DUE + dt.timedelta(hours=1, minutes=30))
    assert [step for _type, step in sla_events(lead)] == [1]
    sla_sweep(now=DUE + dt.timedelta(hours=3))
    assert [step for _type, step in sla_events(lead) if step] == [1, 3]
    assert Lead.objects.get(pk=lead.pk).owner == sellers[0]


def test_a_failing_step_is_tried_again_later_and_spares_the_others(
    sellers, head, lead, monkeypatch
):
    later = new_lead(created_at=MONDAY + dt.timedelta(hours=1))  # due when the first is moved
    sla_sweep(now=DUE)

    def broken(**_kwargs):
        raise RuntimeError("the routing service is down")

    monkeypatch.setattr(sla, "lead_reroute", broken)
    now = DUE + dt.timedelta(hours=1)
    assert sla_sweep(now=now) == 1  # the later lead's breach
    assert clock_of(lead).escalation_step == 1
    assert clock_of(lead).next_check_at == now + sla.RETRY_AFTER
    assert clock_of(later).escalation_step == 1
    monkeypatch.undo()
    sla_sweep(now=now + sla.RETRY_AFTER)
    assert clock_of(lead).escalation_step == 2
    assert Lead.objects.get(pk=lead.pk).owner == sellers[1]


def test_the_task_runs_the_sweep(sellers, lead):
    passed = timezone.now() - dt.timedelta(minutes=5)
    SlaClock.objects.filter(lead=lead).update(due_at=passed, warn_at=None, next_check_at=passed)
    assert sla_sweep_task.delay().get() == 1
    assert clock_of(lead).breached_at == passed


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_write_each_step_once(team, team_rule, head, monkeypatch):
    """Small chunks, so the two sweeps take turns over the leads and meet on the team's
    routing lock."""
    from tests.routing.conftest import member

    member("ana", team)
    member("bob", team)
    # the seeded policies are gone if an earlier test flushed the database
    SlaPolicy.objects.create(
        name="Every lead: 1 hour",
        order=0,
        response_minutes=60,
        reassign_after_minutes=60,
        alert_after_minutes=120,
        response_kinds=["call"],
    )
    leads = [new_lead(first_name=f"Lead{i}") for i in range(30)]
    monkeypatch.setattr(sla, "SWEEP_CHUNK", 4)
    barrier = threading.Barrier(2)
    taken = []

    def sweep():
        try:
            barrier.wait()
            taken.append(sla_sweep(now=DUE + dt.timedelta(hours=3)))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(taken) == 30 * 3
    for lead in leads:
        assert [step for _type, step in sla_events(lead)] == [1, 2, 3]
    assert Notification.objects.filter(kind=NotificationKind.SLA_ESCALATED).count() == 30


def test_the_card_tells_the_chain_in_words_with_names(client, admin_user, sellers, head, lead):
    sla_sweep(now=DUE - dt.timedelta(minutes=10))
    sla_sweep(now=DUE + dt.timedelta(hours=3))
    client.force_login(admin_user)
    page = client.get(reverse("lead-detail", args=[lead.pk])).content.decode()
    ana, bob = (user.get_full_name() for user in sellers)
    assert f"{ana} warned" in page
    assert f"{ana} reminded" in page
    assert f"from {ana} to {bob}" in page
    assert "Overdue: the head of sales alerted" in page
    assert head.get_full_name() in page
    assert "Warm leads: 1 hour" in page
