"""Rectification on a client: every change to a contact's or an account's details is an
event with each field's before and after (the same ``changes`` a lead's ``updated`` event
keeps), shown on the client's card, in the person's access report, and emptied by their
erasure; a refused or empty edit writes none."""

import pytest
from django.urls import reverse

from galena.accounts.services import api_token_create
from galena.clients.models import Account, ClientEvent, Contact, ContactMethod
from galena.clients.services import AccountData, ContactData, account_update, contact_update
from galena.core.errors import NotFound, ValidationFailed
from galena.leads.models import ActorSource
from galena.leads.services import Actor
from galena.privacy.access import subject_report
from galena.privacy.erasure import erase_subject
from galena.privacy.subjects import find_subject
from tests.api.helpers import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(manager):
    contact = Contact.objects.create(
        first_name="Ioana", last_name="Popesku", position="Buyer", owner=manager, country="RO"
    )
    ContactMethod.objects.create(
        contact=contact, kind="email", value_raw="ioana@acme.ro", value="ioana@acme.ro"
    )
    return contact


def by_hand(user) -> Actor:
    return Actor(user=user, source=ActorSource.MANUAL)


def test_a_contact_corrected_on_its_card_keeps_before_and_after(client, manager, contact):
    client.force_login(manager)

    client.post(
        reverse("client-contact-edit", args=[contact.pk]),
        {
            "contact_first_name": "Ioana",
            "contact_last_name": "Popescu",
            "contact_position": "CFO",
            "contact_country": "RO",
        },
    )

    event = ClientEvent.objects.get()
    assert (event.contact, event.account, event.type) == (contact, None, "updated")
    assert (event.actor, event.actor_source) == (manager, "manual")
    assert event.params == {
        "changes": {"last_name": ["Popesku", "Popescu"], "position": ["Buyer", "CFO"]}
    }
    card = client.get(reverse("client-contact", args=[contact.pk])).text
    assert "Popesku" in card and "last name" in card


def test_an_account_corrected_keeps_before_and_after_on_its_card(client, manager):
    account = Account.objects.create(name="Acme", billing_address="Str. Lunga 1", owner=manager)

    account_update(
        actor=by_hand(manager),
        account=account,
        data=AccountData(name="Acme", billing_address="Str. Lunga 3", country="ro"),
    )

    event = ClientEvent.objects.get(account=account)
    assert event.params["changes"] == {
        "billing_address": ["Str. Lunga 1", "Str. Lunga 3"],
        "country": ["", "RO"],
    }
    client.force_login(manager)
    card = client.get(reverse("client-account", args=[account.pk])).text
    assert "Str. Lunga 1" in card and "Str. Lunga 3" in card


def test_saving_the_same_values_writes_no_event(manager, contact):
    contact_update(
        actor=by_hand(manager),
        contact=contact,
        data=ContactData(first_name="Ioana", last_name="Popesku", position="Buyer", country="ro"),
    )

    assert not ClientEvent.objects.exists()


def test_a_refused_edit_changes_nothing_and_writes_no_event(manager, contact):
    with pytest.raises(ValidationFailed):
        contact_update(actor=by_hand(manager), contact=contact, data=ContactData())

    contact.refresh_from_db()
    assert contact.last_name == "Popesku"
    assert not ClientEvent.objects.exists()


def test_someone_who_does_not_see_the_contact_cannot_correct_it(outsider, contact):
    with pytest.raises(NotFound):
        contact_update(
            actor=by_hand(outsider), contact=contact, data=ContactData(first_name="Someone")
        )

    contact.refresh_from_db()
    assert contact.first_name == "Ioana"
    assert not ClientEvent.objects.exists()


def test_a_way_to_reach_them_added_is_on_the_history(client, manager, contact):
    client.force_login(manager)

    client.post(
        reverse("client-contact-method-add", args=[contact.pk]),
        {"kind": "phone", "value": "0721 234 567", "label": "mobile"},
    )

    event = ClientEvent.objects.get()
    assert (event.type, event.params) == (
        "method_added",
        {"kind": "phone", "value": "+40721234567", "label": "mobile"},
    )
    assert "+40721234567" in client.get(reverse("client-contact", args=[contact.pk])).text


def test_the_corrections_are_in_the_access_report_and_go_with_the_erasure(
    admin_user, manager, contact
):
    contact_update(
        actor=by_hand(manager),
        contact=contact,
        data=ContactData(first_name="Ioana", last_name="Popescu", position="Buyer", country="RO"),
    )
    subject = find_subject(email="ioana@acme.ro")

    report = subject_report(subject, actor=admin_user)
    erase_subject(subject, actor=admin_user, reason="asked")

    rows = {section.model_label: section.rows for section in report.sections}
    assert rows["clients.ClientEvent"][0]["params"] == {
        "changes": {"last_name": ["Popesku", "Popescu"]}
    }
    event = ClientEvent.objects.get()
    assert event.params == {"changes": {"last_name": ["", ""]}}
    assert event.type == "updated" and event.actor == manager


def test_a_contact_corrected_in_the_admin_keeps_before_and_after(client, admin_user, contact):
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:clients_contact_change", args=[contact.pk]),
        {
            "first_name": "Ioana",
            "last_name": "Popescu",
            "position": "Buyer",
            "country": "RO",
            "owner": contact.owner_id,
            "methods-TOTAL_FORMS": "0",
            "methods-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    event = ClientEvent.objects.get()
    assert (event.contact, event.actor, event.type) == (contact, admin_user, "updated")
    assert event.params == {"changes": {"last_name": ["Popesku", "Popescu"]}}


def test_an_account_saved_unchanged_in_the_admin_writes_no_event(client, admin_user, manager):
    account = Account.objects.create(name="Acme", country="RO", owner=manager)
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:clients_account_change", args=[account.pk]),
        {
            "name": "Acme",
            "country": "RO",
            "owner": manager.pk,
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    assert not ClientEvent.objects.exists()


def api(user) -> ApiClient:
    _, key = api_token_create(user=user, name="tests")
    return ApiClient(key)


CORRECTED = {
    "first_name": "Ioana",
    "last_name": "Popescu",
    "position": "Buyer",
    "country": "RO",
}


def test_a_contact_corrected_through_the_api_keeps_before_and_after(manager, contact):
    response = api(manager).put(
        f"/api/v1/clients/contacts/{contact.pk}", CORRECTED, content_type="application/json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["last_name"] == "Popescu"
    event = ClientEvent.objects.get()
    assert (event.actor, event.actor_source) == (manager, "api")
    assert event.params == {"changes": {"last_name": ["Popesku", "Popescu"]}}


def test_an_account_corrected_through_the_api_keeps_before_and_after(manager):
    account = Account.objects.create(name="Acme", country="RO", owner=manager)

    response = api(manager).put(
        f"/api/v1/clients/accounts/{account.pk}",
        {"name": "Acme Solar", "country": "RO"},
        content_type="application/json",
    )

    assert response.status_code == 200, response.json()
    assert ClientEvent.objects.get(account=account).params == {
        "changes": {"name": ["Acme", "Acme Solar"]}
    }


def test_an_api_correction_without_a_name_is_a_400_and_writes_nothing(manager, contact):
    response = api(manager).put(
        f"/api/v1/clients/contacts/{contact.pk}",
        {"position": "CFO"},
        content_type="application/json",
    )

    assert response.status_code == 400
    contact.refresh_from_db()
    assert contact.position == "Buyer"
    assert not ClientEvent.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"), [("marketer", 403), ("officer", 403), ("outsider", 404)]
)
def test_the_api_refuses_a_correction_to_whoever_may_not_see_the_client(
    request, role, status, contact
):
    response = api(request.getfixturevalue(role)).put(
        f"/api/v1/clients/contacts/{contact.pk}", CORRECTED, content_type="application/json"
    )

    assert response.status_code == status
    contact.refresh_from_db()
    assert contact.last_name == "Popesku"
    assert not ClientEvent.objects.exists()
