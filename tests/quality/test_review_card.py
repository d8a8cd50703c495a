"""The quality panel on the lead card: status, reasons with evidence and fixes, decisions."""

import pytest
from django.urls import reverse

from galena.leads.services import Actor
from galena.quality.services import lead_quality_release
from tests.quality.review_helpers import EMAIL_TYPO, TOO_FAST, submitted_lead


def card(client, lead):
    return client.get(reverse("lead-detail", args=[lead.pk]))


@pytest.fixture
def held(team):
    return submitted_lead(team=team, reasons=[TOO_FAST, EMAIL_TYPO])


def test_the_panel_shows_each_reason_with_evidence_and_fix(client, head, held):
    client.force_login(head)

    text = card(client, held).text

    assert 'id="quality-heading"' in text
    assert "Held for review: not sent to sales yet." in text
    assert "Submitted faster than a person can type." in text
    assert "time to submit ms" in text and "420" in text
    assert "Suggested fix" in text and "ana@gmail.com" in text
    assert "+60" in text


def test_the_card_shows_the_reasons_once(client, head, held):
    client.force_login(head)

    text = card(client, held).text

    assert text.count("The e-mail domain looks mistyped.") == 1
    assert "Quality reasons" not in text


def test_reviewers_get_release_and_reject_on_a_quarantined_lead(client, head, held):
    client.force_login(head)

    text = card(client, held).text

    assert "Release to sales" in text and "Reject as pseudo-lead" in text


def test_an_accepted_lead_can_be_rejected_but_not_released(client, head, team):
    lead = submitted_lead(team=team, status="accepted")
    client.force_login(head)

    text = card(client, lead).text

    assert "Release to sales" not in text and "Reject as pseudo-lead" in text
    assert "No check raised a flag." in text


def test_managers_see_the_reasons_without_the_decisions(client, manager, team):
    lead = submitted_lead(team=team, reasons=[TOO_FAST])
    client.force_login(manager)

    text = card(client, lead).text

    assert "Submitted faster than a person can type." in text
    assert "Release to sales" not in text and "Reject as pseudo-lead" not in text


def test_releasing_from_the_card_returns_to_it_and_shows_who_decided(client, head, held):
    client.force_login(head)

    response = client.post(
        reverse("quality-review"),
        {
            "action": "release",
            "lead_ids": held.pk,
            "note": "Called, real",
            "next": reverse("lead-detail", args=[held.pk]),
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("lead-detail", args=[held.pk])
    assert "Released 1 lead to sales." in response.text
    assert "Released by" in response.text and "Called, real" in response.text
    assert "Released to sales" in response.text  # the timeline's line
    held.refresh_from_db()
    assert held.quality_status == "accepted"


def test_a_released_lead_keeps_its_decision_on_the_card(client, head, held):
    lead_quality_release(actor=Actor(user=head), leads=[held], note="Checked by phone")
    client.force_login(head)

    text = card(client, held).text

    assert "Accepted" in text and "Checked by phone" in text
    assert "Release to sales" not in text
