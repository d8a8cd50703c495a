"""Double opt-in: the confirmation e-mail, its signed link, and the public page behind it."""

import datetime as dt
import time

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from galena.core.errors import ValidationFailed
from galena.leads.models import ActorSource, EventType, LeadEvent, QualityStatus
from galena.quality import verification
from galena.quality.tasks import send_confirmation
from galena.quality.verification import (
    ConfirmationState,
    confirmation_check,
    confirmation_token,
    lead_confirmation_send,
    lead_email_confirm,
)
from tests.quality.verification_helpers import WEB, create_lead, manual

pytestmark = pytest.mark.django_db

EIGHT_DAYS = 8 * 24 * 3600


@pytest.fixture
def lead(db):
    return create_lead(interest="Solar panels")


def token_for(lead, email="ana@solaris.example"):
    return confirmation_token(lead_id=lead.pk, email=email)


def page_url(token):
    return reverse("verify-confirm", kwargs={"token": token})


def link_in(text):
    start = text.index("http://testserver-site/v/")
    return text[start:].split()[0]


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "http://testserver-site"
    settings.DEFAULT_FROM_EMAIL = "Solaris <hello@solaris.example>"


def events(lead, type):
    return list(LeadEvent.objects.filter(lead=lead, type=type))


def later(monkeypatch, seconds):
    now = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now + seconds)


# --- sending ---------------------------------------------------------------------------


def test_the_confirmation_email_carries_a_working_link_in_text_and_html(lead):
    event = lead_confirmation_send(lead=lead, actor=WEB, submission_id=None)

    (message,) = mail.outbox
    assert message.to == ["ana@solaris.example"]
    assert message.from_email == "Solaris <hello@solaris.example>"
    assert message.subject == "Please confirm your e-mail address"
    assert "Hello Ana," in message.body
    assert "“Solar panels”" in message.body
    link = link_in(message.body)
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert f'href="{link}"' in html
    token = link.removeprefix("http://testserver-site/v/").rstrip("/")
    assert confirmation_check(token=token).state == ConfirmationState.READY
    assert "ana@solaris.example" not in link  # the address is not in the URL
    assert event.type == EventType.VERIFICATION_SENT
    assert event.params["email"] == "ana@solaris.example"
    assert event.params["method"] == "email"
    assert dt.datetime.fromisoformat(event.params["expires_at"]) > event.occurred_at


def test_the_email_is_in_the_leads_language(db):
    lead = create_lead(language="ru-RU")

    lead_confirmation_send(lead=lead, actor=WEB)

    (message,) = mail.outbox
    assert '<html lang="ru">' in message.alternatives[0][0]


def test_the_task_sends_once_per_submission(lead):
    assert send_confirmation.delay(lead_id=lead.pk, submission_id=41).get() is True
    assert send_confirmation.delay(lead_id=lead.pk, submission_id=41).get() is False

    assert len(mail.outbox) == 1
    (sent,) = events(lead, EventType.VERIFICATION_SENT)
    assert sent.params["submission_id"] == 41
    assert sent.actor_source == ActorSource.SYSTEM


def test_another_submission_sends_again(lead):
    send_confirmation(lead_id=lead.pk, submission_id=41)
    send_confirmation(lead_id=lead.pk, submission_id=42)

    assert len(mail.outbox) == 2


def test_the_task_never_mails_a_pseudo_lead(lead):
    lead.quality_status = QualityStatus.REJECTED
    lead.save()

    assert send_confirmation(lead_id=lead.pk, submission_id=1) is False

    assert mail.outbox == []
    assert events(lead, EventType.VERIFICATION_SENT) == []


def test_the_task_does_nothing_for_a_lead_without_an_email(db):
    lead = create_lead(email="")

    assert send_confirmation(lead_id=lead.pk, submission_id=1) is False
    assert send_confirmation(lead_id=999_999, submission_id=1) is False

    assert mail.outbox == []
    assert events(lead, EventType.VERIFICATION_SENT) == []


def test_a_mail_server_failure_records_nothing_so_a_retry_sends(lead, monkeypatch):
    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(verification.EmailMultiAlternatives, "send", refuse)

    with pytest.raises(ConnectionRefusedError):
        lead_confirmation_send(lead=lead, actor=WEB, submission_id=7)

    assert events(lead, EventType.VERIFICATION_SENT) == []


def test_an_address_not_on_the_lead_is_refused(lead):
    with pytest.raises(ValidationFailed) as refused:
        lead_confirmation_send(lead=lead, email="someone@else.example", actor=WEB)

    assert refused.value.field == "email"
    assert mail.outbox == []


def test_a_confirmed_address_is_not_asked_again(lead):
    lead_email_confirm(token=token_for(lead))

    with pytest.raises(ValidationFailed, match="already confirmed"):
        lead_confirmation_send(lead=lead, actor=WEB)

    assert mail.outbox == []


# --- the page: GET shows, POST verifies -------------------------------------------------


def test_opening_the_link_shows_a_button_and_verifies_nothing(client, lead):
    response = client.get(page_url(token_for(lead)))

    assert response.status_code == 200
    assert "Hello Ana" in response.text
    assert 'method="post"' in response.text and "csrfmiddlewaretoken" in response.text
    # nothing personal beyond the first name
    for private in ("Marin", "ana@solaris.example", "722123456", "Solar panels"):
        assert private not in response.text
    assert response["Referrer-Policy"] == "same-origin"
    lead.refresh_from_db()
    assert lead.verification == "unverified"
    assert not lead.contact_points.get(kind="email").verified
    assert events(lead, EventType.VERIFIED) == []


def test_a_link_checker_probing_with_head_verifies_nothing(client, lead):
    assert client.head(page_url(token_for(lead))).status_code == 200

    lead.refresh_from_db()
    assert lead.verification == "unverified"
    assert events(lead, EventType.VERIFIED) == []


def test_pressing_confirm_verifies_the_lead_and_the_address(lead):
    client = Client(enforce_csrf_checks=True)
    url = page_url(token_for(lead))
    client.get(url)

    response = client.post(url, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})

    assert response.status_code == 200
    assert "Your e-mail address is confirmed" in response.text
    lead.refresh_from_db()
    assert (lead.verification, lead.verification_method) == ("verified", "email")
    assert lead.verified_at is not None
    email = lead.contact_points.get(kind="email")
    assert email.verified and email.verified_at == lead.verified_at
    assert not lead.contact_points.get(kind="phone").verified
    (verified,) = events(lead, EventType.VERIFIED)
    assert verified.actor_source == ActorSource.WEB_FORM
    assert verified.params["method"] == "email"
    assert verified.params["email"] == "ana@solaris.example"


def test_a_post_without_the_csrf_token_is_refused_and_writes_nothing(lead):
    client = Client(enforce_csrf_checks=True)

    response = client.post(page_url(token_for(lead)))

    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.verification == "unverified"
    assert events(lead, EventType.VERIFIED) == []


def test_confirming_twice_says_already_confirmed(client, lead):
    url = page_url(token_for(lead))
    client.post(url)

    again = client.post(url)
    opened = client.get(url)

    assert again.status_code == 200 and "Already confirmed" in again.text
    assert "Already confirmed" in opened.text
    assert len(events(lead, EventType.VERIFIED)) == 1


def test_an_expired_link_says_so_and_writes_nothing(client, lead, monkeypatch):
    url = page_url(token_for(lead))
    later(monkeypatch, EIGHT_DAYS)

    response = client.post(url)

    assert response.status_code == 410
    assert "This link has expired" in response.text
    assert "7 days" in response.text
    lead.refresh_from_db()
    assert lead.verification == "unverified"
    assert events(lead, EventType.VERIFIED) == []


def test_an_expired_link_offers_a_new_one_that_works(client, lead, monkeypatch):
    url = page_url(token_for(lead))
    later(monkeypatch, EIGHT_DAYS)
    assert 'name="action" value="renew"' in client.get(url).text

    response = client.post(url, {"action": "renew"})

    assert response.status_code == 200
    assert "A new confirmation link is on its way" in response.text
    (message,) = mail.outbox
    assert message.to == ["ana@solaris.example"]
    (sent,) = events(lead, EventType.VERIFICATION_SENT)
    assert sent.actor_source == ActorSource.WEB_FORM
    fresh = link_in(message.body).removeprefix("http://testserver-site")
    assert client.post(fresh).status_code == 200
    lead.refresh_from_db()
    assert lead.verification == "verified"


def test_a_new_link_is_not_sent_again_within_minutes(client, lead, monkeypatch):
    url = page_url(token_for(lead))
    later(monkeypatch, EIGHT_DAYS)
    client.post(url, {"action": "renew"})

    again = client.post(url, {"action": "renew"})

    assert again.status_code == 429
    assert "sent a few minutes ago" in again.text
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("token", "status"), [(lambda lead: token_for(lead), 200), (lambda lead: "made-up", 400)]
)
def test_only_an_expired_link_can_ask_for_a_new_one(client, lead, token, status):
    response = client.post(page_url(token(lead)), {"action": "renew"})

    assert response.status_code == status
    assert mail.outbox == []
    lead.refresh_from_db()
    assert lead.verification == "unverified"


def test_an_expired_link_to_a_confirmed_address_says_already_confirmed(client, lead, monkeypatch):
    token = token_for(lead)
    lead_email_confirm(token=token)
    later(monkeypatch, EIGHT_DAYS)

    response = client.get(page_url(token))

    assert response.status_code == 200
    assert "Already confirmed" in response.text


def test_a_link_works_until_the_configured_age(client, lead, monkeypatch, settings):
    settings.QUALITY_CONFIRMATION_MAX_AGE_DAYS = 10
    url = page_url(token_for(lead))
    later(monkeypatch, EIGHT_DAYS)

    assert client.get(url).status_code == 200


def test_expiry_can_be_given_as_max_age(lead):
    token = token_for(lead)

    expired = lead_email_confirm(token=token, max_age=dt.timedelta(seconds=-1))

    assert expired.state == ConfirmationState.EXPIRED
    lead.refresh_from_db()
    assert lead.verification == "unverified"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature changed
        lambda token: token[:10],  # cut while copying
        lambda token: "made-up",
        lambda token: signing.dumps({"l": 1, "e": "x"}, salt="another.salt"),
    ],
)
def test_a_tampered_link_is_refused_and_writes_nothing(client, lead, mangle):
    response = client.post(page_url(mangle(token_for(lead))))

    assert response.status_code == 400
    assert "This link is not valid" in response.text
    assert "Ana" not in response.text
    lead.refresh_from_db()
    assert lead.verification == "unverified"
    assert events(lead, EventType.VERIFIED) == []


def test_a_link_for_an_address_no_longer_on_the_lead_is_gone(client, lead):
    url = page_url(token_for(lead))
    lead.contact_points.filter(kind="email").update(value="ana.new@solaris.example")

    response = client.post(url)

    assert response.status_code == 410
    assert "no longer on file" in response.text
    lead.refresh_from_db()
    assert lead.verification == "unverified"
    assert events(lead, EventType.VERIFIED) == []


def test_a_link_for_a_deleted_lead_is_gone(client, lead):
    url = page_url(token_for(lead))
    lead.delete()

    assert client.get(url).status_code == 410


def test_the_address_matches_whatever_its_case(client, lead):
    response = client.post(page_url(token_for(lead, "Ana@Solaris.Example")))

    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.verification == "verified"


def test_confirming_after_a_call_keeps_the_first_method(client, lead, manager):
    lead.owner = manager
    lead.save()
    verification.lead_call_log(actor=manual(manager), lead=lead, outcome="confirmed")

    client.post(page_url(token_for(lead)))

    lead.refresh_from_db()
    assert lead.verification_method == "call"
    assert lead.contact_points.get(kind="email").verified
    email_event = events(lead, EventType.VERIFIED)[0]
    assert email_event.params == {
        "method": "email",
        "email": "ana@solaris.example",
        "lead_verified": False,
    }


def test_the_page_speaks_the_leads_language(client, lead):
    lead.language = "ru"
    lead.save()

    response = client.get(page_url(token_for(lead)))

    assert '<html lang="ru">' in response.text


# --- resending from the card -----------------------------------------------------------


def resend_url(lead):
    return reverse("lead-confirmation-resend", args=[lead.pk])


@pytest.fixture
def owned(manager):
    return create_lead(actor=manual(manager))


def test_a_manager_resends_the_confirmation(client, manager, owned):
    client.force_login(manager)

    response = client.post(resend_url(owned), {"email": "ana@solaris.example"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("lead-detail", args=[owned.pk])
    assert "Confirmation link sent to ana@solaris.example" in response.text
    (message,) = mail.outbox
    assert message.to == ["ana@solaris.example"]
    (sent,) = events(owned, EventType.VERIFICATION_SENT)
    assert sent.actor == manager
    assert sent.actor_source == ActorSource.MANUAL


def test_resending_to_a_confirmed_address_explains_why_not(client, manager, owned):
    lead_email_confirm(token=token_for(owned))
    client.force_login(manager)

    response = client.post(resend_url(owned), follow=True)

    assert "already confirmed" in response.text
    assert mail.outbox == []


def test_someone_who_may_not_see_the_lead_cannot_resend(client, outsider, owned):
    client.force_login(outsider)

    response = client.post(resend_url(owned))

    assert response.status_code == 404
    assert mail.outbox == []
    assert events(owned, EventType.VERIFICATION_SENT) == []


def test_a_marketer_cannot_resend(client, marketer, owned):
    client.force_login(marketer)

    assert client.post(resend_url(owned)).status_code == 403
    assert mail.outbox == []


def test_resending_needs_a_post(client, manager, owned):
    client.force_login(manager)

    assert client.get(resend_url(owned)).status_code == 405
    assert mail.outbox == []
