"""E-mails are the person's by the address they went to, not only through a lead: after the
lead's address was corrected, the old address still finds what was sent to it — in the
access report and in the erasure — and the lead, now someone else's address, is not
touched."""

import pytest

from galena.activities.models import SentEmail
from galena.activities.services import email_send
from galena.consent.services import lead_rectify
from galena.leads.models import ActorSource
from galena.leads.services import Actor
from galena.nurture.models import (
    Audience,
    Enrollment,
    FarewellInvitation,
    FarewellQuestionnaire,
    NurtureMessage,
    Sequence,
)
from galena.privacy.access import subject_report
from galena.privacy.erasure import erase_subject
from galena.privacy.subjects import find_subject
from tests.factories import ContactPointFactory, LeadFactory

OLD = "radu.stoica@posta.ro"
NEW = "rstoica@firma.ro"


@pytest.fixture(autouse=True)
def mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "sales@galena.example"


@pytest.fixture
def corrected_lead(db, admin_user):
    """A lead written to at its old address, whose address was then corrected on request."""
    actor = Actor(user=admin_user, source=ActorSource.MANUAL)
    lead = LeadFactory(first_name="Radu", last_name="Stoica")
    ContactPointFactory(lead=lead, kind="email", value=OLD)
    email_send(actor=actor, lead=lead, subject="Your offer", body="Hello Radu, the offer.")
    questionnaire = FarewellQuestionnaire.objects.first()
    FarewellInvitation.objects.create(lead=lead, questionnaire=questionnaire, email=OLD)
    sequence = Sequence.objects.create(name="Later", audience=Audience.DEFERRED)
    enrollment = Enrollment.objects.create(lead=lead, sequence=sequence)
    NurtureMessage.objects.create(
        enrollment=enrollment, lead=lead, step_order=1, email=OLD, subject="News for Radu"
    )
    lead_rectify(actor=actor, lead=lead, contacts={OLD: NEW}, request_reference="DSR-1")
    return lead


def test_the_old_address_finds_no_lead_but_what_was_sent_to_it(corrected_lead, admin_user):
    subject = find_subject(email=OLD)

    report = subject_report(subject, actor=admin_user)

    assert subject.lead_ids == frozenset()
    rows = {section.model_label: section.rows for section in report.sections}
    assert [row["to"] for row in rows["activities.SentEmail"]] == [OLD]
    assert [row["email"] for row in rows["nurture.FarewellInvitation"]] == [OLD]
    assert [row["email"] for row in rows["nurture.NurtureMessage"]] == [OLD]
    assert "leads.Lead" not in rows


def test_erasing_the_old_address_empties_what_was_sent_to_it_and_keeps_the_lead(
    corrected_lead, admin_user
):
    result = erase_subject(find_subject(email=OLD), actor=admin_user, reason="asked")

    sent = SentEmail.objects.get(lead=corrected_lead)
    assert (sent.to, sent.body_text, sent.subject) == ("", "", "Your offer")
    assert FarewellInvitation.objects.get(lead=corrected_lead).email == ""
    assert NurtureMessage.objects.get(lead=corrected_lead).email == ""
    assert result.counts == {
        "activities.SentEmail": 1,
        "nurture.FarewellInvitation": 1,
        "nurture.NurtureMessage": 1,
    }
    corrected_lead.refresh_from_db()
    assert corrected_lead.first_name == "Radu"
    assert list(corrected_lead.contact_points.values_list("value", flat=True)) == [NEW]


def test_the_new_address_finds_the_lead_and_everything_sent_through_it(corrected_lead, admin_user):
    subject = find_subject(email=NEW)

    report = subject_report(subject, actor=admin_user)

    assert subject.lead_ids == {corrected_lead.pk}
    labels = {section.model_label for section in report.sections}
    assert {"activities.SentEmail", "nurture.NurtureMessage", "leads.Lead"} <= labels


def test_an_address_nothing_went_to_finds_nothing(corrected_lead, admin_user):
    report = subject_report(find_subject(email="someone.else@posta.ro"), actor=admin_user)

    assert report.sections == []
