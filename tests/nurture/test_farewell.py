"""The farewell e-mail and its questionnaire: sent once on rejection for the configured
reasons or by hand, answered once on a public signed page, reported."""

import time

import pytest
from django.core import mail, signing
from django.urls import reverse

from galena.core.errors import ValidationFailed
from galena.leads.models import EventType, LeadEvent, RejectionReason
from galena.leads.services import Actor, lead_reject
from galena.nurture.models import FarewellAnswer, FarewellInvitation, Suppression
from galena.nurture.services import farewell_send, farewell_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def on_commit(django_capture_on_commit_callbacks):
    """The farewell goes after the rejection's commit: run what waits for it."""
    global RUN_ON_COMMIT
    RUN_ON_COMMIT = django_capture_on_commit_callbacks


def reject(lead, user, code="no_budget"):
    with RUN_ON_COMMIT(execute=True):
        return lead_reject(
            actor=Actor(user=user), lead=lead, reason=RejectionReason.objects.get(code=code)
        )


def test_rejection_sends_the_farewell_with_its_link(lead, manager):
    reject(lead, manager)
    invitation = FarewellInvitation.objects.get(lead=lead)
    assert invitation.rejection_reason_code == "no_budget"
    (message,) = mail.outbox
    assert message.to == ["ana@example.com"]
    assert message.subject == "A few words before we part"
    assert "Hello Ana" in message.body
    assert "/q/" in message.body and "/u/" in message.body
    event = LeadEvent.objects.get(lead=lead, type=EventType.FAREWELL_SENT)
    assert event.params["invitation_id"] == invitation.pk
    assert event.params["automatic"] is True


def test_no_farewell_for_an_unreachable_lead(lead, manager):
    reject(lead, manager, code="unreachable")
    assert not FarewellInvitation.objects.exists()
    assert mail.outbox == []


def test_a_suppressed_address_gets_no_farewell(lead, manager):
    Suppression.objects.create(email="ana@example.com", method="by_hand")
    reject(lead, manager)
    assert not FarewellInvitation.objects.exists()
    assert mail.outbox == []


def test_by_hand_it_is_sent_once_and_then_refused(lead, manager):
    reject(lead, manager, code="unreachable")
    with RUN_ON_COMMIT(execute=True):
        farewell_send(actor=Actor(user=manager), lead=lead)
    with pytest.raises(ValidationFailed, match="went to this lead"):
        farewell_send(actor=Actor(user=manager), lead=lead)
    assert FarewellInvitation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_an_open_lead_gets_no_farewell(lead, manager):
    with pytest.raises(ValidationFailed, match="Only a rejected lead"):
        farewell_send(actor=Actor(user=manager), lead=lead)
    assert not FarewellInvitation.objects.exists()


@pytest.fixture
def invitation(lead, manager):
    reject(lead, manager)
    return FarewellInvitation.objects.get(lead=lead)


def page(invitation):
    return reverse("nurture-questionnaire", args=[farewell_token(invitation)])


ANSWERS = {
    "why_not_us": "The price",
    "handling": "4",
    "change_mind": "A discount",
    "may_write_later": "Yes",
}


def test_the_questionnaire_page_works_without_login(client, invitation):
    response = client.get(page(invitation))
    assert response.status_code == 200
    assert "Why did you decide not to go ahead with us?" in response.text
    assert 'type="radio"' in response.text
    assert "<script" not in response.text.split("</head>")[1]


def test_answers_are_stored_on_the_lead_once(client, invitation, lead):
    response = client.post(page(invitation), ANSWERS)
    assert "Thank you for your answers" in response.text
    answer = FarewellAnswer.objects.get()
    assert answer.answers == {**ANSWERS, "handling": 4}
    assert answer.may_write_later is True
    lead.refresh_from_db()
    assert lead.attributes["farewell"]["why_not_us"] == "The price"
    assert LeadEvent.objects.filter(lead=lead, type=EventType.FAREWELL_ANSWERED).count() == 1

    again = client.post(page(invitation), {**ANSWERS, "why_not_us": "Other"})
    assert "Already answered" in again.text
    assert FarewellAnswer.objects.get().answers["why_not_us"] == "The price"


def test_a_no_to_writing_later_suppresses_the_address(client, invitation):
    client.post(page(invitation), {**ANSWERS, "may_write_later": "No"})
    assert Suppression.objects.get().method == "questionnaire"


def test_an_answer_outside_the_choices_is_refused_and_nothing_stored(client, invitation):
    response = client.post(page(invitation), {**ANSWERS, "why_not_us": "<script>x</script>"})
    assert response.status_code == 400
    assert "Choose one of the answers offered" in response.text
    assert "<script>x" not in response.text
    assert not FarewellAnswer.objects.exists()


def test_an_expired_link_says_so(client, invitation, monkeypatch):
    token = farewell_token(invitation)
    later = time.time() + 61 * 24 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: later)
    response = client.get(reverse("nurture-questionnaire", args=[token]))
    assert response.status_code == 410
    assert "has closed" in response.text


def test_the_page_speaks_the_leads_language(client, invitation):
    FarewellInvitation.objects.update(language="ro")
    response = client.get(page(invitation))
    assert 'lang="ro"' in response.text


def test_a_tampered_questionnaire_link_is_refused(client, invitation):
    response = client.get(page(invitation)[:-3] + "xx/")
    assert response.status_code == 400
