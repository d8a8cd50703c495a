"""The verification panel on the lead card: status, method and time, the confirmation and
call history, and the actions."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from galena.quality.verification import (
    confirmation_token,
    lead_call_log,
    lead_confirmation_send,
    lead_email_confirm,
    lead_verify_by_source_match,
)
from tests.quality.verification_helpers import create_lead, manual

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(manager):
    return create_lead(actor=manual(manager))


def card(client, user, lead):
    client.force_login(user)
    response = client.get(reverse("lead-detail", args=[lead.pk]))
    assert response.status_code == 200
    return response.text


def panel(html):
    start = html.index('class="panel verification-panel"')
    return html[start : html.index("</section>", start)]


def test_the_panel_is_on_the_card():
    assert "quality/_verification_panel.html" in settings.LEAD_CARD_PANELS


def test_an_unverified_lead_offers_the_confirmation_and_the_call_form(client, manager, lead):
    html = panel(card(client, manager, lead))

    assert "Unverified" in html
    assert reverse("lead-confirmation-resend", args=[lead.pk]) in html
    assert 'name="email" value="ana@solaris.example"' in html
    assert "csrfmiddlewaretoken" in html
    # the call itself is logged in the activities composer, further down the card
    assert 'href="#activity-call"' in html
    whole = card(client, manager, lead)
    assert reverse("activity-composer-form", args=[lead.pk, "call"]) in whole
    # the composer's call form comes when opened
    call = client.get(reverse("activity-composer-form", args=[lead.pk, "call"])).text
    assert reverse("activity-call-log", args=[lead.pk]) in call
    for value in ("confirmed", "reached", "no_answer", "wrong_number", "call_back"):
        assert f'value="{value}"' in call
    assert "Reached — details confirmed" in call


def test_the_panel_shows_the_confirmation_history_method_and_time(client, manager, lead):
    lead_confirmation_send(lead=lead, actor=manual(manager))
    lead_email_confirm(token=confirmation_token(lead_id=lead.pk, email="ana@solaris.example"))
    lead.refresh_from_db()

    html = panel(card(client, manager, lead))

    assert "Verified" in html
    assert "E-mail confirmation" in html  # the method
    assert lead.verified_at.strftime("%Y") in html
    assert "Confirmation link sent to ana@solaris.example" in html
    assert "E-mail ana@solaris.example confirmed by the person" in html
    # a confirmed address is not offered again
    assert reverse("lead-confirmation-resend", args=[lead.pk]) not in html


def test_the_panel_shows_calls_with_their_outcome_and_note(client, manager, lead):
    lead_call_log(actor=manual(manager), lead=lead, outcome="wrong_number", note="A bakery")

    html = panel(card(client, manager, lead))

    assert "Call: Wrong number" in html
    assert "+40722123456 marked invalid" in html
    assert "A bakery" in html


def test_a_lead_without_an_email_offers_no_confirmation(client, manager):
    lead = create_lead(actor=manual(manager), email="")

    html = panel(card(client, manager, lead))

    assert reverse("lead-confirmation-resend", args=[lead.pk]) not in html


def test_the_cards_queries_do_not_grow_with_the_history(
    client, manager, lead, django_assert_max_num_queries
):
    client.force_login(manager)
    url = reverse("lead-detail", args=[lead.pk])
    with CaptureQueriesContext(connection) as short:
        client.get(url)
    for _ in range(5):
        lead_call_log(actor=manual(manager), lead=lead, outcome="no_answer")

    with django_assert_max_num_queries(len(short.captured_queries)):
        client.get(url)


def test_a_lead_verified_by_a_source_match_names_the_other_source(client, manager, lead):
    lead.verification, lead.verification_method = "verified", "source_match"
    lead.quality_reasons = [
        {
            "stage": "verification",
            "code": "source_match",
            "message": "The same phone came from another source: Expo 2026.",
            "evidence": {"lead_id": 4321, "source_id": 9, "source": "Expo 2026", "kind": "phone"},
            "points": 0,
            "suggestion": "",
        }
    ]
    lead.save()

    html = panel(card(client, manager, lead))

    assert "Match with another source" in html
    assert "the same contact came from Expo 2026" in html
    assert f'href="{reverse("lead-detail", args=[4321])}"' in html


def test_an_earlier_lead_verified_by_a_later_match_links_to_it(client, manager, lead):
    later_lead = create_lead(actor=manual(manager), phone="+40722123456", email="")
    lead_verify_by_source_match(lead_id=later_lead.pk, matched_lead_id=lead.pk)

    html = panel(card(client, manager, lead))

    assert "another source brought the same contact" in html
    assert f'href="{reverse("lead-detail", args=[later_lead.pk])}"' in html
