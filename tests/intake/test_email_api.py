"""POST /api/v1/inbound/email/<mailbox key>: a raw message is stored as received and becomes
a lead, or an event on the lead whose address sent it."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from galena.intake.models import Mailbox, Submission
from galena.intake.services import submissions_retry
from galena.leads.models import ContactPoint, EventType, Lead, LeadEvent
from tests.factories import CampaignFactory, SourceFactory

pytestmark = pytest.mark.usefixtures("commit_callbacks_run")

EMAILS = Path(__file__).parent / "emails"


@pytest.fixture
def mailbox(team):
    source = SourceFactory(name="Sales mailbox", channel="inbound_email")
    return Mailbox.objects.create(
        name="vanzari@solaris.ro",
        source=source,
        campaign=CampaignFactory(source=source, name="Always on"),
        default_team=team,
    )


def post_message(client, mailbox, raw: bytes, content_type="message/rfc822"):
    return client.post(f"/api/v1/inbound/email/{mailbox.key}", raw, content_type=content_type)


def fixture(name: str) -> bytes:
    return (EMAILS / name).read_bytes()


def nothing_written():
    return (Submission.objects.count(), Lead.objects.count(), LeadEvent.objects.count()) == (
        0,
        0,
        0,
    )


def test_a_message_becomes_a_lead_with_its_text_and_the_mailbox_attribution(client, mailbox, team):
    raw = fixture("multipart_alternative.eml")

    response = post_message(client, mailbox, raw)

    assert response.status_code == 201
    submission = Submission.objects.get()
    assert response.json() == {"status": "accepted", "reference": submission.pk}
    assert submission.raw_body.encode() == raw
    assert submission.idempotency_key == "CAF7x9Qm2Lp+3kR0vYt=Zp8nN1w@mail.gmail.com"
    assert submission.status == "processed"
    lead = submission.lead
    assert (lead.first_name, lead.last_name) == ("Ana", "Marin")
    assert lead.interest == "Cerere ofertă panouri solare"
    assert lead.comment.startswith("Bună ziua,\n\nAș dori o ofertă")
    assert (lead.source, lead.campaign, lead.team) == (mailbox.source, mailbox.campaign, team)
    assert lead.channel == "inbound_email"
    assert list(lead.contact_points.values_list("kind", "value")) == [
        ("email", "ana.marin@gmail.com")
    ]
    email_event = LeadEvent.objects.get(lead=lead, type=EventType.EMAIL_RECEIVED)
    assert email_event.params["subject"] == "Cerere ofertă panouri solare"
    assert email_event.actor_source == "email"


def test_the_same_message_twice_is_stored_once(client, mailbox):
    raw = fixture("multipart_alternative.eml")

    first = post_message(client, mailbox, raw)
    again = post_message(client, mailbox, raw)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["reference"] == first.json()["reference"]
    assert Submission.objects.count() == 1
    assert Lead.objects.count() == 1


def test_eight_bit_cyrillic_is_stored_byte_for_byte_and_read_correctly(client, mailbox):
    raw = fixture("cyrillic_windows1251.eml")

    post_message(client, mailbox, raw)

    submission = Submission.objects.get()
    assert submission.payload["raw_encoding"] == "latin-1"
    assert submission.raw_body.encode("latin-1") == raw
    lead = submission.lead
    assert (lead.first_name, lead.last_name) == ("Иван", "Петров")
    assert lead.interest == "Запрос цены на станок"
    assert "ООО «Металл»" not in lead.comment


def test_a_reply_from_a_known_address_is_an_event_on_that_lead(client, mailbox):
    post_message(client, mailbox, fixture("multipart_alternative.eml"))
    lead = Lead.objects.get()

    response = post_message(client, mailbox, fixture("reply_known.eml"))

    assert response.status_code == 201
    assert Lead.objects.count() == 1
    reply = Submission.objects.get(idempotency_key="CAF7x9QnReply01@mail.gmail.com")
    assert (reply.outcome, reply.lead) == ("attached", lead)
    event = LeadEvent.objects.filter(lead=lead, type=EventType.EMAIL_RECEIVED).first()
    assert event.params["subject"] == "Re: Oferta sistem fotovoltaic 10 kW"
    assert event.params["in_reply_to"] == "offer-2026-0412@solaris.ro"
    assert event.params["body"].startswith("Mulțumesc pentru ofertă.")
    assert LeadEvent.objects.filter(lead=lead, type=EventType.SUBMISSION_RECEIVED).count() == 2


def test_attachments_are_listed_on_the_event_not_stored_as_files(client, mailbox):
    post_message(client, mailbox, fixture("with_attachment.eml"))

    event = LeadEvent.objects.get(type=EventType.EMAIL_RECEIVED)
    assert event.params["attachments"] == [
        {
            "name": "Pliego de condiciones – nave.pdf",
            "content_type": "application/pdf",
            "size": 1540,
        }
    ]


@override_settings(INTAKE_EMAIL_KEEP_BYTES=1000)
def test_a_large_message_is_kept_without_its_attachments_contents(client, mailbox):
    raw = fixture("with_attachment.eml")

    post_message(client, mailbox, raw)

    submission = Submission.objects.get()
    assert submission.payload["attachments_removed"] is True
    assert submission.payload["size"] == len(raw)
    assert len(submission.raw_body) < len(raw)
    event = LeadEvent.objects.get(type=EventType.EMAIL_RECEIVED)
    assert event.params["attachments"][0]["size"] == 1540
    assert event.params["attachments_removed"] is True


def test_a_malformed_message_is_stored_then_failed_with_a_clear_error_and_retryable(
    client, mailbox
):
    response = post_message(client, mailbox, fixture("malformed.eml"))

    assert response.status_code == 201
    submission = Submission.objects.get()
    assert submission.status == "failed"
    assert "The message has no sender address" in submission.error
    assert Lead.objects.count() == 0
    assert submissions_retry() == {"failed": 1}
    submission.refresh_from_db()
    assert submission.attempts == 2


def test_a_multipart_upload_field_is_accepted(client, mailbox):
    upload = SimpleUploadedFile("message.eml", fixture("romanian_qp.eml"), "message/rfc822")

    response = client.post(f"/api/v1/inbound/email/{mailbox.key}", {"message": upload})

    assert response.status_code == 201
    assert Lead.objects.get().interest == "Ofertă încălzire"


def test_plain_text_body_is_accepted(client, mailbox):
    response = post_message(client, mailbox, fixture("cyrillic_koi8r.eml"), "text/plain")

    assert response.status_code == 201
    assert Lead.objects.get().display_name == "Ольга Смирнова"


def test_an_outlook_style_name_is_turned_round(client, mailbox):
    post_message(client, mailbox, fixture("html_only.eml"))

    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name) == ("Pekka", "Virtanen")
    assert lead.contact_points.get().value == "pekka.virtanen@virtanen.fi"


def test_unknown_mailbox_key_is_404_and_nothing_is_stored(client, db):
    response = client.post(
        "/api/v1/inbound/email/m_nope", fixture("romanian_qp.eml"), content_type="message/rfc822"
    )

    assert response.status_code == 404
    assert "No mailbox has this key" in response.json()["error"]["message"]
    assert nothing_written()


def test_disabled_mailbox_is_410(client, mailbox):
    mailbox.is_active = False
    mailbox.save()

    response = post_message(client, mailbox, fixture("romanian_qp.eml"))

    assert response.status_code == 410
    assert nothing_written()


def test_an_empty_body_is_refused(client, mailbox):
    response = post_message(client, mailbox, b"  \r\n")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "message"
    assert nothing_written()


def test_json_is_not_a_message(client, mailbox):
    response = post_message(client, mailbox, b'{"from": "a@b.c"}', "application/json")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "Content-Type"
    assert nothing_written()


def test_an_upload_without_the_message_field_is_refused(client, mailbox):
    response = client.post(f"/api/v1/inbound/email/{mailbox.key}", {"other": "x"})

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "message"
    assert nothing_written()


@override_settings(INTAKE_MAX_EMAIL_BYTES=500)
def test_an_oversize_message_is_refused(client, mailbox):
    response = post_message(client, mailbox, fixture("with_attachment.eml"))

    assert response.status_code == 413
    assert "limit is 500" in response.json()["error"]["message"]
    assert nothing_written()


def test_a_contact_point_from_another_lead_is_matched_case_insensitively(client, mailbox):
    post_message(client, mailbox, fixture("multipart_alternative.eml"))

    post_message(client, mailbox, fixture("reply_known.eml"))  # From: Ana.Marin@gmail.com

    assert ContactPoint.objects.filter(value="ana.marin@gmail.com").count() == 1
