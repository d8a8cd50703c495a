"""A person copied on another lead's meeting invitation (an attendee) is found there and
erased from there — only their address: the e-mail and the meeting stay the lead's."""

import datetime as dt

import pytest
from django.utils import timezone

from galena.activities.models import Meeting, SentEmail
from galena.activities.services import meeting_schedule
from galena.leads.models import ActorSource
from galena.leads.services import Actor
from galena.privacy.access import subject_report
from galena.privacy.erasure import erase_subject
from galena.privacy.subjects import find_subject
from tests.factories import ContactPointFactory, LeadFactory

GUEST = "Ion.Guest@Firma.ro"
LEAD = "ana.marin@example.com"
COLLEAGUE = "dan.popa@firma.ro"


@pytest.fixture(autouse=True)
def mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "sales@galena.example"


@pytest.fixture
def invited(db, admin_user):
    """Ana's meeting, with Ion (who is no lead) and Dan invited too."""
    lead = LeadFactory(first_name="Ana", last_name="Marin")
    ContactPointFactory(lead=lead, kind="email", value=LEAD)
    starts = timezone.now() + dt.timedelta(days=2)
    result = meeting_schedule(
        actor=Actor(user=admin_user, source=ActorSource.MANUAL),
        lead=lead,
        title="Roof survey",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        attendees=[GUEST, COLLEAGUE],
    )
    return lead, result.meeting


def test_the_guest_s_address_finds_the_invitation_and_the_meeting(invited, admin_user):
    subject = find_subject(email=GUEST)

    report = subject_report(subject, actor=admin_user)

    assert subject.lead_ids == frozenset()
    rows = {section.model_label: section.rows for section in report.sections}
    assert [row["to"] for row in rows["activities.SentEmail"]] == [LEAD]
    assert len(rows["activities.Meeting"]) == 1
    assert "leads.Lead" not in rows


def test_erasing_the_guest_takes_out_their_address_and_leaves_the_lead_s_records(
    invited, admin_user
):
    lead, meeting = invited

    result = erase_subject(find_subject(email=GUEST), actor=admin_user, reason="asked")

    sent = SentEmail.objects.get(lead=lead)
    assert (sent.to, sent.cc) == (LEAD, [COLLEAGUE])  # the guest gone, nothing else
    assert sent.subject == "Invitation: Roof survey" and sent.body_text
    assert "guest" not in str(sent.attachments).lower()
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert (meeting.title, meeting.attendees) == ("Roof survey", [COLLEAGUE])
    assert result.counts == {"activities.SentEmail": 1, "activities.Meeting": 1}
    # and a search for the address finds nothing any more
    assert not SentEmail.objects.filter(cc__icontains="guest").exists()


def test_an_unrelated_address_finds_none_of_it(invited, admin_user):
    subject = find_subject(email="someone.else@firma.ro")
    report = subject_report(subject, actor=admin_user)
    assert report.sections == []
