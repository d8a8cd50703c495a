"""A client contact's personal data: its page shows the person's block (a badge and the
"Personal data" panel the lead card has, with the actions each role is allowed), a blocked
contact is neither written to nor called from its page or its account's, and the panel's
actions follow consent's rules — heads of sales and admins block and unblock, the contact's
owner records consents, other roles are refused and nothing is written."""

import django.db
import pytest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from galena.accounts.models import Role
from galena.clients.models import ContactMethod
from galena.clients.personal_data import (
    HOLDER_TYPE,
    blocked_contact_ids,
    contact_restrict,
    contact_restriction_lift,
)
from galena.clients.services import ContactData, lead_convert
from galena.consent.models import ConsentRecord, RestrictedValue, Restriction
from galena.consent.services import EVENT_RESTRICTED, restrict_subject, restricted_lead_ids
from galena.core.errors import NotFound, PermissionDenied
from galena.leads.models import LeadEvent
from galena.leads.services import Actor
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(lead, manager, company):
    """Ioana, converted from the manager's lead, with her Instagram added on the client."""
    conversion = lead_convert(
        actor=Actor(user=manager),
        lead=lead,
        contact=ContactData(first_name="Ioana", last_name="Popescu"),
        account=company,
    )
    contact = conversion.contact
    ContactMethod.objects.create(
        contact=contact,
        kind="social",
        value_raw="instagram.com/ioana.p",
        value="https://www.instagram.com/ioana.p",
    )
    return contact


def page(client, user, contact):
    client.force_login(user)
    return client.get(reverse("client-contact", args=[contact.pk]))


def post(client, user, name, contact, *args, **data):
    client.force_login(user)
    return client.post(reverse(name, args=[contact.pk, *args]), data)


def block_contact(user, contact, reason="Asked by phone to stop using her data"):
    return contact_restrict(actor=Actor(user=user), contact=contact, reason=reason)


# --- the page ------------------------------------------------------------------------------


def test_a_contact_that_is_not_blocked_shows_links_and_the_block_action_to_a_head(
    client, head, contact
):
    html = page(client, head, contact).content.decode()
    assert 'id="consent-panel"' in html
    assert "mailto:ioana@acme.ro" in html and "tel:+40721234567" in html
    assert reverse("client-contact-block", args=[contact.pk]) in html
    assert "badge-danger" not in html


def test_a_blocked_contacts_page_shows_the_block_and_no_way_to_write_or_call(client, head, contact):
    restriction = block_contact(head, contact)

    html = page(client, head, contact).content.decode()

    assert "Processing of this person's data is blocked" in html
    assert "badge-danger" in html
    assert "mailto:" not in html and "tel:" not in html
    assert "Ioana@Acme.ro" in html  # the values are shown, not linked
    assert reverse("client-contact-lift", args=[contact.pk, restriction.pk]) in html
    assert 'id="consent-block"' not in html  # blocked already: no second block form


def test_a_manager_sees_the_block_but_no_block_or_unblock_action(client, head, manager, contact):
    restriction = block_contact(head, contact)
    html = page(client, manager, contact).content.decode()
    assert "Processing of this person's data is blocked" in html
    assert reverse("client-contact-lift", args=[contact.pk, restriction.pk]) not in html
    assert "consent/block/" not in html
    # the owner records consents (and withdrawals)
    assert reverse("client-contact-consent-add", args=[contact.pk]) in html


def test_a_block_by_the_persons_lead_shows_on_the_client_page(client, admin_user, lead, contact):
    restrict_subject(actor=Actor(user=admin_user), lead=lead, reason="Asked by e-mail")
    html = page(client, admin_user, contact).content.decode()
    assert "Processing of this person's data is blocked" in html


def test_the_account_page_marks_a_blocked_contact_and_links_nothing_to_write_or_call(
    client, head, contact
):
    block_contact(head, contact)
    client.force_login(head)
    html = client.get(reverse("client-account", args=[contact.account_id])).content.decode()
    assert "badge-danger" in html
    assert "mailto:" not in html and "tel:" not in html


def test_the_page_reads_the_panel_in_a_fixed_number_of_queries(client, head, contact):
    client.force_login(head)
    url = reverse("client-contact", args=[contact.pk])
    client.get(url)
    with CaptureQueriesContext(django.db.connection) as before:
        client.get(url)
    for i in range(3):
        ContactMethod.objects.create(
            contact=contact, kind="email", value_raw=f"i{i}@acme.ro", value=f"i{i}@acme.ro"
        )
    block_contact(head, contact)
    with CaptureQueriesContext(django.db.connection) as after:
        client.get(url)
    assert len(after.captured_queries) == len(before.captured_queries)


# --- blocking and unblocking from the page ----------------------------------------------------


def test_a_head_blocks_from_the_contacts_page_every_value_and_the_lead(client, head, lead, contact):
    response = post(
        client,
        head,
        "client-contact-block",
        contact,
        reason="Asked by phone",
        request_reference="R-7",
    )
    assert response.status_code == 302

    restriction = Restriction.objects.get()
    assert (restriction.holder_type, restriction.holder_id) == (HOLDER_TYPE, contact.pk)
    assert restriction.requested_by == head and restriction.request_reference == "R-7"
    values = set(restriction.values.values_list("kind", "value"))
    assert {
        ("email", "ioana@acme.ro"),
        ("phone", "+40721234567"),
        ("social", "https://www.instagram.com/ioana.p"),
    } <= values
    assert blocked_contact_ids([contact.pk]) == {contact.pk}
    assert restricted_lead_ids([lead.pk]) == {lead.pk}  # the lead she came from too
    assert LeadEvent.objects.filter(lead=lead, type=EVENT_RESTRICTED).exists()


@pytest.mark.parametrize("role", [Role.SALES_MANAGER, Role.TELEMARKETER])
def test_other_roles_may_not_block_a_client_and_nothing_is_written(client, team, contact, role):
    # one who sees the contact (a teammate; the contact's team has no owner filter for them)
    user = UserFactory(username=f"u-{role}", role=role, team=team)
    contact.owner = user
    contact.save(update_fields=["owner"])
    response = post(client, user, "client-contact-block", contact, reason="Because")
    assert response.status_code == 403
    assert not Restriction.objects.exists() and not RestrictedValue.objects.exists()


def test_a_marketer_sees_no_client_and_blocks_nothing(client, marketer, contact):
    response = post(client, marketer, "client-contact-block", contact, reason="Because")
    assert response.status_code == 403
    assert not Restriction.objects.exists()


def test_a_head_of_another_team_cannot_reach_the_contact(other_team, contact):
    outsider = UserFactory(username="othhead", role=Role.HEAD_OF_SALES, team=other_team)
    with pytest.raises(NotFound):
        block_contact(outsider, contact)
    assert not Restriction.objects.exists()


def test_a_head_lifts_a_block_asked_from_the_contact(client, head, lead, contact):
    restriction = block_contact(head, contact)
    response = post(
        client, head, "client-contact-lift", contact, restriction.pk, reason="Withdrawn"
    )
    assert response.status_code == 302
    restriction.refresh_from_db()
    assert restriction.lifted_by == head and restriction.lift_reason == "Withdrawn"
    assert blocked_contact_ids([contact.pk]) == set()
    assert restricted_lead_ids([lead.pk]) == set()


def test_a_manager_may_not_lift_a_clients_block(client, head, manager, contact):
    restriction = block_contact(head, contact)
    response = post(client, manager, "client-contact-lift", contact, restriction.pk)
    assert response.status_code == 403
    restriction.refresh_from_db()
    assert restriction.is_active


def test_a_head_may_not_lift_a_block_asked_by_address_alone(head, contact):
    restriction = restrict_subject(actor=Actor.system(), email="ioana@acme.ro", reason="DSR")
    with pytest.raises(PermissionDenied):
        contact_restriction_lift(actor=Actor(user=head), contact=contact, restriction=restriction)
    restriction.refresh_from_db()
    assert restriction.is_active


def test_a_block_of_someone_else_is_not_lifted_through_this_contact(admin_user, contact):
    other = restrict_subject(actor=Actor.system(), email="zed@example.com", reason="DSR")
    with pytest.raises(NotFound):
        contact_restriction_lift(actor=Actor(user=admin_user), contact=contact, restriction=other)
    other.refresh_from_db()
    assert other.is_active


# --- consents ------------------------------------------------------------------------------


def test_the_contacts_owner_records_a_consent_by_phone(client, manager, contact):
    response = post(
        client,
        manager,
        "client-contact-consent-add",
        contact,
        purpose="marketing_email",
        status="given",
        method="call",
        note="Said yes on the call",
    )
    assert response.status_code == 302
    record = ConsentRecord.objects.get(purpose="marketing_email")
    assert (record.email, record.status, record.method) == ("ioana@acme.ro", "given", "call")
    assert record.actor == manager and record.lead_id is None
    assert record.evidence == {"note": "Said yes on the call", "client_contact": contact.pk}
    html = page(client, manager, contact).content.decode()
    assert "Said yes on the call" in html


def test_a_teammate_who_does_not_own_the_contact_may_only_record_a_withdrawal(
    client, team, head, contact
):
    contact.owner = None  # the team's contact without an owner: its managers see it
    contact.save(update_fields=["owner"])
    mate = UserFactory(username="mate", role=Role.SALES_MANAGER, team=team)
    data = {"purpose": "marketing_email", "method": "call"}
    post(client, mate, "client-contact-consent-add", contact, status="given", **data)
    assert not ConsentRecord.objects.filter(purpose="marketing_email").exists()
    post(client, mate, "client-contact-consent-add", contact, status="withdrawn", **data)
    assert ConsentRecord.objects.get(purpose="marketing_email").status == "withdrawn"
