"""May a lead get marketing e-mail: consent given and not withdrawn, a valid address that is
not suppressed."""

import pytest

from galena.leads.models import ContactStatus, EventType, LeadEvent
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


def test_a_later_consent_without_marketing_replaces_the_earlier():
    lead = make_lead()
    LeadEvent.objects.create(
        lead=lead,
        type=EventType.SUBMISSION_RECEIVED,
        actor_source="web_form",
        params={"consent": {"purposes": ["contact"]}},
    )
    assert marketing_email_allowed(lead) == (False, "no_consent")


def test_an_unsubscribed_lead_is_refused_as_withdrawn():
    lead = make_lead()
    LeadEvent.objects.create(lead=lead, type=EventType.UNSUBSCRIBED, actor_source="email")
    assert marketing_email_allowed(lead) == (False, "withdrawn")


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


def test_many_leads_are_checked_in_three_queries(django_assert_num_queries):
    leads = [make_lead(email=f"p{i}@example.com") for i in range(5)]
    with django_assert_num_queries(3):
        found = marketing_email_allowed_many(lead.pk for lead in leads)
    assert all(p.allowed for p in found.values())
