"""May a lead get marketing e-mail: consent given and not withdrawn, a valid address that is
not suppressed."""

import pytest

from galena.consent.intake import submission_consents_record
from galena.consent.services import consent_record, marketing_withdrawn, restrict_subject
from galena.leads.models import ContactStatus, EventType, LeadEvent
from galena.leads.services import Actor
from galena.nurture.consent import marketing_email_allowed, marketing_email_allowed_many
from galena.nurture.models import Suppression
from tests.nurture.conftest import make_lead

pytestmark = pytest.mark.django_db


def test_consent_to_marketing_allows():
    lead = make_lead()
    assert marketing_email_allowed(lead) == (True, "")


def test_consent_only_to_be_contacted_is_not_marketing():
    lead = make_lead(consent={"purposes": ["contact"]})
    assert marketing_email_allowed(lead) == (False, "no_consent")


def test_no_consent_at_all_refuses():
    lead = make_lead(consent=None)
    assert marketing_email_allowed(lead) == (False, "no_consent")


def test_a_later_consent_to_other_purposes_withdraws_nothing():
    """The ledger counts per purpose: a later form that only asks to be contacted leaves
    the marketing consent given before as it was (only a withdrawal ends it)."""
    lead = make_lead()
    event = LeadEvent.objects.create(
        lead=lead,
        type=EventType.SUBMISSION_RECEIVED,
        actor_source="web_form",
        params={"consent": {"purposes": ["contact"]}},
    )
    submission_consents_record([(event, None)])
    assert marketing_email_allowed(lead) == (True, "")


def test_an_unsubscribed_lead_is_refused_as_withdrawn():
    lead = make_lead()
    marketing_withdrawn(actor=Actor.system(), email="ana@example.com", method="link")
    assert marketing_email_allowed(lead) == (False, "withdrawn")


def test_a_consent_given_again_after_a_withdrawal_allows_again():
    lead = make_lead()
    marketing_withdrawn(actor=Actor.system(), email="ana@example.com", method="link")
    consent_record(
        actor=Actor.system(),
        lead=lead,
        purpose="marketing_email",
        status="given",
        method="call",
    )
    assert marketing_email_allowed(lead) == (True, "")


def test_the_withdrawal_of_the_same_address_on_another_lead_counts():
    lead = make_lead(email="ana@example.com")
    other = make_lead(email="ana@example.com", consent=None)
    consent_record(
        actor=Actor.system(),
        lead=other,
        purpose="marketing_email",
        status="withdrawn",
        method="email",
    )
    assert marketing_email_allowed(lead) == (False, "withdrawn")


def test_a_blocked_person_is_refused_as_restricted():
    lead = make_lead()
    restrict_subject(actor=Actor.system(), reason="Asked on the phone", email="ana@example.com")
    assert marketing_email_allowed(lead) == (False, "restricted")


def test_a_suppressed_address_is_refused():
    lead = make_lead(email="ana@example.com")
    Suppression.objects.create(email="ana@example.com", method="by_hand")
    assert marketing_email_allowed(lead) == (False, "suppressed")


def test_an_invalid_address_is_refused():
    lead = make_lead(status=ContactStatus.INVALID)
    assert marketing_email_allowed(lead) == (False, "invalid_email")


def test_no_address_is_refused():
    lead = make_lead(email=None)
    assert marketing_email_allowed(lead) == (False, "no_email")


def test_many_leads_are_checked_in_four_queries(django_assert_num_queries):
    """Addresses, suppressions, the ledger and the blocks: one query each, any number."""
    leads = [make_lead(email=f"p{i}@example.com") for i in range(5)]
    with django_assert_num_queries(4):
        found = marketing_email_allowed_many(lead.pk for lead in leads)
    assert all(p.allowed for p in found.values())
