import django.db
import pytest
from django.test.utils import CaptureQueriesContext

from galena.accounts.services import api_token_create
from galena.clients.models import Account, Contact, ContactMethod, Conversion, Deal, DealStage
from galena.leads.models import Lead
from tests.api.helpers import ApiClient

ACCOUNT = {
    "name": "Acme Logistics",
    "tax_id": "RO123456",
    "registration_number": "J40/1/2020",
    "billing_address": "Str. Lunga 1",
}


@pytest.fixture
def api_as(db):
    def make(user) -> ApiClient:
        _, key = api_token_create(user=user, name="tests")
        return ApiClient(key)

    return make


def test_convert_creates_the_client_and_answers_with_the_conversion(api_as, manager, lead):
    response = api_as(manager).post(
        f"/api/v1/leads/{lead.pk}/convert",
        {"account": ACCOUNT, "deal": {"amount": "990.00", "currency": "EUR", "stage": "paid"}},
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    conversion = Conversion.objects.get(lead=lead)
    assert body["id"] == conversion.pk
    assert body["contact_created"] is True and body["account_created"] is True
    assert body["client_owner_id"] == manager.pk
    assert conversion.contact.first_name == "Ioana"
    assert conversion.deal.stage.code == "paid"
    assert Lead.objects.get(pk=lead.pk).stage.kind == "won"


def test_convert_twice_is_refused_with_a_clear_error(api_as, manager, lead):
    client = api_as(manager)
    client.post(f"/api/v1/leads/{lead.pk}/convert", {})

    response = client.post(f"/api/v1/leads/{lead.pk}/convert", {})

    assert response.status_code == 400
    assert "already converted" in response.json()["error"]["message"]
    assert Conversion.objects.count() == 1


def test_convert_names_the_missing_required_fields(api_as, manager, lead):
    response = api_as(manager).post(
        f"/api/v1/leads/{lead.pk}/convert", {"account": {"name": "Acme"}}
    )

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {
        "account.tax_id",
        "account.registration_number",
        "account.billing_address",
    }
    assert Contact.objects.count() == 0


def test_convert_a_lead_out_of_sight_is_404(api_as, outsider, lead):
    response = api_as(outsider).post(f"/api/v1/leads/{lead.pk}/convert", {})

    assert response.status_code == 404
    assert Conversion.objects.count() == 0


def test_convert_is_forbidden_to_a_marketer(api_as, marketer, lead):
    assert api_as(marketer).post(f"/api/v1/leads/{lead.pk}/convert", {}).status_code == 403


def test_convert_links_an_existing_contact_and_account(api_as, manager, lead):
    account = Account.objects.create(name="Acme", owner=manager)
    contact = Contact.objects.create(display_name="Ioana", owner=manager, account=account)

    response = api_as(manager).post(
        f"/api/v1/leads/{lead.pk}/convert", {"contact_id": contact.pk, "account_id": account.pk}
    )

    assert response.status_code == 201
    assert response.json()["contact_id"] == contact.pk
    assert response.json()["account_id"] == account.pk
    assert Contact.objects.count() == 1


def make_accounts(owner, n, start=0):
    stage = DealStage.objects.get(is_default=True)
    for i in range(start, start + n):
        account = Account.objects.create(
            name=f"Company {i:03}", owner=owner, search_text=f"company {i:03}"
        )
        contact = Contact.objects.create(
            display_name=f"Person {i:03}", owner=owner, account=account
        )
        ContactMethod.objects.create(
            contact=contact, kind="email", value_raw=f"p{i}@x.ro", value=f"p{i}@x.ro"
        )
        Deal.objects.create(
            account=account, contact=contact, title="d", amount=1, currency="EUR", stage=stage
        )


def test_account_and_contact_lists_page_with_cursors_in_constant_queries(api_as, manager, outsider):
    make_accounts(manager, 3)
    make_accounts(outsider, 2, start=50)
    client = api_as(manager)
    client.get("/api/v1/clients/contacts")  # the token's first use is stamped once

    with CaptureQueriesContext(django.db.connection) as small:
        first = client.get("/api/v1/clients/contacts", {"limit": 2}).json()
    make_accounts(manager, 10, start=10)
    with CaptureQueriesContext(django.db.connection) as large:
        client.get("/api/v1/clients/contacts", {"limit": 20})

    assert len(small.captured_queries) == len(large.captured_queries)
    assert [c["display_name"] for c in first["items"]] == ["Person 000", "Person 001"]
    assert first["items"][0]["methods"][0]["value"] == "p0@x.ro"
    second = client.get("/api/v1/clients/contacts", {"limit": 2, "cursor": first["next_cursor"]})
    assert [c["display_name"] for c in second.json()["items"]] == ["Person 002", "Person 010"]
    accounts = client.get("/api/v1/clients/accounts", {"q": "company 01"}).json()
    assert [a["name"] for a in accounts["items"]][:2] == ["Company 010", "Company 011"]
    assert all(not a["name"].startswith("Company 05") for a in accounts["items"])


def test_account_detail_has_contacts_deals_totals_and_missing_fields(api_as, manager):
    make_accounts(manager, 1)
    account = Account.objects.get()

    body = api_as(manager).get(f"/api/v1/clients/accounts/{account.pk}").json()

    assert body["missing_fields"] == ["tax_id", "registration_number", "billing_address"]
    assert [c["display_name"] for c in body["contacts"]] == ["Person 000"]
    assert body["deals"][0]["stage"] == "agreed"
    assert body["totals"] == [{"currency": "EUR", "won": "0", "open": "1.00", "count": 1}]


def test_a_client_out_of_sight_is_404(api_as, manager, outsider):
    make_accounts(outsider, 1)
    account = Account.objects.get()
    client = api_as(manager)

    assert client.get(f"/api/v1/clients/accounts/{account.pk}").status_code == 404
    assert client.get(f"/api/v1/clients/contacts/{account.contacts.get().pk}").status_code == 404
    assert (
        client.post(
            f"/api/v1/clients/accounts/{account.pk}/deals", {"amount": "1", "currency": "EUR"}
        ).status_code
        == 404
    )


def test_a_new_deal_on_an_account(api_as, manager):
    make_accounts(manager, 1)
    account = Account.objects.get()

    response = api_as(manager).post(
        f"/api/v1/clients/accounts/{account.pk}/deals",
        {"amount": "250.00", "currency": "usd", "kind": "cross_sell", "title": "Support"},
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["amount"], body["currency"], body["owner_id"]) == (
        "cross_sell",
        "250.00",
        "USD",
        manager.pk,
    )


def test_contact_detail(api_as, manager):
    make_accounts(manager, 1)
    contact = Contact.objects.get()

    body = api_as(manager).get(f"/api/v1/clients/contacts/{contact.pk}").json()

    assert body["display_name"] == "Person 000"
    assert body["methods"][0]["value"] == "p0@x.ro"
    assert len(body["deals"]) == 1


def test_a_deal_is_moved_by_code(api_as, manager, outsider):
    make_accounts(manager, 1)
    deal = Deal.objects.get()

    response = api_as(manager).post(f"/api/v1/clients/deals/{deal.pk}/stage", {"stage": "paid"})

    assert response.status_code == 200
    assert (response.json()["stage"], response.json()["stage_kind"]) == ("paid", "won")
    assert response.json()["closed_at"] is not None
    unknown = api_as(manager).post(f"/api/v1/clients/deals/{deal.pk}/stage", {"stage": "nope"})
    assert unknown.status_code == 400 and unknown.json()["error"]["field"] == "stage"
    theirs = api_as(outsider).post(f"/api/v1/clients/deals/{deal.pk}/stage", {"stage": "lost"})
    assert theirs.status_code == 404
