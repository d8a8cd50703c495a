"""Blocking (restriction of processing): who blocks and unblocks, and that a blocked person
is not contacted, e-mailed, nurtured, routed or exported until the block is lifted."""

import pytest
from django.core import mail
from django.urls import reverse

from galena.activities.models import SentEmail
from galena.activities.services import call_log, email_send
from galena.consent.models import RestrictedValue, Restriction
from galena.consent.services import (
    EVENT_LIFTED,
    EVENT_NOT_ROUTED,
    EVENT_RESTRICTED,
    consent_record,
    is_restricted,
    lift_restriction,
    restrict_subject,
    restricted_lead_ids,
)
from galena.core.errors import NotFound, PermissionDenied, ValidationFailed
from galena.leads.models import EventType, Lead, LeadEvent, Task
from galena.leads.services import Actor, ContactInput, lead_create, task_create
from tests.consent.conftest import make_lead
from tests.routing.conftest import member

pytestmark = pytest.mark.django_db


def block(user, lead=None, **values):
    return restrict_subject(
        actor=Actor(user=user) if user is not None else Actor.system(),
        lead=lead,
        reason=values.pop("reason", "Asked by e-mail to stop using their data"),
        **values,
    )


# --- who blocks ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin_user", "head"])
def test_admins_and_heads_of_sales_block_a_lead_they_see(request, who, lead):
    user = request.getfixturevalue(who)
    restriction = block(user, lead, request_reference="DSR-2026-14")
    assert restriction.requested_by == user and restriction.is_active
    assert set(restriction.values.values_list("kind", "value")) == {
        ("email", "ana@example.com"),
        ("phone", "+40722123456"),
        ("messenger", "+40722123456"),  # the number as a messenger account (Viber, WhatsApp)
    }
    event = LeadEvent.objects.get(lead=lead, type=EVENT_RESTRICTED)
    assert event.params == {
        "restriction": restriction.pk,
        "reason": "Asked by e-mail to stop using their data",
        "request_reference": "DSR-2026-14",
    }
    assert is_restricted(lead)


@pytest.mark.parametrize("who", ["manager", "telemarketer", "marketer"])
def test_other_roles_may_not_block_and_nothing_is_written(request, who, lead):
    with pytest.raises(PermissionDenied):
        block(request.getfixturevalue(who), lead)
    assert not Restriction.objects.exists()
    assert not LeadEvent.objects.filter(type=EVENT_RESTRICTED).exists()


def test_a_head_of_sales_cannot_block_another_teams_lead(head, other_team):
    theirs = make_lead(team=other_team, email="bo@example.com")
    with pytest.raises(NotFound):
        block(head, theirs)
    assert not Restriction.objects.exists()


def test_only_an_admin_blocks_a_person_named_by_address_alone(head, admin_user, lead):
    with pytest.raises(PermissionDenied):
        block(head, email="ana@example.com")
    block(admin_user, email="ANA@example.com")
    assert is_restricted(lead)


def test_a_block_needs_a_reason_and_a_person(admin_user):
    with pytest.raises(ValidationFailed):
        block(admin_user, email="ana@example.com", reason=" ")
    with pytest.raises(ValidationFailed):
        block(admin_user)
    assert not Restriction.objects.exists()


def test_every_lead_of_the_person_is_blocked(admin_user, lead, manager):
    other = make_lead(owner=manager, email="ana@example.com")
    stranger = make_lead(owner=manager, email="bo@example.com")
    block(admin_user, email="ana@example.com")
    assert restricted_lead_ids([lead.pk, other.pk, stranger.pk]) == {lead.pk, other.pk}
    assert LeadEvent.objects.filter(type=EVENT_RESTRICTED).count() == 2


def test_a_block_by_address_covers_the_persons_phone_on_another_lead(admin_user, lead, manager):
    by_phone_only = make_lead(owner=manager, email="", phone="+40722123456")
    restriction = block(None, email="ana@example.com")  # the requests register's way
    assert ("phone", "+40722123456") in set(restriction.values.values_list("kind", "value"))
    assert restricted_lead_ids([lead.pk, by_phone_only.pk]) == {lead.pk, by_phone_only.pk}


def test_the_check_for_many_leads_is_one_query(admin_user, lead, django_assert_num_queries):
    block(admin_user, lead)
    others = [make_lead(email=f"p{i}@example.com") for i in range(5)]
    with django_assert_num_queries(1):
        found = restricted_lead_ids([lead.pk, *(o.pk for o in others)])
    assert found == {lead.pk}


# --- lifting ---------------------------------------------------------------------------


def test_lifting_unblocks_and_says_so(admin_user, head, lead):
    restriction = block(admin_user, lead)
    lift_restriction(actor=Actor(user=head), restriction=restriction, reason="Data corrected")
    restriction.refresh_from_db()
    assert restriction.lifted_by == head and restriction.lift_reason == "Data corrected"
    assert not RestrictedValue.objects.filter(active=True).exists()
    assert not is_restricted(lead)
    event = LeadEvent.objects.get(lead=lead, type=EVENT_LIFTED)
    assert event.params == {"restriction": restriction.pk, "reason": "Data corrected"}
    with pytest.raises(ValidationFailed):
        lift_restriction(actor=Actor(user=head), restriction=restriction)


def test_a_manager_may_not_lift_a_block(admin_user, manager, lead):
    restriction = block(admin_user, lead)
    with pytest.raises(PermissionDenied):
        lift_restriction(actor=Actor(user=manager), restriction=restriction)
    assert is_restricted(lead)


def test_another_block_of_the_same_person_still_holds(admin_user, lead):
    first = block(admin_user, lead)
    block(admin_user, email="ana@example.com")
    lift_restriction(actor=Actor(user=admin_user), restriction=first)
    assert is_restricted(lead)


# --- contact ---------------------------------------------------------------------------


def test_no_e_mail_to_a_blocked_person_and_nothing_is_stored(admin_user, manager, lead):
    block(admin_user, lead)
    with pytest.raises(ValidationFailed) as refused:
        email_send(actor=Actor(user=manager), lead=lead, subject="Hello", body="Our offer")
    assert "blocked" in refused.value.message
    assert not SentEmail.objects.exists() and mail.outbox == []


def test_no_call_is_logged_to_a_blocked_person(admin_user, manager, lead):
    block(admin_user, lead)
    with pytest.raises(ValidationFailed):
        call_log(actor=Actor(user=manager), lead=lead, outcome="reached")
    assert not LeadEvent.objects.filter(lead=lead, type=EventType.CALL).exists()


def test_no_task_is_planned_for_a_blocked_person(admin_user, manager, lead):
    block(admin_user, lead)
    with pytest.raises(ValidationFailed) as refused:
        task_create(actor=Actor(user=manager), lead=lead, title="Call her")
    assert "blocked" in refused.value.message
    assert not Task.objects.filter(lead=lead).exists()


def test_once_lifted_the_person_may_be_written_to_again(admin_user, manager, lead):
    restriction = block(admin_user, lead)
    lift_restriction(actor=Actor(user=admin_user), restriction=restriction)
    sent = email_send(actor=Actor(user=manager), lead=lead, subject="Hello", body="Our offer")
    assert sent.status == "sent"


def test_a_marketing_e_mail_needs_consent_in_the_ledger(manager, lead):
    with pytest.raises(ValidationFailed) as refused:
        email_send(
            actor=Actor.system(), lead=lead, subject="News", body="Spring news", kind="marketing"
        )
    assert refused.value.field == "consent"
    assert not SentEmail.objects.exists()
    consent_record(
        actor=Actor(user=manager),
        lead=lead,
        purpose="marketing_email",
        status="given",
        method="call",
    )
    sent = email_send(
        actor=Actor.system(), lead=lead, subject="News", body="Spring news", kind="marketing"
    )
    assert sent.status == "sent"


# --- routing ---------------------------------------------------------------------------


def new_lead(email):
    return lead_create(
        actor=Actor.system(),
        data={"first_name": "Ana"},
        contacts=[ContactInput(kind="email", value=email)],
    )


def test_a_blocked_persons_new_lead_is_not_routed_and_the_event_says_why(
    admin_user, team, team_rule
):
    member("ana", team)
    block(admin_user, email="ana@example.com")
    lead = Lead.objects.get(pk=new_lead("ana@example.com").pk)
    assert lead.owner_id is None
    event = LeadEvent.objects.get(lead=lead, type=EVENT_NOT_ROUTED)
    assert event.params == {"reason": "restricted"} and event.actor_source == "rule"
    assert not LeadEvent.objects.filter(lead=lead, type=EventType.ASSIGNED).exists()
    # someone else's lead is routed as before
    assert new_lead("bo@example.com").owner_id is not None


def test_a_blocked_persons_new_lead_gets_no_first_response_clock(admin_user, team, team_rule):
    from galena.routing.models import SlaClock

    member("ana", team)
    block(admin_user, email="ana@example.com")
    blocked = new_lead("ana@example.com")
    other = new_lead("bo@example.com")
    assert not SlaClock.objects.filter(lead=blocked).exists()
    assert Lead.objects.get(pk=blocked.pk).response_due_at is None
    assert SlaClock.objects.filter(lead=other).exists()


def test_routing_a_lone_lead_adds_one_query_for_the_block(team, team_rule):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    member("ana", team)
    new_lead("warm@example.com")  # warm the per-process caches
    with CaptureQueriesContext(connection) as queries:
        new_lead("bo@example.com")
    blocks = [q for q in queries.captured_queries if "consent_restrictedvalue" in q["sql"]]
    assert len(blocks) == 1


# --- exports ---------------------------------------------------------------------------


def test_a_blocked_lead_is_left_out_of_the_csv_export(client, admin_user, head, team, lead):
    other = make_lead(owner=head, team=team, email="bo@example.com", first_name="Bo")
    block(admin_user, lead)
    client.force_login(head)
    response = client.post(
        reverse("lead-bulk"), {"action": "export_csv", "ids": [lead.pk, other.pk]}
    )
    assert response.status_code == 200
    rows = response.content.decode("utf-8-sig").splitlines()
    ids = [row.split(",")[0] for row in rows[1:]]
    assert ids == [str(other.pk)]


# --- nurture ---------------------------------------------------------------------------


def test_a_withdrawal_moves_a_lead_to_the_bases_no_consent_filter(manager, team):
    from galena.nurture.selectors import BaseFilters, base_queryset
    from tests.nurture.conftest import rejected

    lead = rejected(owner=manager, team=team, email="y@example.com")
    consented = lambda: list(  # noqa: E731
        base_queryset(user=manager, filters=BaseFilters(consent="yes")).values_list("pk", flat=True)
    )
    assert consented() == [lead.pk]
    consent_record(
        actor=Actor(user=manager),
        lead=lead,
        purpose="marketing_email",
        status="withdrawn",
        method="call",
    )
    assert consented() == []
    refused = base_queryset(user=manager, filters=BaseFilters(consent="no"))
    assert list(refused.values_list("pk", flat=True)) == [lead.pk]


def test_a_blocked_known_clients_new_lead_is_not_given_to_the_clients_owner(
    admin_user, team, team_rule
):
    from galena.clients.models import ClientLead, Contact, ContactMethod

    owner = member("keyaccounts", team)
    contact = Contact.objects.create(display_name="Ioana", owner=owner)
    ContactMethod.objects.create(
        contact=contact, kind="email", value_raw="ioana@acme.ro", value="ioana@acme.ro"
    )
    block(admin_user, email="ioana@acme.ro")
    lead = Lead.objects.get(pk=new_lead("ioana@acme.ro").pk)
    assert lead.owner_id is None
    assert ClientLead.objects.get(lead=lead).contact == contact  # linked, not given
    assert LeadEvent.objects.filter(lead=lead, type=EVENT_NOT_ROUTED).exists()
    assert not LeadEvent.objects.filter(lead=lead, type=EventType.ASSIGNED).exists()


def test_blocking_a_lead_with_a_running_clock_stops_its_escalation(
    admin_user, team, team_rule, settings
):
    import datetime as dt

    from galena.routing.sla import sla_sweep
    from tests.routing.sla_fixtures import MONDAY, clock_of
    from tests.routing.sla_fixtures import new_lead as timed_lead

    settings.SLA_START_MAX_AGE_HOURS = 10 * 365 * 24  # the lead arrives at MONDAY, a fixed day
    ana = member("ana", team)
    lead = timed_lead(temperature="warm")
    assert lead.owner == ana and clock_of(lead).next_check_at is not None
    block(admin_user, lead)
    assert sla_sweep(now=MONDAY + dt.timedelta(hours=5)) == 0
    assert clock_of(lead).next_check_at is None
    sla_types = (EventType.SLA_WARNING, EventType.SLA_BREACHED, EventType.SLA_ESCALATED)
    assert not LeadEvent.objects.filter(lead=lead, type__in=sla_types).exists()
