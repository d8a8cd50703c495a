from galena.clients.models import Account, ClientLead, Contact, Conversion, Deal, DealKind
from galena.demo.loader import demo_data_load, demo_data_wipe
from galena.leads.models import EventType, Lead, LeadEvent, StageKind


def test_the_demos_won_leads_are_clients_and_a_reset_wipes_them(db):
    demo_data_load(leads=300, seed=3, progress=False)

    won = Lead.objects.filter(stage__kind=StageKind.WON, merged_into__isnull=True)
    assert won.exists()
    assert Conversion.objects.count() == won.count() == ClientLead.objects.count()
    assert LeadEvent.objects.filter(type=EventType.CONVERTED).count() == won.count()
    for conversion in Conversion.objects.select_related("lead", "deal", "contact"):
        lead = conversion.lead
        assert conversion.deal.lead_id == lead.pk
        assert conversion.deal.amount == lead.deal_value
        assert conversion.converted_at == lead.converted_at
        assert conversion.contact.owner_id == lead.owner_id
        assert conversion.lead_time.total_seconds() >= 0
        assert conversion.contact.created_at == lead.converted_at  # the demo's history
    names = list(Account.objects.values_list("name", flat=True))
    assert len(names) == len({name.casefold() for name in names})
    assert (
        Account.objects.filter(tax_id="").exists()
        or Account.objects.filter(billing_address="").exists()
    )
    assert Deal.objects.exclude(kind=DealKind.NEW).exists()

    demo_data_wipe()

    assert (Conversion.objects.count(), Contact.objects.count(), Account.objects.count()) == (
        0,
        0,
        0,
    )
