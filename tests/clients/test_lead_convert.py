import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from galena.clients.models import (
    Account,
    ClientField,
    ClientLead,
    Contact,
    ContactMethod,
    Conversion,
    Deal,
    DealStage,
    LinkKind,
)
from galena.clients.services import (
    AccountData,
    ContactData,
    DealData,
    lead_convert,
)
from galena.core.errors import NotFound, PermissionDenied, ValidationFailed
from galena.leads.models import EventType, Lead, LeadEvent, Stage
from galena.leads.services import Actor
from tests.factories import LeadFactory


def person():
    return ContactData(first_name="Ioana", last_name="Popescu", position="Buyer")


def assert_nothing_written():
    assert Conversion.objects.count() == 0
    assert Contact.objects.count() == 0
    assert Account.objects.count() == 0
    assert Deal.objects.count() == 0
    assert ClientLead.objects.count() == 0
    assert not LeadEvent.objects.filter(type=EventType.CONVERTED).exists()


def test_conversion_creates_contact_account_and_deal_and_wins_the_lead(manager, lead, company):
    conversion = lead_convert(
        actor=Actor(user=manager),
        lead=lead,
        contact=person(),
        account=company,
        deal=DealData(amount="1250.5", currency="eur", title="Fleet tracking, 20 cars"),
    )

    lead.refresh_from_db()
    assert lead.stage.kind == "won"
    assert lead.converted_at is not None
    assert lead.deal_value == Decimal("1250.50")
    assert lead.deal_currency == "EUR"
    contact = conversion.contact
    assert contact.display_name == "Ioana Popescu"
    assert contact.owner == manager
    assert contact.account == conversion.account
    assert sorted(contact.methods.values_list("kind", "value", "is_primary")) == [
        ("email", "ioana@acme.ro", True),
        ("phone", "+40721234567", True),
    ]
    account = conversion.account
    assert account.tax_id_normalised == "RO123456"
    assert account.country == "RO"
    deal = conversion.deal
    assert (deal.amount, deal.currency, deal.kind, deal.lead_id) == (
        Decimal("1250.50"),
        "EUR",
        "new",
        lead.pk,
    )
    assert deal.stage == DealStage.objects.get(is_default=True)
    assert conversion.contact_created and conversion.account_created
    assert ClientLead.objects.get(lead=lead).kind == LinkKind.CONVERTED


def test_conversion_records_its_times_and_a_converted_event(manager, lead, company):
    lead.created_at = timezone.now() - dt.timedelta(days=10)
    lead.save()
    earlier = LeadFactory(owner=manager, merged_into=lead)
    earlier.created_at = timezone.now() - dt.timedelta(days=30)
    earlier.save()

    conversion = lead_convert(
        actor=Actor(user=manager), lead=lead, contact=person(), account=company
    )

    assert abs(conversion.conversion_time - dt.timedelta(days=10)) < dt.timedelta(minutes=1)
    assert abs(conversion.lead_time - dt.timedelta(days=30)) < dt.timedelta(minutes=1)
    assert conversion.first_contact_at == earlier.created_at
    event = LeadEvent.objects.get(lead=lead, type=EventType.CONVERTED)
    assert event.actor == manager
    assert event.params["contact_id"] == conversion.contact_id
    assert event.params["account_created"] is True
    assert event.params["deal_id"] is None
    assert event.params["lead_time_seconds"] == int(conversion.lead_time.total_seconds())
    stage_event = LeadEvent.objects.get(lead=lead, type=EventType.STAGE_CHANGED)
    assert stage_event.params["to_kind"] == "won"


def test_a_consumer_converts_without_an_account(manager, lead):
    conversion = lead_convert(actor=Actor(user=manager), lead=lead, contact=person(), account=None)

    assert conversion.account is None
    assert conversion.contact.account is None
    assert Account.objects.count() == 0


def test_linking_an_existing_contact_and_account_adds_only_new_contact_points(
    manager, lead, company
):
    account = Account.objects.create(name="Acme", owner=manager)
    contact = Contact.objects.create(first_name="Ioana", last_name="Popescu", owner=manager)
    ContactMethod.objects.create(
        contact=contact,
        kind="email",
        value_raw="ioana@acme.ro",
        value="ioana@acme.ro",
        is_primary=True,
    )

    conversion = lead_convert(
        actor=Actor(user=manager), lead=lead, contact=contact, account=account
    )

    assert not conversion.contact_created and not conversion.account_created
    contact.refresh_from_db()
    assert contact.account == account
    assert sorted(contact.methods.values_list("kind", "value", "is_primary")) == [
        ("email", "ioana@acme.ro", True),
        ("phone", "+40721234567", True),
    ]
    assert Contact.objects.count() == 1 and Account.objects.count() == 1


def test_the_client_may_get_another_owner(head, manager, colleague, lead, company):
    conversion = lead_convert(
        actor=Actor(user=head), lead=lead, contact=person(), account=company, owner=colleague
    )

    assert conversion.client_owner == colleague
    assert conversion.lead_owner == manager
    assert conversion.contact.owner == colleague
    assert conversion.account.owner == colleague
    lead.refresh_from_db()
    assert lead.owner == manager


def test_a_manager_cannot_give_the_client_to_a_colleague(manager, colleague, lead, company):
    with pytest.raises(PermissionDenied):
        lead_convert(
            actor=Actor(user=manager), lead=lead, contact=person(), account=company, owner=colleague
        )
    assert_nothing_written()


def test_a_converted_lead_is_refused(manager, lead, company):
    lead_convert(actor=Actor(user=manager), lead=lead, contact=person(), account=company)

    with pytest.raises(ValidationFailed, match="already converted"):
        lead_convert(actor=Actor(user=manager), lead=lead, contact=person(), account=None)
    assert Conversion.objects.count() == 1
    assert Contact.objects.count() == 1
    assert LeadEvent.objects.filter(type=EventType.CONVERTED).count() == 1


def test_a_rejected_lead_is_refused_and_nothing_is_written(manager, lead, company):
    Lead.objects.filter(pk=lead.pk).update(stage=Stage.objects.get(code="rejected"))

    with pytest.raises(ValidationFailed, match="rejected"):
        lead_convert(actor=Actor(user=manager), lead=lead, contact=person(), account=company)
    assert_nothing_written()


def test_a_merged_lead_is_refused(manager, lead, company):
    survivor = LeadFactory(owner=manager)
    Lead.objects.filter(pk=lead.pk).update(merged_into=survivor)

    with pytest.raises(ValidationFailed, match="merged"):
        lead_convert(actor=Actor(user=manager), lead=lead, contact=person(), account=company)
    assert_nothing_written()


def test_missing_required_client_fields_are_named_and_nothing_is_written(manager, lead):
    with pytest.raises(ValidationFailed) as refused:
        lead_convert(
            actor=Actor(user=manager),
            lead=lead,
            contact=person(),
            account=AccountData(name="Acme"),
            deal=DealData(amount="10", currency="EUR"),
        )
    assert set(refused.value.errors) == {
        "account.tax_id",
        "account.registration_number",
        "account.billing_address",
    }
    assert_nothing_written()
    lead.refresh_from_db()
    assert lead.stage.code == "new"


def test_required_fields_are_data(manager, lead):
    ClientField.objects.filter(record="account").update(is_required=False)
    ClientField.objects.create(record="contact", field="language")

    with pytest.raises(ValidationFailed) as refused:
        lead_convert(
            actor=Actor(user=manager), lead=lead, contact=person(), account=AccountData(name="A")
        )
    assert set(refused.value.errors) == {"contact.language"}


@pytest.mark.parametrize(
    ("deal", "field"),
    [
        (DealData(amount="-1", currency="EUR"), "deal.amount"),
        (DealData(amount="ten", currency="EUR"), "deal.amount"),
        (DealData(amount="10", currency="euro"), "deal.currency"),
        (DealData(amount="10", currency="EUR", kind="gift"), "deal.kind"),
    ],
)
def test_a_bad_deal_is_refused_and_nothing_is_written(manager, lead, company, deal, field):
    with pytest.raises(ValidationFailed) as refused:
        lead_convert(
            actor=Actor(user=manager), lead=lead, contact=person(), account=company, deal=deal
        )
    assert refused.value.field == field
    assert_nothing_written()


def test_a_won_deal_closes_at_conversion(manager, lead, company):
    paid = DealStage.objects.get(code="paid")

    conversion = lead_convert(
        actor=Actor(user=manager),
        lead=lead,
        contact=person(),
        account=company,
        deal=DealData(amount="99", currency="USD", stage_id=paid.pk),
    )

    assert conversion.deal.closed_at is not None


def test_a_lead_out_of_sight_is_not_found(outsider, lead, company):
    with pytest.raises(NotFound):
        lead_convert(actor=Actor(user=outsider), lead=lead, contact=person(), account=company)
    assert_nothing_written()


def test_a_contact_out_of_sight_cannot_be_linked(manager, outsider, lead):
    theirs = Contact.objects.create(display_name="Someone", owner=outsider)

    with pytest.raises(NotFound):
        lead_convert(actor=Actor(user=manager), lead=lead, contact=theirs)
    assert Conversion.objects.count() == 0


def test_a_deal_paid_later_sets_the_conversions_lead_time_to_the_money(manager, lead):
    from galena.clients.services import deal_stage_change

    lead.created_at = timezone.now() - dt.timedelta(days=5)
    lead.save()
    conversion = lead_convert(
        actor=Actor(user=manager),
        lead=lead,
        contact=person(),
        deal=DealData(amount="10", currency="EUR"),
    )
    assert conversion.deal.closed_at is None

    deal = deal_stage_change(
        actor=Actor(user=manager), deal=conversion.deal, stage=DealStage.objects.get(code="paid")
    )

    conversion.refresh_from_db()
    assert deal.closed_at is not None
    assert conversion.lead_time == deal.closed_at - conversion.first_contact_at
    reopened = deal_stage_change(
        actor=Actor(user=manager), deal=deal, stage=DealStage.objects.get(code="invoiced")
    )
    assert reopened.closed_at is None


def test_a_deal_out_of_sight_cannot_be_moved(manager, outsider, lead):
    from galena.clients.services import deal_stage_change

    conversion = lead_convert(
        actor=Actor(user=manager),
        lead=lead,
        contact=person(),
        deal=DealData(amount="1", currency="EUR"),
    )

    with pytest.raises(NotFound):
        deal_stage_change(
            actor=Actor(user=outsider),
            deal=conversion.deal,
            stage=DealStage.objects.get(code="paid"),
        )
    conversion.deal.refresh_from_db()
    assert conversion.deal.stage.code == "agreed"


def test_a_refusal_of_the_won_stage_names_the_lead_fields_and_writes_nothing(
    manager, lead, company, monkeypatch
):
    from galena.clients import services

    def refuse(**kwargs):
        raise ValidationFailed({"city": "Fill this in to move the lead to “Converted”."})

    monkeypatch.setattr(services, "lead_change_stage", refuse)

    with pytest.raises(ValidationFailed) as refused:
        lead_convert(actor=Actor(user=manager), lead=lead, contact=person(), account=company)
    assert refused.value.errors == {
        "lead": "Before it is converted, fill this in on the lead's card: city."
    }
    assert_nothing_written()


def test_a_new_account_with_a_known_tax_id_is_refused_with_the_account_to_link(
    manager, lead, company
):
    existing = Account.objects.create(
        name="Acme", tax_id="RO123456", tax_id_normalised="RO123456", owner=manager
    )

    with pytest.raises(ValidationFailed) as refused:
        lead_convert(actor=Actor(user=manager), lead=lead, contact=person(), account=company)

    assert refused.value.errors == {
        "account.tax_id": f"Acme (account #{existing.pk}) has this tax id: link that account instead."
    }
    assert Account.objects.count() == 1 and Conversion.objects.count() == 0


def test_another_teams_account_with_the_tax_id_is_not_named(manager, outsider, lead, company):
    Account.objects.create(
        name="Secret", tax_id="RO123456", tax_id_normalised="RO123456", owner=outsider
    )

    with pytest.raises(ValidationFailed) as refused:
        lead_convert(actor=Actor(user=manager), lead=lead, contact=person(), account=company)

    assert "Secret" not in refused.value.message
    assert "Another team's account has this tax id" in refused.value.message
