"""Sending e-mail to a lead: rendered from merge fields, stored, tracked, and never lost."""

import datetime as dt

import pytest
from django.core import mail

from galena.activities.models import EmailKind, EmailStatus, EmailTemplate, SentEmail, Signature
from galena.activities.services import email_preview, email_retry, email_send
from galena.consent.services import consent_record
from galena.core.errors import NotFound, ValidationFailed
from galena.leads.models import EventType, LeadEvent
from galena.leads.services import Actor
from tests.activities.helpers import create_lead, manual

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(manager):
    manager.first_name, manager.last_name, manager.email = "Mara", "Pop", "mara@galena.example"
    manager.save()
    return create_lead(actor=manual(manager), company_name="Solaris", interest="Solar panels")


def test_sends_the_rendered_e_mail_to_the_primary_address_and_stores_it(manager, lead):
    Signature.objects.create(user=manager, text="Mara Pop\nGalena Sales")

    sent = email_send(
        actor=manual(manager),
        lead=lead,
        subject="About {{ interest }}",
        body="Hello {{ first_name }} of {{ company }},\nsee https://galena.example/x\n\n{{ signature }}",
    )

    assert sent.status == EmailStatus.SENT and sent.attempts == 1 and sent.error == ""
    (message,) = mail.outbox
    assert message.to == ["ana@solaris.example"]
    assert message.subject == "About Solar panels"
    assert message.from_email == "Mara Pop <sales@galena.example>"
    assert message.reply_to == ["mara@galena.example"]
    assert message.extra_headers["Message-ID"] == sent.message_id
    assert message.body == (
        "Hello Ana of Solaris,\nsee https://galena.example/x\n\nMara Pop\nGalena Sales"
    )
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "https://crm.galena.example/t/" in html  # the link and the pixel are tracked
    assert 'href="https://galena.example/x"' not in html
    assert sent.body_text == message.body and sent.to == "ana@solaris.example"
    (event,) = LeadEvent.objects.filter(lead=lead, type=EventType.EMAIL_SENT)
    assert event.actor == manager
    assert event.params["sent_email_id"] == sent.pk
    assert event.params["subject"] == "About Solar panels"


def test_merge_values_are_escaped_in_the_html_part(manager):
    lead = create_lead(actor=manual(manager), first_name="<script>x</script>")

    sent = email_send(actor=manual(manager), lead=lead, subject="Hi", body="Dear {{ first_name }}")

    assert "<script>" not in sent.body_html
    assert "&lt;script&gt;" in sent.body_html
    assert sent.body_text == "Dear <script>x</script>"


@pytest.mark.parametrize(
    "body",
    ["{% debug %}", "{% include 'base.html' %}", "{{ settings.SECRET_KEY }}", "{% load static %}"],
)
def test_a_template_may_use_only_the_offered_merge_fields(manager, lead, body):
    with pytest.raises(ValidationFailed) as refused:
        email_send(actor=manual(manager), lead=lead, subject="Hi", body=body)

    assert refused.value.field == "body"
    assert SentEmail.objects.count() == 0 and mail.outbox == []


def test_a_failing_mail_server_stores_the_failure_and_a_retry_sends_it(manager, lead, settings):
    settings.EMAIL_BACKEND = "tests.activities.helpers.RefusingBackend"

    sent = email_send(actor=manual(manager), lead=lead, subject="Hi", body="Hello")

    sent.refresh_from_db()
    assert sent.status == EmailStatus.FAILED
    assert "Connection refused" in sent.error and sent.attempts == 1
    assert not LeadEvent.objects.filter(lead=lead, type=EventType.EMAIL_SENT).exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retried = email_retry(actor=manual(manager), sent_email=sent)

    assert retried.status == EmailStatus.SENT and retried.attempts == 2
    assert mail.outbox[0].extra_headers["Message-ID"] == sent.message_id
    assert LeadEvent.objects.filter(lead=lead, type=EventType.EMAIL_SENT).count() == 1


def test_marketing_e_mail_carries_the_unsubscribe_link_and_headers(manager, lead):
    consent_record(  # marketing needs the person's consent in the ledger
        actor=Actor.system(), lead=lead, purpose="marketing_email", status="given", method="call"
    )
    sent = email_send(
        actor=manual(manager),
        lead=lead,
        subject="News",
        body="Hello",
        kind=EmailKind.MARKETING,
        unsubscribe_url="https://crm.galena.example/u/abc/",
        event_type=EventType.NURTURE_SENT,
    )

    (message,) = mail.outbox
    assert message.extra_headers["List-Unsubscribe"] == "<https://crm.galena.example/u/abc/>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "https://crm.galena.example/u/abc/" in message.body
    assert sent.kind == EmailKind.MARKETING
    assert LeadEvent.objects.filter(lead=lead, type=EventType.NURTURE_SENT).count() == 1


def test_only_the_lead_s_own_addresses_are_written_to(manager, lead):
    with pytest.raises(ValidationFailed) as refused:
        email_send(
            actor=manual(manager), lead=lead, subject="Hi", body="x", to="someone@else.example"
        )

    assert refused.value.field == "to"
    assert mail.outbox == [] and SentEmail.objects.count() == 0


def test_a_lead_without_e_mail_is_refused_with_what_to_do(manager):
    lead = create_lead(actor=manual(manager), email="")

    with pytest.raises(ValidationFailed) as refused:
        email_send(actor=manual(manager), lead=lead, subject="Hi", body="x")

    assert "add one" in refused.value.message


def test_someone_else_s_lead_is_not_found(manager, colleague, lead):
    with pytest.raises(NotFound):
        email_send(actor=manual(colleague), lead=lead, subject="Hi", body="x")

    assert mail.outbox == [] and SentEmail.objects.count() == 0


def test_sending_answers_the_lead(manager, lead):
    email_send(actor=manual(manager), lead=lead, subject="Hi", body="x")

    lead.refresh_from_db()
    assert lead.first_response_at is not None


def test_preview_renders_without_writing(manager, lead):
    template = EmailTemplate.objects.get(name="First contact after an inquiry")

    preview = email_preview(lead=lead, sender=manager, subject=template.subject, body=template.body)

    assert preview.subject == "Your inquiry about Solar panels"
    assert preview.text.startswith("Hello Ana,")
    assert "for Solaris" in preview.text
    assert SentEmail.objects.count() == 0


def test_the_seeded_templates_all_render(manager, lead):
    for template in EmailTemplate.objects.all():
        rendered = email_preview(
            lead=lead, sender=manager, subject=template.subject, body=template.body
        )
        assert rendered.subject and "{{" not in rendered.text


def test_an_e_mail_being_sent_is_not_sent_twice_but_a_lost_one_is(manager, lead):
    sent = email_send(actor=manual(manager), lead=lead, subject="Hi", body="x")
    SentEmail.objects.filter(pk=sent.pk).update(status=EmailStatus.SENDING)
    sent.refresh_from_db()

    with pytest.raises(ValidationFailed):
        email_retry(actor=manual(manager), sent_email=sent)

    SentEmail.objects.filter(pk=sent.pk).update(
        attempted_at=sent.attempted_at - dt.timedelta(minutes=11)
    )
    assert email_retry(actor=manual(manager), sent_email=sent).status == EmailStatus.SENT
    assert len(mail.outbox) == 2


def test_templates_in_the_lead_s_language_come_first_and_none_is_hidden(manager):
    from galena.activities.selectors import email_templates_for

    lead = create_lead(actor=manual(manager), language="ro-RO")
    romanian = EmailTemplate.objects.create(
        name="Prima ofertă", language="ro", subject="x", body="y"
    )

    templates = list(email_templates_for(lead))

    assert templates[0] == romanian
    assert len(templates) == EmailTemplate.objects.filter(is_active=True).count()
