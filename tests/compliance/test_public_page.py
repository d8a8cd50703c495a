"""The public request page: no login, CSRF, honeypot, throttle, and the e-mail verification
link (signed, expiring) before a request counts as verified."""

import datetime as dt
import re
import time

import pytest
from django.core import mail, signing
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.urls import reverse

from galena.compliance import services
from galena.compliance.models import DataRequest, RequestAction, RequestStatus

pytestmark = pytest.mark.django_db

PAGE = "/data-request/"
LINK = re.compile(r"http://[^\s\"<>]+/data-request/v/([^/\s\"<>]+)/")


def ask(client, **fields):
    data = {"kind": "erase", "email": "Ana.Pop@Example.org", "phone": "", "details": ""}
    data.update(fields)
    return client.post(PAGE, data)


def token_from_mail() -> str:
    assert len(mail.outbox) == 1
    tokens = set(LINK.findall(mail.outbox[0].body))
    assert len(tokens) == 1
    return tokens.pop()


def later(monkeypatch, seconds):
    now = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now + seconds)


def test_the_page_needs_no_login_and_offers_every_kind(client):
    response = client.get(PAGE)

    assert response.status_code == 200
    for kind in ("access", "rectify", "restrict", "erase", "withdraw_consent", "object"):
        assert f'value="{kind}"' in response.text
    assert 'name="website"' in response.text  # the honeypot
    assert "30 days" in response.text


def test_a_request_is_stored_unverified_and_a_link_is_mailed_with_the_deadline(client):
    response = ask(client, phone="0721 234 567", details="Please delete everything.")

    assert response.status_code == 200
    item = DataRequest.objects.get()
    assert item.status == RequestStatus.NEW and item.verified_at is None
    assert item.email == "ana.pop@example.org"
    assert item.phone == "+40721234567"
    assert item.kind == "erase" and item.channel == "public_page"
    assert item.due_at == item.received_at + dt.timedelta(days=30)
    assert "Check your inbox" in response.text
    assert "We will answer by" in response.text
    message = mail.outbox[0]
    assert message.to == ["ana.pop@example.org"]
    assert token_from_mail() in message.alternatives[0][0]  # the HTML part has the link too
    assert "ana.pop@example.org" not in token_from_mail()  # no address in the URL
    assert [e.action for e in item.events.all()] == [RequestAction.RECEIVED]


def test_the_link_verifies_on_post_only_and_tells_the_deadline(client):
    ask(client)
    url = reverse("compliance-public-verify", kwargs={"token": token_from_mail()})
    item = DataRequest.objects.get()

    opened = client.get(url)
    item.refresh_from_db()
    assert opened.status_code == 200 and "Confirm" in opened.text
    assert item.status == RequestStatus.NEW  # a mail scanner opening the link verifies nothing

    confirmed = client.post(url)

    item.refresh_from_db()
    assert confirmed.status_code == 200
    assert "your request is confirmed" in confirmed.text
    assert "We will answer by" in confirmed.text
    assert item.status == RequestStatus.VERIFIED and item.verified_at is not None
    verified = item.events.get(action=RequestAction.VERIFIED)
    assert verified.actor is None and verified.params == {"how": "email_link"}
    again = client.post(url)
    assert "Already confirmed" in again.text
    assert item.events.filter(action=RequestAction.VERIFIED).count() == 1


def test_an_expired_link_is_refused_and_verifies_nothing(client, monkeypatch):
    ask(client)
    url = reverse("compliance-public-verify", kwargs={"token": token_from_mail()})
    later(monkeypatch, 73 * 3600)  # the link works for 72 hours

    response = client.post(url)

    assert response.status_code == 410
    assert "This link has expired" in response.text
    item = DataRequest.objects.get()
    assert item.status == RequestStatus.NEW and item.verified_at is None
    assert not item.events.filter(action=RequestAction.VERIFIED).exists()


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature
        lambda token: signing.dumps({"r": 1, "e": "0" * 32}, salt="another.salt"),
        lambda token: "not-a-token",
    ],
    ids=["tampered", "other-salt", "made-up"],
)
def test_a_forged_link_is_refused_and_verifies_nothing(client, forge):
    ask(client)
    url = reverse("compliance-public-verify", kwargs={"token": forge(token_from_mail())})

    response = client.post(url)

    assert response.status_code == 400
    assert "This link is not valid" in response.text
    assert DataRequest.objects.get().status == RequestStatus.NEW


def test_a_link_signed_for_another_address_is_refused(client):
    ask(client)
    item = DataRequest.objects.get()
    payload = {"r": item.pk, "e": services.email_digest("someone.else@example.org")}
    token = signing.dumps(payload, salt=services.VERIFICATION_SALT)

    response = client.post(reverse("compliance-public-verify", kwargs={"token": token}))

    assert response.status_code == 410
    item.refresh_from_db()
    assert item.status == RequestStatus.NEW


def test_the_honeypot_answers_like_a_success_but_stores_and_sends_nothing(client):
    response = ask(client, website="http://spam.example")

    assert response.status_code == 200
    assert "Check your inbox" in response.text
    assert DataRequest.objects.count() == 0
    assert mail.outbox == []


def test_a_post_without_the_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)

    response = ask(client)

    assert response.status_code == 403
    assert DataRequest.objects.count() == 0
    assert mail.outbox == []


def test_the_page_is_throttled_per_address(client, settings):
    settings.COMPLIANCE_RATE_PER_ADDRESS = 2
    ask(client, email="one@example.org")
    ask(client, email="two@example.org")

    response = ask(client, email="three@example.org")

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "Too many requests" in response.text
    assert sorted(DataRequest.objects.values_list("email", flat=True)) == [
        "one@example.org",
        "two@example.org",
    ]
    assert len(mail.outbox) == 2


def test_a_wrong_address_is_refused_with_the_reason_and_stores_nothing(client):
    response = ask(client, email="not an address")

    assert response.status_code == 400
    assert "This is not a valid e-mail address." in response.text
    assert DataRequest.objects.count() == 0
    assert mail.outbox == []


def test_one_address_gets_at_most_three_unconfirmed_requests_a_day(client, settings):
    settings.COMPLIANCE_RATE_PER_ADDRESS = 0  # the address limit off: the e-mail's own limit
    for _ in range(4):
        response = ask(client)
        assert response.status_code == 200

    assert DataRequest.objects.count() == services.PENDING_PER_EMAIL_PER_DAY
    assert len(mail.outbox) == services.PENDING_PER_EMAIL_PER_DAY


def test_the_deadline_comes_from_the_setting(client, settings):
    settings.COMPLIANCE_REQUEST_DAYS = 10

    ask(client)

    item = DataRequest.objects.get()
    assert item.due_at - item.received_at == dt.timedelta(days=10)


class RefusingMailServer(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")


def test_when_the_mail_server_is_down_the_person_is_told_to_try_again(client, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingMailServer"

    response = ask(client)

    assert response.status_code == 503
    assert "We could not send the confirmation e-mail just now." in response.text
    assert DataRequest.objects.get().status == RequestStatus.NEW  # kept, never confirmed
