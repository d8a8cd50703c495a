"""The quality stage reads a national number in the person's own country when the channel
gave it (an import row, an ad form), before the form's, source's or business's default."""

from django.utils import timezone

from galena.intake.contract import Attribution, ParsedSubmission, Person
from galena.intake.pipeline import run_stages
from galena.leads.services import ContactInput
from galena.quality.stage import quality


def decide(country: str, number: str):
    parsed = ParsedSubmission(
        channel="import",
        received_at=timezone.now(),
        person=Person(first_name="Aino", last_name="Virtanen", country=country),
        contacts=[ContactInput(kind="phone", value=number)],
        attribution=Attribution(channel="import"),
    )
    (decision,) = run_stages([parsed], [quality])
    return decision


def test_a_finnish_number_on_a_finnish_row_is_valid_whatever_the_default(db, settings):
    settings.DEFAULT_REGION = "RO"

    decision = decide("FI", "040 123 4567")

    (contact,) = decision.parsed.contacts
    assert (contact.normalised, contact.status) == ("+358401234567", "valid")
    assert not [r for r in decision.reasons if r.code.startswith("phone_")]


def test_without_a_country_the_default_region_reads_it(db, settings):
    settings.DEFAULT_REGION = "FI"

    (contact,) = decide("", "040 123 4567").parsed.contacts

    assert contact.normalised == "+358401234567"
