"""Two people convert the same lead at the same moment: exactly one conversion."""

import importlib
import threading

import pytest
from django.apps import apps
from django.db import connection

from galena.clients.models import ClientLead, Contact, Conversion, Deal
from galena.clients.services import ContactData, DealData, lead_convert
from galena.core.errors import ValidationFailed
from galena.leads.models import EventType, LeadEvent
from galena.leads.services import Actor
from tests.factories import LeadFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_only_one_of_two_simultaneous_conversions_happens(manager, head, team):
    # a transactional test starts after a flush: the deal stages and client fields again
    importlib.import_module("galena.clients.migrations.0002_seed_deal_stages_required_fields").seed(
        apps, None
    )
    lead = LeadFactory(owner=manager, team=team)
    barrier = threading.Barrier(2)
    outcomes = {}

    def convert(user):
        try:
            barrier.wait()
            lead_convert(
                actor=Actor(user=user),
                lead=lead,
                contact=ContactData(first_name=user.username),
                deal=DealData(amount="100", currency="EUR"),
            )
            outcomes[user.username] = "converted"
        except ValidationFailed as error:
            outcomes[user.username] = error.message
        finally:
            connection.close()

    threads = [threading.Thread(target=convert, args=(u,)) for u in (manager, head)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values()) == [
        "This lead is already converted: open its client card to add a deal.",
        "converted",
    ]
    assert Conversion.objects.count() == 1
    assert Contact.objects.count() == 1
    assert Deal.objects.count() == 1
    assert ClientLead.objects.count() == 1
    assert LeadEvent.objects.filter(lead=lead, type=EventType.CONVERTED).count() == 1
    assert LeadEvent.objects.filter(lead=lead, type=EventType.STAGE_CHANGED).count() == 1
