"""The review queue page, its one-click and bulk decisions, the count in the navigation."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from galena.leads.models import EventType, LeadEvent
from galena.quality.models import QualityCheck
from tests.factories import SourceFactory
from tests.quality.review_helpers import EMAIL_TYPO, HONEYPOT, TOO_FAST, submitted_lead

QUEUE = reverse("quality-queue")
REVIEW = reverse("quality-review")


@pytest.fixture
def head_client(client, head):
    client.force_login(head)
    return client


@pytest.fixture
def bought_list(db):
    return SourceFactory(name="Bought list", vendor="LeadsRUs")


@pytest.fixture
def website(db):
    return SourceFactory(name="Website")


def test_the_queue_shows_quarantined_leads_with_their_reasons_newest_first(
    head_client, team, bought_list
):
    now = timezone.now()
    older = submitted_lead(
        team=team,
        source=bought_list,
        reasons=[EMAIL_TYPO],
        received_at=now - dt.timedelta(hours=3),
        first_name="Older",
        last_name="Lead",
        display_name="Older Lead",
        email="ana@gmial.com",
    )
    newer = submitted_lead(
        team=team,
        reasons=[TOO_FAST],
        received_at=now - dt.timedelta(hours=1),
        first_name="Newer",
        last_name="Lead",
        display_name="Newer Lead",
    )
    submitted_lead(team=team, status="accepted", display_name="Accepted Person")
    submitted_lead(team=team, status="rejected", display_name="Rejected Person")

    response = head_client.get(QUEUE)

    assert response.status_code == 200
    text = response.text
    assert "2 leads wait for review" in text
    assert text.index("Newer Lead") < text.index("Older Lead")
    assert "Accepted Person" not in text and "Rejected Person" not in text
    # every reason with its message, evidence and suggested fix
    assert "Submitted faster than a person can type." in text
    assert "time to submit ms" in text and "420" in text
    assert "ana@gmail.com" in text  # the suggestion
    assert "Bought list" in text and "LeadsRUs" in text
    assert "ana@gmial.com" in text  # the contact as given
    assert f'name="release_one" value="{older.pk}"' in text
    assert f'name="reject_one" value="{newer.pk}"' in text
    assert "Release selected" in text and "Reject selected" in text


def test_a_configured_check_shows_under_its_name(head_client, team):
    QualityCheck.objects.update_or_create(
        code="too_fast", defaults={"group": "bot", "name": "Faster than a human"}
    )
    submitted_lead(team=team, reasons=[TOO_FAST])

    response = head_client.get(QUEUE)

    assert "Faster than a human" in response.text


def test_an_empty_queue_says_so(head_client):
    response = head_client.get(QUEUE)

    assert "Nothing waits for review." in response.text


def test_the_queue_filters_by_source_and_reason(head_client, team, bought_list, website):
    submitted_lead(team=team, source=bought_list, reasons=[HONEYPOT], display_name="Bot One")
    submitted_lead(team=team, source=website, reasons=[TOO_FAST], display_name="Quick Two")
    submitted_lead(team=team, source=bought_list, reasons=[TOO_FAST], display_name="Quick Three")

    by_source = head_client.get(QUEUE, {"source": bought_list.pk}).text
    by_reason = head_client.get(QUEUE, {"reason": "too_fast"}).text
    both = head_client.get(QUEUE, {"source": bought_list.pk, "reason": "too_fast"}).text

    assert "Bot One" in by_source and "Quick Three" in by_source and "Quick Two" not in by_source
    assert "Quick Two" in by_reason and "Quick Three" in by_reason and "Bot One" not in by_reason
    assert "Quick Three" in both and "Bot One" not in both and "Quick Two" not in both
    assert (
        "No quarantined leads match these filters"
        in head_client.get(QUEUE, {"reason": "email_typo"}).text
    )


def test_htmx_filtering_answers_with_the_results_only(head_client, team):
    submitted_lead(team=team, reasons=[TOO_FAST])

    response = head_client.get(QUEUE, headers={"HX-Request": "true"})

    assert 'id="queue-results"' in response.text
    assert "<html" not in response.text


def test_the_queue_shows_only_the_reviewers_leads(head_client, team, other_team):
    submitted_lead(team=team, display_name="Mine To Review")
    submitted_lead(team=other_team, display_name="Not My Team")

    text = head_client.get(QUEUE).text

    assert "Mine To Review" in text and "Not My Team" not in text


@pytest.mark.parametrize("role", ["manager", "telemarketer", "marketer"])
def test_only_reviewers_open_the_queue(client, request, role):
    client.force_login(request.getfixturevalue(role))

    assert client.get(QUEUE).status_code == 403


def test_the_queue_query_count_does_not_grow_with_leads(head_client, team, bought_list):
    submitted_lead(team=team, source=bought_list, reasons=[TOO_FAST])
    with CaptureQueriesContext(connection) as few:
        head_client.get(QUEUE)
    for _ in range(12):
        submitted_lead(team=team, source=bought_list, reasons=[TOO_FAST, EMAIL_TYPO])

    with CaptureQueriesContext(connection) as many:
        response = head_client.get(QUEUE)

    assert response.text.count('class="queue-item"') == 13
    assert len(many.captured_queries) == len(few.captured_queries)


def test_one_click_release_without_javascript_returns_to_the_queue(head_client, head, team):
    lead = submitted_lead(team=team, reasons=[TOO_FAST])

    response = head_client.post(REVIEW, {"release_one": lead.pk, "next": QUEUE + "?reason=x"})

    assert response.status_code == 302
    assert response["Location"] == QUEUE + "?reason=x"
    lead.refresh_from_db()
    assert lead.quality_status == "accepted"
    event = LeadEvent.objects.get(lead=lead, type=EventType.QUALITY_DECIDED)
    assert event.actor == head and event.params["decision"] == "released"


def test_a_foreign_next_address_is_not_followed(head_client, team):
    lead = submitted_lead(team=team)

    response = head_client.post(REVIEW, {"release_one": lead.pk, "next": "https://evil.example/"})

    assert response["Location"] == QUEUE


def test_bulk_reject_with_htmx_answers_with_the_refreshed_queue(head_client, team):
    first = submitted_lead(team=team, display_name="First Fake")
    second = submitted_lead(team=team, display_name="Second Fake")
    kept = submitted_lead(team=team, display_name="Kept Waiting")

    response = head_client.post(
        REVIEW,
        {
            "from": "queue",
            "action": "reject",
            "lead_ids": [first.pk, second.pk],
            "reason_code": "test_values",
            "note": "Same typed twice",
        },
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "Rejected 2 leads as pseudo-leads." in response.text
    assert "Kept Waiting" in response.text and "First Fake" not in response.text
    assert 'id="quality-nav-count"' in response.text and 'hx-swap-oob="true"' in response.text
    for lead in (first, second):
        lead.refresh_from_db()
        assert lead.quality_status == "rejected"
    params = LeadEvent.objects.get(lead=first, type=EventType.QUALITY_DECIDED).params
    assert (params["reason_code"], params["note"]) == ("test_values", "Same typed twice")
    kept.refresh_from_db()
    assert kept.quality_status == "quarantined"


def test_a_row_button_decides_on_its_row_only_even_with_boxes_ticked(head_client, team):
    ticked = submitted_lead(team=team)
    clicked = submitted_lead(team=team)

    head_client.post(REVIEW, {"reject_one": clicked.pk, "lead_ids": [ticked.pk]})

    ticked.refresh_from_db()
    clicked.refresh_from_db()
    assert (ticked.quality_status, clicked.quality_status) == ("quarantined", "rejected")


def test_bulk_without_a_selection_says_so_and_writes_nothing(head_client, team):
    lead = submitted_lead(team=team)

    response = head_client.post(REVIEW, {"action": "release"}, follow=True)

    assert "Choose at least one lead first." in response.text
    lead.refresh_from_db()
    assert lead.quality_status == "quarantined"
    assert not LeadEvent.objects.filter(type=EventType.QUALITY_DECIDED).exists()


def test_a_lead_already_decided_is_reported_as_left_alone(head_client, team):
    lead = submitted_lead(team=team, status="accepted")

    response = head_client.post(REVIEW, {"release_one": lead.pk}, follow=True)

    assert "1 lead was no longer waiting for this decision" in response.text


def test_a_manager_cannot_decide(client, manager, team):
    lead = submitted_lead(team=team)
    client.force_login(manager)

    response = client.post(REVIEW, {"release_one": lead.pk})

    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.quality_status == "quarantined"


def test_a_lead_outside_the_reviewers_sight_is_404(head_client, other_team):
    lead = submitted_lead(team=other_team)

    assert head_client.post(REVIEW, {"release_one": lead.pk}).status_code == 404
    lead.refresh_from_db()
    assert lead.quality_status == "quarantined"


def test_the_navigation_counts_waiting_leads_for_reviewers(head_client, client, team, manager):
    submitted_lead(team=team)
    submitted_lead(team=team)
    submitted_lead(team=team, status="accepted")

    response = head_client.get(reverse("quality-queue-count"), headers={"HX-Request": "true"})

    assert "2 leads wait for review" in response.text
    page = head_client.get(reverse("dashboard")).text
    assert reverse("quality-queue") in page and reverse("quality-queue-count") in page


def test_the_navigation_links_marketers_to_the_report_and_managers_nowhere(
    client, marketer, manager
):
    client.force_login(marketer)
    page = client.get(reverse("dashboard")).text
    assert reverse("quality-sources") in page and reverse("quality-queue") not in page

    client.force_login(manager)
    page = client.get(reverse("dashboard")).text
    assert reverse("quality-sources") not in page and reverse("quality-queue") not in page
    assert client.get(reverse("quality-queue-count")).text.count("badge") == 0
