"""The ledger and the blocks are declared to the privacy registry: a person's access report
shows them, and erasure leaves none of their values in them."""

import pytest

from galena.consent.models import ConsentRecord, RestrictedValue, Restriction
from galena.consent.services import consent_record, restrict_subject
from galena.leads.services import Actor
from galena.privacy.access import subject_report
from galena.privacy.erasure import erase_subject
from galena.privacy.registry import undeclared_models
from galena.privacy.subjects import find_subject
from tests.consent.conftest import make_lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(manager, head, lead):
    """Ana's consent, with evidence, and a block that names her in its reason."""
    consent_record(
        actor=Actor(user=manager),
        lead=lead,
        purpose="marketing_email",
        status="given",
        method="call",
        evidence={"ip": "203.0.113.7", "note": "Ana said yes"},
    )
    restrict_subject(actor=Actor(user=head), lead=lead, reason="ana@example.com asked to stop")
    return lead


def test_the_consent_tables_are_declared():
    assert not {m for m in undeclared_models() if m.startswith("consent.")}


def test_the_access_report_shows_the_consents_and_the_block(admin_user, held):
    report = subject_report(find_subject(email="ana@example.com"), actor=admin_user)
    labels = {section.model_label for section in report.sections}
    assert {"consent.ConsentRecord", "consent.Restriction", "consent.RestrictedValue"} <= labels


def test_erasure_leaves_none_of_the_persons_values(admin_user, held, manager):
    other = make_lead(owner=manager, email="bo@example.com")
    consent_record(
        actor=Actor(user=manager),
        lead=other,
        purpose="marketing_email",
        status="given",
        method="call",
    )
    erase_subject(find_subject(email="ana@example.com"), actor=admin_user, reason="Asked")
    anas = ConsentRecord.objects.exclude(lead=other)
    for record in anas:
        assert "ana@example.com" not in (record.email, str(record.evidence))
        assert record.phone != "+40722123456" and "203.0.113.7" not in str(record.evidence)
        assert record.status == "given" and record.purpose == "marketing_email"  # the figure stays
    assert not RestrictedValue.objects.filter(
        value__in=["ana@example.com", "+40722123456"]
    ).exists()
    assert "ana@example.com" not in Restriction.objects.get().reason
    assert ConsentRecord.objects.get(lead=other).email == "bo@example.com"
