"""The hosted form page /f/<slug>/: a web form or a callback widget a visitor fills without
JavaScript, stored the way the capture API stores it."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone

from galena.intake.models import Form, Submission
from galena.leads.models import Lead, LeadEvent, Task

pytestmark = pytest.mark.usefixtures("commit_callbacks_run")


def nothing_written():
    return (Submission.objects.count(), Lead.objects.count(), LeadEvent.objects.count()) == (
        0,
        0,
        0,
    )


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


@pytest.fixture
def callback_form(source, team):
    team.time_zone = "Europe/Bucharest"
    team.save()
    return Form.objects.create(
        name="Call me back",
        slug="call-me",
        kind="callback",
        channel="callback",
        source=source,
        default_team=team,
        thank_you_message="We will call you.",
    )


# --- showing the form ---------------------------------------------------------------------


def test_the_page_shows_the_fields_consent_and_the_robot_trap(client, form):
    response = client.get("/f/contact-us/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="field-name">Your name <span class="req" aria-hidden="true">*</span>' in html
    assert '<input type="tel" id="field-phone" name="phone" value="" autocomplete="tel">' in html
    assert 'type="email" id="field-email" name="email"' in html
    assert 'name="consent" value="on"' in html
    assert "I agree to be contacted about my request." in html
    assert '<div class="trap" aria-hidden="true">' in html
    assert 'name="_hp" value="" tabindex="-1" autocomplete="off"' in html
    assert '<input type="hidden" name="_ts" value="">' in html
    assert "intake/form.js" in html
    assert "<script>" not in html  # no inline script: the page works under a strict CSP
    assert response["Cache-Control"] == "no-store"


def test_utm_tags_referrer_and_landing_page_are_kept_in_hidden_fields(client, form):
    response = client.get(
        "/f/contact-us/?utm_source=google&utm_medium=cpc&utm_campaign=spring&x=1",
        headers={"Referer": "https://www.google.com/"},
    )

    html = response.content.decode()
    assert hidden_value(html, "utm_source") == "google"
    assert hidden_value(html, "utm_medium") == "cpc"
    assert hidden_value(html, "utm_campaign") == "spring"
    assert hidden_value(html, "utm_term") == ""
    assert hidden_value(html, "referrer") == "https://www.google.com/"
    assert (
        hidden_value(html, "landing_page")
        == "http://testserver/f/contact-us/?utm_source=google&amp;utm_medium=cpc&amp;utm_campaign=spring&amp;x=1"
    )


def test_unknown_slug_is_a_404_page(client, db):
    response = client.get("/f/no-such-form/")

    assert response.status_code == 404
    assert "Form not found" in response.content.decode()


def test_a_disabled_form_is_a_friendly_410_and_takes_nothing(client, form):
    form.is_active = False
    form.save()

    shown = client.get("/f/contact-us/")
    posted = client.post("/f/contact-us/", {"name": "Ana", "phone": "0722123456"})

    assert (shown.status_code, posted.status_code) == (410, 410)
    assert "This form is closed" in shown.content.decode()
    assert nothing_written()


def test_a_quick_entry_form_has_no_public_page(client, source):
    Form.objects.create(name="Booth", slug="booth", kind="quick_entry", source=source)

    assert client.get("/f/booth/").status_code == 404


# --- sending it -----------------------------------------------------------------------------


def test_a_post_stores_the_submission_makes_the_lead_and_says_thank_you(client, form):
    response = client.post(
        "/f/contact-us/",
        {
            "name": "Ana Marin",
            "phone": "0722 123 456",
            "email": "ana@example.com",
            "consent": "on",
            "utm_source": "google",
            "utm_campaign": "spring",
            "referrer": "https://www.google.com/",
            "landing_page": "http://testserver/f/contact-us/?utm_source=google",
            "_hp": "",
            "_ts": "8200",
            "_visitor": "v-1",
            "_idempotency": "page-1",
        },
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Thank you, we will call you shortly." in html
    submission = Submission.objects.get()
    assert submission.status == "processed"
    assert submission.adapter == "capture"
    assert submission.endpoint == form.key
    assert submission.idempotency_key == "page-1"
    assert f"Reference: {submission.pk}" in html
    assert submission.payload == {
        "name": "Ana Marin",
        "phone": "0722 123 456",
        "email": "ana@example.com",
        "consent": "on",
        "_hp": "",
        "_ts": "8200",
        "_visitor": "v-1",
        "utm_source": "google",
        "utm_campaign": "spring",
        "referrer": "https://www.google.com/",
        "landing_page": "http://testserver/f/contact-us/?utm_source=google",
    }
    lead = Lead.objects.get()
    assert submission.lead == lead
    assert (lead.display_name, lead.source, lead.campaign) == (
        "Ana Marin",
        form.source,
        form.campaign,
    )
    assert (lead.utm_source, lead.utm_campaign, lead.referrer) == (
        "google",
        "spring",
        "https://www.google.com/",
    )
    assert sorted(lead.contact_points.values_list("kind", flat=True)) == ["email", "phone"]
    received = lead.events.get(type="submission_received")
    assert received.params["consent"]["text"] == "I agree to be contacted about my request."


def test_the_robot_trap_and_the_time_to_submit_are_kept_with_the_submission(client, form):
    client.post(
        "/f/contact-us/", {"name": "Bot", "phone": "0722123456", "_hp": "http://spam", "_ts": "40"}
    )

    submission = Submission.objects.get()
    assert (submission.payload["_hp"], submission.payload["_ts"]) == ("http://spam", "40")


def test_page_plumbing_is_not_stored_as_lead_attributes(client, form):
    client.post(
        "/f/contact-us/",
        {"name": "Ana", "phone": "0722123456", "_idempotency": "k", "csrfmiddlewaretoken": "t"},
    )

    assert Lead.objects.get().attributes == {}
    assert "csrfmiddlewaretoken" not in Submission.objects.get().payload


def test_a_form_with_a_redirect_sends_the_visitor_there(client, form):
    form.redirect_url = "https://shop.example.com/thanks"
    form.save()

    response = client.post("/f/contact-us/", {"name": "Ana", "phone": "0722123456"})

    assert response.status_code == 302
    assert response["Location"] == "https://shop.example.com/thanks"
    assert Submission.objects.count() == 1


def test_sending_the_same_page_twice_stores_it_once(client, form):
    data = {"name": "Ana", "phone": "0722123456", "_idempotency": "same-page"}

    first = client.post("/f/contact-us/", data)
    again = client.post("/f/contact-us/", data)

    assert (first.status_code, again.status_code) == (200, 200)
    assert Submission.objects.count() == 1
    assert Lead.objects.count() == 1


def test_errors_come_back_next_to_the_fields_with_the_values_kept_and_nothing_stored(client, form):
    response = client.post(
        "/f/contact-us/",
        {
            "name": "",
            "phone": "12",
            "email": "ana@",
            "consent": "on",
            "utm_source": "google",
            "_idempotency": "page-7",
        },
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert '<p class="error" id="field-name-error">This field is required.</p>' in html
    assert (
        '<p class="error" id="field-email-error">Enter a valid e-mail address, e.g. name@example.com.</p>'
        in html
    )
    assert "Enter a phone number with its digits" in html
    assert 'name="phone" value="12"' in html
    assert 'name="email" value="ana@"' in html
    assert 'id="field-consent" name="consent" value="on" checked' in html
    assert hidden_value(html, "utm_source") == "google"
    assert hidden_value(html, "_idempotency") == "page-7"
    assert nothing_written()


def test_an_error_on_a_field_named_otherwise_lands_on_that_field(client, source):
    Form.objects.create(
        name="Mail us",
        slug="mail-us",
        source=source,
        fields=[{"name": "mail", "label": "Your e-mail", "type": "email", "required": True}],
    )

    response = client.post("/f/mail-us/", {"mail": "not-an-address"})

    assert response.status_code == 400
    assert (
        '<p class="error" id="field-mail-error">Enter a valid e-mail address, e.g. name@example.com.</p>'
        in response.content.decode()
    )
    assert nothing_written()


@override_settings(INTAKE_RATE_PER_ADDRESS=1)
def test_the_capture_throttle_applies_to_the_page(client, form):
    assert client.post("/f/contact-us/", {"name": "Ana", "phone": "0722123456"}).status_code == 200

    response = client.post("/f/contact-us/", {"name": "Bo", "phone": "0722123457"})

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Too many submissions" in response.content.decode()
    assert Submission.objects.count() == 1


@override_settings(INTAKE_MAX_BODY_BYTES=200)
def test_an_oversize_post_is_refused_and_stores_nothing(client, form):
    response = client.post("/f/contact-us/", {"name": "Ana", "phone": "0722123456", "x": "y" * 300})

    assert response.status_code == 413
    assert "the limit is 200" in response.content.decode()
    assert nothing_written()


def test_a_post_from_a_site_the_form_does_not_allow_is_refused(client, form):
    response = client.post(
        "/f/contact-us/",
        {"name": "Ana", "phone": "0722123456"},
        headers={"Origin": "https://evil.example.net"},
    )

    assert response.status_code == 403
    assert "https://evil.example.net may not post to this form." in response.content.decode()
    assert nothing_written()


def test_a_post_from_the_page_itself_or_an_allowed_site_is_taken(client, form):
    own = client.post(
        "/f/contact-us/",
        {"name": "Ana", "phone": "0722123456"},
        headers={"Origin": "http://testserver"},
    )
    allowed = client.post(
        "/f/contact-us/",
        {"name": "Bo", "phone": "0722123457"},
        headers={"Origin": "https://shop.example.com"},
    )

    assert (own.status_code, allowed.status_code) == (200, 200)
    assert Submission.objects.count() == 2


def test_a_form_without_fields_shows_the_default_ones_and_requires_a_name(client, source):
    Form.objects.create(name="Ask us", slug="ask", source=source)

    shown = client.get("/f/ask/").content.decode()
    refused = client.post("/f/ask/", {"phone": "0722123456"})

    assert 'name="name"' in shown and 'name="message"' in shown
    assert refused.status_code == 400
    assert nothing_written()


# --- callback widget ------------------------------------------------------------------------


def test_the_callback_page_asks_for_a_phone_a_name_and_when(client, callback_form):
    html = client.get("/f/call-me/").content.decode()

    assert 'type="tel" id="field-phone" name="phone"' in html
    assert 'id="field-name" name="name"' in html
    assert 'type="datetime-local" id="field-callback-local" name="callback_local"' in html
    assert 'name="callback_when" value="now" checked' in html
    assert "Call me back" in html


def test_a_callback_at_a_chosen_time_is_a_call_task_due_then(client, callback_form):
    due = (timezone.now() + dt.timedelta(days=1)).replace(microsecond=0, second=0)
    sent = due.astimezone(ZoneInfo("America/New_York")).isoformat()

    response = client.post(
        "/f/call-me/",
        {
            "phone": "+40 722 123 456",
            "callback_when": "at",
            "callback_local": "",
            "callback_at": sent,
        },
    )

    assert response.status_code == 200
    assert "We will call you." in response.content.decode()
    assert Submission.objects.get().payload["callback_at"] == sent
    task = Task.objects.get()
    assert (task.kind, task.title, task.due_at) == ("call", "Call back", due)
    assert task.lead.display_name == "+40 722 123 456"


def test_without_javascript_the_chosen_time_is_read_in_the_teams_zone(client, callback_form):
    tomorrow = timezone.now().astimezone(ZoneInfo("Europe/Bucharest")).date() + dt.timedelta(days=1)

    client.post(
        "/f/call-me/",
        {"phone": "0722123456", "callback_when": "at", "callback_local": f"{tomorrow}T15:30"},
    )

    expected = dt.datetime.combine(tomorrow, dt.time(15, 30), tzinfo=ZoneInfo("Europe/Bucharest"))
    assert Task.objects.get().due_at == expected


def test_a_callback_as_soon_as_possible_is_due_now(client, callback_form):
    before = timezone.now()

    client.post("/f/call-me/", {"phone": "0722123456", "callback_when": "now", "callback_at": ""})

    task = Task.objects.get()
    assert before <= task.due_at <= timezone.now()
    assert "callback_at" not in Submission.objects.get().payload


def test_a_callback_time_that_is_missing_or_past_is_asked_again(client, callback_form):
    missing = client.post("/f/call-me/", {"phone": "0722123456", "callback_when": "at"})
    past = client.post(
        "/f/call-me/",
        {"phone": "0722123456", "callback_when": "at", "callback_local": "2020-01-01T10:00"},
    )

    assert (missing.status_code, past.status_code) == (400, 400)
    assert "Choose when we should call you." in missing.content.decode()
    assert "This time has passed" in past.content.decode()
    assert 'name="callback_local" value="2020-01-01T10:00"' in past.content.decode()
    assert nothing_written()


def test_a_missing_time_and_a_missing_phone_are_said_together(client, callback_form):
    response = client.post("/f/call-me/", {"phone": "", "callback_when": "at"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose when we should call you." in html
    assert '<p class="error" id="field-phone-error">This field is required.</p>' in html
    assert nothing_written()


def test_a_callback_needs_a_phone(client, callback_form):
    response = client.post("/f/call-me/", {"name": "Ana", "callback_when": "now"})

    assert response.status_code == 400
    assert '<p class="error" id="field-phone-error">This field is required.</p>' in (
        response.content.decode()
    )
    assert nothing_written()
