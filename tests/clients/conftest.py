import pytest

from galena.leads.models import ContactKind
from tests.factories import ContactPointFactory, LeadFactory


@pytest.fixture
def lead(manager, team):
    """A manager's lead with an e-mail and a phone, in the pipeline."""
    lead = LeadFactory(
        first_name="Ioana",
        last_name="Popescu",
        display_name="Ioana Popescu",
        company_name="Acme Logistics SRL",
        position="Buyer",
        interest="Fleet tracking",
        owner=manager,
        team=team,
        name_translit="ioana popescu",
    )
    ContactPointFactory(
        lead=lead, kind=ContactKind.EMAIL, value_raw="Ioana@Acme.ro", value="ioana@acme.ro"
    )
    ContactPointFactory(
        lead=lead, kind=ContactKind.PHONE, value_raw="0721 234 567", value="+40721234567"
    )
    return lead


@pytest.fixture
def company():
    from galena.clients.services import AccountData

    return AccountData(
        name="Acme Logistics",
        legal_name="Acme Logistics SRL",
        tax_id="RO 123 456",
        registration_number="J40/1234/2020",
        billing_address="Str. Lunga 1, Bucharest",
        country="ro",
    )
