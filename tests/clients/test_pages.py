from decimal import Decimal

import django.db
import pytest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from galena.clients.models import Account, Contact, ContactMethod, Conversion, Deal, DealStage
from galena.clients.services import ContactData, DealData, lead_convert
from galena.leads.models import Lead, Stage
from galena.leads.services import Actor


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


def convert_post(**overrides):
    data = {
        "contact": "new",
        "contact_first_name": "Ioana",
        "contact_last_name": "Popescu",
        "account": "new",
        "account_name": "Acme Logistics",
        "account_tax_id": "RO123456",
        "account_registration_number": "J40/1/2020",
        "account_billing_address": "Str. Lunga 1",
        "add_deal": "on",
        "deal_title": "Fleet tracking",
        "deal_kind": "new",
        "deal_amount": "1200.00",
        "deal_currency": "EUR",
        "deal_stage": str(DealStage.objects.get(is_default=True).pk),
    }
    data.update(overrides)
    return data


def test_the_conversion_page_is_prefilled_from_the_lead(signed_in, lead, manager):
    response = signed_in.get(reverse("client-convert", args=[lead.pk]))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["contact_first_name"] == "Ioana"
    assert form.initial["account_name"] == "Acme Logistics SRL"
    assert form.initial["deal_title"] == "Fleet tracking"
    assert form.initial["owner"] == manager.pk
    assert "Tax id *" in response.content.decode()


def test_the_conversion_page_proposes_a_client_with_the_same_email_and_says_why(
    signed_in, lead, manager
):
    known = Contact.objects.create(first_name="Ioana", last_name="Popescu", owner=manager)
    ContactMethod.objects.create(
        contact=known, kind="email", value_raw="ioana@acme.ro", value="ioana@acme.ro"
    )

    response = signed_in.get(reverse("client-convert", args=[lead.pk]))

    proposals = response.context["proposals"]["contacts"]
    assert [p.record.pk for p in proposals] == [known.pk]
    assert "same e-mail: ioana@acme.ro" in proposals[0].reasons
    assert response.context["form"].initial["contact"] == str(known.pk)
    assert "same e-mail: ioana@acme.ro" in response.content.decode()


def test_the_conversion_page_proposes_an_account_by_tax_id_and_similar_name(
    signed_in, lead, manager
):
    lead.attributes = {"tax_id": "ro 123.456"}
    lead.save()
    by_tax = Account.objects.create(
        name="Other name", tax_id="RO123456", tax_id_normalised="RO123456", owner=manager
    )
    by_name = Account.objects.create(
        name="Acme Logistics", search_text="acme logistics", owner=manager
    )

    response = signed_in.get(reverse("client-convert", args=[lead.pk]))

    accounts = {p.record.pk: p.reasons for p in response.context["proposals"]["accounts"]}
    assert accounts[by_tax.pk] == ["same tax id: RO123456"]
    assert accounts[by_name.pk] == ["same company name (100 %)"]


def test_a_client_out_of_sight_is_never_proposed(signed_in, lead, outsider):
    theirs = Contact.objects.create(first_name="Ioana", last_name="Popescu", owner=outsider)
    ContactMethod.objects.create(
        contact=theirs, kind="email", value_raw="ioana@acme.ro", value="ioana@acme.ro"
    )

    response = signed_in.get(reverse("client-convert", args=[lead.pk]))

    assert response.context["proposals"]["contacts"] == []


def test_converting_from_the_page_creates_the_client_and_opens_its_card(signed_in, lead):
    response = signed_in.post(reverse("client-convert", args=[lead.pk]), convert_post())

    conversion = Conversion.objects.get(lead=lead)
    assert response.status_code == 302
    assert response.url == reverse("client-account", args=[conversion.account_id])
    assert conversion.deal.amount == Decimal("1200.00")


def test_a_refused_conversion_names_the_missing_fields_and_writes_nothing(signed_in, lead):
    response = signed_in.post(
        reverse("client-convert", args=[lead.pk]),
        convert_post(account_tax_id="", account_billing_address=""),
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "account_tax_id" in errors and "account_billing_address" in errors
    assert Conversion.objects.count() == 0 and Account.objects.count() == 0


def test_a_consumer_is_converted_without_deal(signed_in, lead):
    response = signed_in.post(
        reverse("client-convert", args=[lead.pk]), convert_post(account="none", add_deal="")
    )

    conversion = Conversion.objects.get(lead=lead)
    assert conversion.account is None and conversion.deal is None
    assert response.url == reverse("client-contact", args=[conversion.contact_id])


def test_the_conversion_page_of_a_lead_out_of_sight_is_404(client, outsider, lead):
    client.force_login(outsider)

    assert client.get(reverse("client-convert", args=[lead.pk])).status_code == 404


def test_a_converted_lead_goes_to_its_client(signed_in, lead, manager):
    conversion = lead_convert(
        actor=Actor(user=manager), lead=lead, contact=ContactData(first_name="I")
    )

    response = signed_in.get(reverse("client-convert", args=[lead.pk]))

    assert response.url == reverse("client-contact", args=[conversion.contact_id])


def panel(lead, user):
    from django.template.loader import render_to_string

    return render_to_string("clients/_card_panel.html", {"lead": lead, "user": user})


def test_the_lead_card_panel_offers_conversion_then_shows_the_client_and_deal(lead, manager):
    assert reverse("client-convert", args=[lead.pk]) in panel(lead, manager)

    conversion = lead_convert(
        actor=Actor(user=manager),
        lead=lead,
        contact=ContactData(first_name="Ioana"),
        deal=DealData(amount="10", currency="EUR", title="Trackers"),
    )
    lead.refresh_from_db()
    with CaptureQueriesContext(django.db.connection) as queries:
        html = panel(lead, manager)

    assert len(queries.captured_queries) == 1

    assert reverse("client-contact", args=[conversion.contact_id]) in html
    assert "Trackers" in html and "10.00 EUR" in html
    assert reverse("client-convert", args=[lead.pk]) not in html


def test_a_rejected_lead_offers_no_conversion(lead, manager):
    Lead.objects.filter(pk=lead.pk).update(stage=Stage.objects.get(code="rejected"))
    lead.refresh_from_db()

    assert reverse("client-convert", args=[lead.pk]) not in panel(lead, manager)


def make_clients(owner, n):
    for i in range(n):
        account = Account.objects.create(
            name=f"Company {i:03}", owner=owner, search_text=f"company {i:03}"
        )
        contact = Contact.objects.create(display_name=f"Person {i}", owner=owner, account=account)
        Deal.objects.create(
            account=account,
            contact=contact,
            title="x",
            amount=1,
            currency="EUR",
            stage=DealStage.objects.get(is_default=True),
        )
        Contact.objects.create(display_name=f"Consumer {i:03}", owner=owner)


def test_the_client_list_costs_the_same_queries_for_any_page_length(signed_in, manager):
    make_clients(manager, 2)
    with CaptureQueriesContext(django.db.connection) as small:
        signed_in.get(reverse("client-list"))
    make_clients(manager, 20)
    with CaptureQueriesContext(django.db.connection) as large:
        response = signed_in.get(reverse("client-list"))

    assert len(large.captured_queries) == len(small.captured_queries)
    assert response.context["page_obj"].paginator.count == 44


def test_the_client_list_shows_only_ones_clients_and_searches(signed_in, manager, outsider):
    make_clients(manager, 2)
    make_clients(outsider, 1)

    response = signed_in.get(reverse("client-list"), {"q": "company 001"})

    assert [row.name for row in response.context["rows"]] == ["Company 001"]
    everything = signed_in.get(reverse("client-list"))
    assert everything.context["page_obj"].paginator.count == 4


def test_the_client_list_is_forbidden_to_a_marketer(client, marketer):
    client.force_login(marketer)

    assert client.get(reverse("client-list")).status_code == 403


def test_the_account_card_shows_missing_fields_deals_totals_and_leads(signed_in, lead, manager):
    account = Account.objects.create(name="Acme", owner=manager, tax_id="RO1")
    conversion = lead_convert(
        actor=Actor(user=manager),
        lead=lead,
        contact=ContactData(first_name="Ioana"),
        account=account,
    )
    stage = DealStage.objects.get(code="paid")
    Deal.objects.create(
        account=account, title="a", amount=Decimal("10"), currency="EUR", stage=stage
    )
    Deal.objects.create(
        account=account, title="b", amount=Decimal("5"), currency="USD", stage=stage
    )

    response = signed_in.get(reverse("client-account", args=[account.pk]))

    assert response.status_code == 200
    assert [row.field for row in response.context["missing"]] == [
        "registration_number",
        "billing_address",
    ]
    assert response.context["totals"] == [
        {"currency": "EUR", "won": Decimal("10"), "open": Decimal("0"), "count": 1},
        {"currency": "USD", "won": Decimal("5"), "open": Decimal("0"), "count": 1},
    ]
    assert [link.lead_id for link in response.context["lead_links"]] == [lead.pk]
    assert conversion.contact in response.context["contacts"]


def test_a_new_deal_on_an_account_is_a_repeat_purchase(signed_in, manager):
    account = Account.objects.create(name="Acme", owner=manager)
    stage = DealStage.objects.get(is_default=True)
    Deal.objects.create(account=account, title="first", amount=1, currency="EUR", stage=stage)

    response = signed_in.post(
        reverse("client-account-deal-new", args=[account.pk]),
        {
            "deal_title": "More licences",
            "deal_kind": "upsell",
            "deal_amount": "300",
            "deal_currency": "EUR",
            "deal_stage": stage.pk,
        },
    )

    assert response.status_code == 302
    deal = Deal.objects.get(title="More licences")
    assert (deal.kind, deal.owner, deal.amount) == ("upsell", manager, Decimal("300.00"))


def test_editing_the_account_fills_the_required_fields(signed_in, manager):
    account = Account.objects.create(name="Acme", owner=manager)

    signed_in.post(
        reverse("client-account-edit", args=[account.pk]),
        {
            "account_name": "Acme",
            "account_tax_id": "ro 99",
            "account_registration_number": "J1",
            "account_billing_address": "Street 1",
        },
    )

    account.refresh_from_db()
    assert (account.tax_id, account.tax_id_normalised) == ("ro 99", "RO99")
    response = signed_in.get(reverse("client-account", args=[account.pk]))
    assert response.context["missing"] == []


def test_a_client_card_out_of_sight_is_404(signed_in, outsider):
    theirs = Account.objects.create(name="Theirs", owner=outsider)
    contact = Contact.objects.create(display_name="Them", owner=outsider)

    assert signed_in.get(reverse("client-account", args=[theirs.pk])).status_code == 404
    assert signed_in.get(reverse("client-contact", args=[contact.pk])).status_code == 404


def test_the_contact_card_lists_ways_to_reach_and_deals(signed_in, lead, manager):
    conversion = lead_convert(
        actor=Actor(user=manager),
        lead=lead,
        contact=ContactData(first_name="Ioana", last_name="Popescu"),
    )

    response = signed_in.get(reverse("client-contact", args=[conversion.contact_id]))

    assert response.status_code == 200
    body = response.content.decode()
    assert "ioana@acme.ro" in body.lower() and "0721 234 567" in body


def test_the_conversion_reads_in_words_on_the_lead_timeline(lead, manager):
    from galena.leads.models import EventType, LeadEvent
    from galena.leads.views import present_timeline

    conversion = lead_convert(
        actor=Actor(user=manager),
        lead=lead,
        contact=ContactData(first_name="Ioana", last_name="Popescu"),
        deal=DealData(amount="10", currency="EUR", title="Trackers"),
    )
    event = LeadEvent.objects.get(type=EventType.CONVERTED)

    (presented,) = present_timeline([event])

    from django.template.loader import render_to_string

    html = render_to_string(presented.template, {"event": presented})
    assert reverse("client-contact", args=[conversion.contact_id]) in html
    assert "Trackers" in html and "10.00 EUR" in html and "new contact" in html


def test_a_deal_is_moved_from_the_card(signed_in, manager):
    account = Account.objects.create(name="Acme", owner=manager)
    deal = Deal.objects.create(
        account=account,
        title="d",
        amount=1,
        currency="EUR",
        stage=DealStage.objects.get(code="agreed"),
    )
    paid = DealStage.objects.get(code="paid")

    card = signed_in.get(reverse("client-account", args=[account.pk])).content.decode()
    assert reverse("client-deal-stage", args=[deal.pk]) in card
    response = signed_in.post(reverse("client-deal-stage", args=[deal.pk]), {"stage": paid.pk})

    assert response.url == reverse("client-account", args=[account.pk])
    deal.refresh_from_db()
    assert deal.stage == paid and deal.closed_at is not None


def test_the_account_card_costs_the_same_queries_for_any_number_of_contacts_and_deals(
    signed_in, manager
):
    account = Account.objects.create(name="Acme", owner=manager)
    stage = DealStage.objects.get(is_default=True)

    def grow(n):
        for i in range(n):
            contact = Contact.objects.create(display_name=f"P{i}", owner=manager, account=account)
            ContactMethod.objects.create(
                contact=contact, kind="email", value_raw=f"p{i}@a.ro", value=f"p{i}@a.ro"
            )
            Deal.objects.create(
                account=account, contact=contact, title="d", amount=1, currency="EUR", stage=stage
            )

    grow(1)
    url = reverse("client-account", args=[account.pk])
    signed_in.get(url)
    with CaptureQueriesContext(django.db.connection) as small:
        signed_in.get(url)
    grow(15)
    with CaptureQueriesContext(django.db.connection) as large:
        response = signed_in.get(url)

    assert len(response.context["deals"]) == 16
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_conversion_page_costs_the_same_queries_for_few_or_many_candidates(
    signed_in, lead, manager
):
    def namesakes(n):
        for _ in range(n):
            contact = Contact.objects.create(
                first_name="Ioana",
                last_name="Popescu",
                owner=manager,
                name_translit="ioana popescu",
                search_text="ioana popescu",
            )
            ContactMethod.objects.create(
                contact=contact, kind="phone", value_raw="+40721234567", value="+40721234567"
            )

    namesakes(1)
    url = reverse("client-convert", args=[lead.pk])
    signed_in.get(url)
    with CaptureQueriesContext(django.db.connection) as small:
        signed_in.get(url)
    namesakes(8)
    with CaptureQueriesContext(django.db.connection) as large:
        response = signed_in.get(url)

    assert len(response.context["proposals"]["contacts"]) == 5
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_head_gives_an_account_to_a_colleague_with_its_contacts_and_open_deals(
    client, head, manager, colleague, team
):
    account = Account.objects.create(name="Acme", owner=manager, team=team)
    contact = Contact.objects.create(display_name="P", owner=manager, account=account)
    open_deal = Deal.objects.create(
        account=account,
        title="o",
        amount=1,
        currency="EUR",
        owner=manager,
        stage=DealStage.objects.get(code="agreed"),
    )
    paid_deal = Deal.objects.create(
        account=account,
        title="p",
        amount=1,
        currency="EUR",
        owner=manager,
        stage=DealStage.objects.get(code="paid"),
    )
    client.force_login(head)

    response = client.post(
        reverse("client-account-assign", args=[account.pk]), {"owner": colleague.pk}
    )

    assert response.status_code == 302
    for row in (account, contact, open_deal, paid_deal):
        row.refresh_from_db()
    assert (account.owner, contact.owner, open_deal.owner, paid_deal.owner) == (
        colleague,
        colleague,
        colleague,
        manager,
    )


def test_a_manager_cannot_give_away_a_client(signed_in, manager, colleague):
    account = Account.objects.create(name="Acme", owner=manager)

    response = signed_in.post(
        reverse("client-account-assign", args=[account.pk]), {"owner": colleague.pk}
    )

    account.refresh_from_db()
    assert account.owner == manager
    assert response.status_code in (400, 403)


def test_the_contact_card_edits_details_and_adds_a_normalised_phone(signed_in, manager):
    contact = Contact.objects.create(first_name="Ioana", owner=manager, country="RO")

    signed_in.post(
        reverse("client-contact-edit", args=[contact.pk]),
        {"contact_first_name": "Ioana", "contact_last_name": "Popescu", "contact_position": "CFO"},
    )
    signed_in.post(
        reverse("client-contact-method-add", args=[contact.pk]),
        {"kind": "phone", "value": "0721 234 567", "label": "mobile"},
    )
    again = signed_in.post(
        reverse("client-contact-method-add", args=[contact.pk]),
        {"kind": "phone", "value": "+40 721 234 567"},
    )

    contact.refresh_from_db()
    assert (contact.display_name, contact.position) == ("Ioana Popescu", "CFO")
    assert list(contact.methods.values_list("value", "is_primary")) == [("+40721234567", True)]
    assert again.status_code == 400
    assert "already has this value" in again.content.decode()


def test_a_refused_conversion_still_marks_the_required_fields(signed_in, lead):
    response = signed_in.post(
        reverse("client-convert", args=[lead.pk]), convert_post(account_tax_id="")
    )

    assert response.status_code == 400
    assert "Tax id *" in response.content.decode()


def test_the_admin_refuses_a_second_account_with_a_tax_id(client, admin_user):
    Account.objects.create(name="Acme", tax_id="RO1", tax_id_normalised="RO1")
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:clients_account_add"), {"name": "Acme again", "tax_id": "ro 1"}
    )

    assert response.status_code == 200
    assert "has this tax id already" in response.content.decode()
    assert Account.objects.count() == 1
