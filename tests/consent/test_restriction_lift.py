"""Lifting a block gives the person's leads back to routing: a lead the block kept unrouted is
routed by the rules now and its first-response clock starts; a lead with an owner keeps it,
and its clock restarts only if the block stopped it."""

import datetime as dt

import pytest
from django.utils import timezone

from galena.consent.services import EVENT_LIFTED, EVENT_NOT_ROUTED, lift_restriction
from galena.core.errors import NotFound, PermissionDenied
from galena.leads.models import EventType, Lead, LeadEvent, Stage
from galena.leads.services import Actor
from galena.routing.models import SlaClock
from galena.routing.sla import lead_sla_respond, sla_sweep
from tests.consent.test_restriction import block, new_lead
from tests.routing.conftest import member
from tests.routing.sla_fixtures import MONDAY, clock_of, clocks_for_any_arrival  # noqa: F401
from tests.routing.sla_fixtures import new_lead as timed_lead

pytestmark = pytest.mark.django_db


def lift(user, restriction, reason="The person withdrew the request"):
    return lift_restriction(actor=Actor(user=user), restriction=restriction, reason=reason)


def lifted_event(lead):
    return LeadEvent.objects.get(lead=lead, type=EVENT_LIFTED)


# --- a lead the block kept unrouted ---------------------------------------------------------


def test_lifting_routes_a_lead_the_block_kept_unrouted_and_starts_its_clock(
    admin_user, team, team_rule
):
    ana = member("ana", team)
    restriction = block(admin_user, email="ana@example.com")
    lead = new_lead("ana@example.com")
    assert Lead.objects.get(pk=lead.pk).owner_id is None
    assert not SlaClock.objects.filter(lead=lead).exists()

    before = timezone.now()
    lift(admin_user, restriction)  # asked by address alone: an admin's to lift

    lead = Lead.objects.get(pk=lead.pk)
    assert lead.owner_id == ana.pk and lead.team_id == team.pk
    assigned = LeadEvent.objects.get(lead=lead, type=EventType.ASSIGNED)
    assert assigned.actor_source == "rule" and assigned.params["to"] == ana.pk
    assert assigned.params["reason"].startswith("block lifted")
    clock = clock_of(lead)
    assert clock.started_at >= before and clock.due_at > clock.started_at
    assert clock.next_check_at is not None and lead.response_due_at == clock.due_at
    event = lifted_event(lead)
    assert event.params == {
        "restriction": restriction.pk,
        "reason": "The person withdrew the request",
        "routed": True,
        "owner": ana.pk,
        "team": team.pk,
        "clock": "started",
        "response_due_at": clock.due_at.isoformat(),
    }
    assert event.actor == admin_user


def test_a_lead_still_held_by_another_block_is_not_routed(admin_user, team, team_rule):
    member("ana", team)
    first = block(admin_user, email="ana@example.com")
    block(admin_user, email="ana@example.com", reason="A second request, by phone")
    lead = new_lead("ana@example.com")

    lift(admin_user, first)

    assert Lead.objects.get(pk=lead.pk).owner_id is None
    assert not LeadEvent.objects.filter(lead=lead, type=EventType.ASSIGNED).exists()
    assert not SlaClock.objects.filter(lead=lead).exists()
    assert lifted_event(lead).params["still_blocked"] is True


def test_a_lead_closed_during_the_block_is_not_routed_when_it_is_lifted(
    admin_user, team, team_rule
):
    member("ana", team)
    restriction = block(admin_user, email="ana@example.com")
    lead = new_lead("ana@example.com")
    # rejected by hand while blocked (the stage itself, as the card would leave it)
    Lead.objects.filter(pk=lead.pk).update(stage=Stage.objects.get(code="rejected"))

    lift(admin_user, restriction)

    assert Lead.objects.get(pk=lead.pk).owner_id is None
    assert not SlaClock.objects.filter(lead=lead).exists()
    assert set(lifted_event(lead).params) == {"restriction", "reason"}


def test_a_lead_given_an_owner_by_hand_during_the_block_keeps_it(admin_user, head, team, team_rule):
    from galena.leads.services import lead_assign

    member("ana", team)
    bob = member("bob", team)
    restriction = block(admin_user, email="ana@example.com")
    lead = new_lead("ana@example.com")
    lead_assign(actor=Actor(user=admin_user), lead=Lead.objects.get(pk=lead.pk), owner=bob)

    lift(admin_user, restriction)

    assert Lead.objects.get(pk=lead.pk).owner_id == bob.pk
    assert LeadEvent.objects.filter(lead=lead, type=EventType.ASSIGNED).count() == 1


# --- refused -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager", "telemarketer", "marketer"])
def test_other_roles_may_not_lift_and_nothing_is_routed(request, who, admin_user, team, team_rule):
    member("ana", team)
    restriction = block(admin_user, email="ana@example.com")
    lead = new_lead("ana@example.com")
    with pytest.raises(PermissionDenied):
        lift(request.getfixturevalue(who), restriction)
    restriction.refresh_from_db()
    assert restriction.is_active
    assert Lead.objects.get(pk=lead.pk).owner_id is None
    assert not LeadEvent.objects.filter(type__in=[EVENT_LIFTED, EventType.ASSIGNED]).exists()
    assert not SlaClock.objects.filter(lead=lead).exists()


def test_the_data_protection_officer_blocks_and_lifts_by_address_for_a_request(
    officer, team, team_rule
):
    member("ana", team)
    lead = new_lead("ana@example.com")
    restriction = block(officer, email="ana@example.com")  # a request carried out
    assert restriction.is_active and restriction.requested_by == officer

    lift(officer, restriction)

    restriction.refresh_from_db()
    assert not restriction.is_active and restriction.lifted_by == officer
    assert Lead.objects.get(pk=lead.pk).owner_id is not None  # routed again


def test_a_head_of_sales_may_not_lift_a_block_asked_by_address_alone(head, team, team_rule):
    member("ana", team)
    restriction = block(None, email="ana@example.com")  # the requests register's block
    lead = new_lead("ana@example.com")
    with pytest.raises(PermissionDenied):
        lift(head, restriction)
    assert Lead.objects.get(pk=lead.pk).owner_id is None


def test_a_head_of_sales_may_not_lift_a_block_on_another_teams_lead(
    admin_user, head, other_team, lead
):
    from tests.consent.conftest import make_lead

    theirs = make_lead(team=other_team, email="zed@example.com")
    restriction = block(admin_user, lead=theirs)
    with pytest.raises(NotFound):
        lift(head, restriction)
    restriction.refresh_from_db()
    assert restriction.is_active


# --- a lead with an owner and its clock ------------------------------------------------------


def test_a_clock_the_block_stopped_restarts_from_the_lift(admin_user, head, team, team_rule):
    ana = member("ana", team)
    lead = timed_lead(temperature="warm")
    assert lead.owner == ana
    restriction = block(admin_user, lead=lead)
    sla_sweep(now=MONDAY + dt.timedelta(hours=5))  # the sweep finds the person blocked
    stopped = clock_of(lead)
    assert stopped.next_check_at is None and stopped.met_at is None

    before = timezone.now()
    lift(head, restriction)

    lead = Lead.objects.get(pk=lead.pk)
    assert lead.owner_id == ana.pk  # kept
    assert not LeadEvent.objects.filter(lead=lead, type=EventType.ASSIGNED, actor=head).exists()
    clock = clock_of(lead)
    assert clock.started_at >= before and clock.breached_at is None
    assert clock.escalation_step == 0 and clock.next_check_at is not None
    assert lead.response_due_at == clock.due_at
    params = lifted_event(lead).params
    assert params["clock"] == "restarted" and "routed" not in params
    assert params["response_due_at"] == clock.due_at.isoformat()


def test_a_clock_the_sweep_has_not_reached_runs_on_as_it_was(admin_user, team, team_rule):
    member("ana", team)
    lead = timed_lead(temperature="warm")
    running = clock_of(lead)
    restriction = block(admin_user, lead=lead)

    lift(admin_user, restriction)

    clock = clock_of(lead)
    assert (clock.started_at, clock.due_at, clock.next_check_at) == (
        running.started_at,
        running.due_at,
        running.next_check_at,
    )
    assert set(lifted_event(lead).params) == {"restriction", "reason"}


def test_an_answered_lead_gets_no_clock_again(admin_user, team, team_rule):
    ana = member("ana", team)
    lead = timed_lead(temperature="warm")
    lead_sla_respond(lead=lead, kind="call", at=MONDAY + dt.timedelta(minutes=5), actor=Actor(ana))
    met = clock_of(lead)
    restriction = block(admin_user, lead=lead)

    lift(admin_user, restriction)

    clock = clock_of(lead)
    assert (clock.met_at, clock.started_at) == (met.met_at, met.started_at)
    assert set(lifted_event(lead).params) == {"restriction", "reason"}


def test_a_clock_whose_escalation_was_over_is_not_restarted(admin_user, team, team_rule):
    member("ana", team)
    lead = timed_lead(temperature="warm")
    # every step taken before the block: the chain is over, nothing for the block to stop
    SlaClock.objects.filter(lead=lead).update(
        breached_at=MONDAY, escalation_step=3, next_check_at=None
    )
    restriction = block(admin_user, lead=lead)

    lift(admin_user, restriction)

    assert clock_of(lead).escalation_step == 3 and clock_of(lead).next_check_at is None
    assert set(lifted_event(lead).params) == {"restriction", "reason"}


def test_the_lift_line_on_the_card_says_what_followed(client, admin_user, team, team_rule):
    member("ana", team)
    restriction = block(admin_user, email="ana@example.com")
    lead = new_lead("ana@example.com")
    lift(admin_user, restriction)
    client.force_login(admin_user)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "Routed by the rules now" in page
    assert "First-response clock started, due" in page
    assert LeadEvent.objects.filter(lead=lead, type=EVENT_NOT_ROUTED).exists()
