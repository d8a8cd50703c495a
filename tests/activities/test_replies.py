"""Inbound replies: a message that answers an e-mail Galena sent attaches to that lead,
whatever address it comes from, and tells LEAD_INQUIRY_HOOKS; it is never a new lead."""

import pytest

from galena.activities.services import email_send
from galena.intake.models import Mailbox, Submission
from galena.leads.models import EventType, Lead, LeadEvent
from tests.activities.helpers import create_lead, manual
from tests.factories import SourceFactory

pytestmark = pytest.mark.usefixtures("commit_callbacks_run")

HEARD: list[dict] = []


def inquiry_hook(**kwargs):
    HEARD.append(kwargs)


@pytest.fixture
def mailbox(team):
    return Mailbox.objects.create(
        name="sales@galena.example",
        source=SourceFactory(name="Sales mailbox", channel="inbound_email"),
        default_team=team,
    )


@pytest.fixture(autouse=True)
def hooks(settings):
    HEARD.clear()
    settings.LEAD_INQUIRY_HOOKS = ["tests.activities.test_replies.inquiry_hook"]


def reply(*, sender: str, in_reply_to: str = "", references: str = "", message_id: str):
    headers = [
        f"From: Someone <{sender}>",
        "To: sales@galena.example",
        "Subject: Re: Our offer",
        f"Message-ID: <{message_id}>",
        "Date: Mon, 23 Nov 2026 10:00:00 +0000",
    ]
    if in_reply_to:
        headers.append(f"In-Reply-To: {in_reply_to}")
    if references:
        headers.append(f"References: {references}")
    body = "Thank you, we accept the offer.\n\n> quoted original"
    return ("\r\n".join(headers) + "\r\n\r\n" + body).encode()


def post(client, mailbox, raw):
    response = client.post(
        f"/api/v1/inbound/email/{mailbox.key}", raw, content_type="message/rfc822"
    )
    assert response.status_code == 201, response.content
    return Submission.objects.get(pk=response.json()["reference"])


def test_a_reply_from_another_address_attaches_to_the_lead_by_in_reply_to(client, mailbox, manager):
    lead = create_lead(actor=manual(manager))
    sent = email_send(actor=manual(manager), lead=lead, subject="Our offer", body="Here it is.")

    submission = post(
        client,
        mailbox,
        reply(sender="boss@solaris.example", in_reply_to=sent.message_id, message_id="r1@x"),
    )

    assert submission.lead == lead and submission.outcome == "attached"
    assert Lead.objects.count() == 1
    received = LeadEvent.objects.get(lead=lead, type=EventType.EMAIL_RECEIVED)
    assert received.params["reply"] is True
    assert received.params["body"].startswith("Thank you, we accept the offer.")
    assert [(h["lead"], h["kind"]) for h in HEARD] == [(lead, "email_reply")]


def test_a_reply_found_by_references_only(client, mailbox, manager):
    lead = create_lead(actor=manual(manager))
    sent = email_send(actor=manual(manager), lead=lead, subject="Our offer", body="Here it is.")

    submission = post(
        client,
        mailbox,
        reply(
            sender="other@solaris.example",
            references=f"<unknown@elsewhere> {sent.message_id}",
            message_id="r2@x",
        ),
    )

    assert submission.lead == lead
    assert Lead.objects.count() == 1


def test_a_message_answering_nothing_of_ours_from_a_new_address_is_a_new_lead(
    client, mailbox, manager
):
    create_lead(actor=manual(manager))

    submission = post(
        client,
        mailbox,
        reply(sender="new@person.example", in_reply_to="<not-ours@x>", message_id="r3@x"),
    )

    assert Lead.objects.count() == 2
    assert submission.lead.pk != Lead.objects.order_by("pk").first().pk
    assert HEARD == []


def test_the_card_shows_the_reply_with_what_it_answers(client, mailbox, manager):
    lead = create_lead(actor=manual(manager))
    sent = email_send(actor=manual(manager), lead=lead, subject="Our offer", body="Here it is.")
    post(
        client,
        mailbox,
        reply(sender="boss@solaris.example", in_reply_to=sent.message_id, message_id="r4@x"),
    )
    client.force_login(manager)

    html = client.get(f"/leads/{lead.pk}/").content.decode()

    assert "Reply received" in html
    assert "Answers “Our offer”" in html
    assert "Thank you, we accept the offer." in html
