"""The quality API: the review queue, release and reject, the credibility report."""

import datetime as dt

import pytest
from django.utils import timezone

from galena.accounts.services import api_token_create
from galena.leads.models import ActorSource, EventType, LeadEvent
from tests.api.helpers import ApiClient, error
from tests.factories import SourceFactory
from tests.quality.review_helpers import HONEYPOT, TOO_FAST, submitted_lead


@pytest.fixture
def api_as(db):
    def make(user) -> ApiClient:
        _, key = api_token_create(user=user, name="tests")
        return ApiClient(key)

    return make


# --- the queue ------------------------------------------------------------------------


def test_the_queue_lists_quarantined_leads_with_reasons(api_as, head, team):
    source = SourceFactory(name="Bought list", vendor="LeadsRUs")
    lead = submitted_lead(
        team=team, source=source, reasons=[TOO_FAST], email="bot@example.com", display_name="Bo T"
    )
    submitted_lead(team=team, status="accepted")

    response = api_as(head).get("/api/v1/quality/queue")

    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    created_at = dt.datetime.fromisoformat(body["items"][0].pop("created_at"))
    assert abs(created_at - lead.created_at) < dt.timedelta(milliseconds=1)
    assert body["items"] == [
        {
            "id": lead.pk,
            "display_name": "Bo T",
            "company_name": lead.company_name,
            "quality_status": "quarantined",
            "source": {"id": source.pk, "name": "Bought list", "vendor": "LeadsRUs"},
            "channel": "landing_page",
            "contacts": [
                {
                    "kind": "email",
                    "value": "bot@example.com",
                    "value_raw": "bot@example.com",
                    "status": "valid",
                    "is_primary": True,
                }
            ],
            "reasons": [TOO_FAST],
        }
    ]


def test_the_queue_pages_newest_first_and_filters(api_as, head, team):
    now = timezone.now()
    leads = [
        submitted_lead(
            team=team,
            reasons=[HONEYPOT if n % 2 else TOO_FAST],
            received_at=now - dt.timedelta(minutes=n),
        )
        for n in range(5)
    ]
    client = api_as(head)

    first = client.get("/api/v1/quality/queue", {"limit": 3}).json()
    second = client.get(
        "/api/v1/quality/queue", {"limit": 3, "cursor": first["next_cursor"]}
    ).json()
    honeypots = client.get("/api/v1/quality/queue", {"reason": "honeypot"}).json()

    assert [item["id"] for item in first["items"] + second["items"]] == [lead.pk for lead in leads]
    assert second["next_cursor"] is None
    assert [item["id"] for item in honeypots["items"]] == [leads[1].pk, leads[3].pk]


def test_the_queue_query_count_does_not_grow(api_as, head, team, django_assert_num_queries):
    for _ in range(6):
        submitted_lead(team=team, source=SourceFactory(), reasons=[TOO_FAST])
    client = api_as(head)
    client.get("/api/v1/quality/queue")  # warm up whatever is cached per process

    with django_assert_num_queries(3):  # the token with its user, the leads, their contacts
        response = client.get("/api/v1/quality/queue")

    assert len(response.json()["items"]) == 6


@pytest.mark.parametrize("role", ["manager", "marketer"])
def test_the_queue_is_for_reviewers(api_as, request, role):
    response = api_as(request.getfixturevalue(role)).get("/api/v1/quality/queue")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


# --- decisions ------------------------------------------------------------------------


def test_release_in_bulk(api_as, head, team):
    held = [submitted_lead(team=team) for _ in range(2)]
    accepted = submitted_lead(team=team, status="accepted")

    response = api_as(head).post(
        "/api/v1/quality/release",
        {"lead_ids": [held[0].pk, accepted.pk, held[1].pk], "note": "Checked"},
    )

    assert response.status_code == 200
    assert response.json() == {"changed": [held[0].pk, held[1].pk], "skipped": [accepted.pk]}
    event = LeadEvent.objects.get(lead=held[0], type=EventType.QUALITY_DECIDED)
    assert (event.actor, event.actor_source, event.params["note"]) == (
        head,
        ActorSource.API,
        "Checked",
    )


def test_reject_with_a_reason(api_as, head, team):
    lead = submitted_lead(team=team)

    response = api_as(head).post(
        "/api/v1/quality/reject", {"lead_ids": [lead.pk], "reason_code": "competitor"}
    )

    assert response.json() == {"changed": [lead.pk], "skipped": []}
    lead.refresh_from_db()
    assert lead.quality_status == "rejected"


def test_a_manager_may_not_decide(api_as, manager, team):
    lead = submitted_lead(team=team)

    response = api_as(manager).post("/api/v1/quality/release", {"lead_ids": [lead.pk]})

    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.quality_status == "quarantined"


def test_a_lead_out_of_sight_is_404_and_nothing_changes(api_as, head, team, other_team):
    mine = submitted_lead(team=team)
    theirs = submitted_lead(team=other_team)

    response = api_as(head).post("/api/v1/quality/release", {"lead_ids": [mine.pk, theirs.pk]})

    assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.quality_status == "quarantined"


def test_an_empty_selection_is_refused(api_as, head):
    response = api_as(head).post("/api/v1/quality/release", {"lead_ids": []})

    assert response.status_code == 400
    assert response.json() == error("invalid", "Choose at least one lead.", "lead_ids")


def test_unknown_fields_are_refused(api_as, head, team):
    lead = submitted_lead(team=team)

    response = api_as(head).post("/api/v1/quality/release", {"lead_ids": [lead.pk], "why": "x"})

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "why"


# --- the report -----------------------------------------------------------------------


def test_the_report_as_json(api_as, marketer, team):
    source = SourceFactory(name="Bought list", vendor="LeadsRUs", channel="other")
    when = timezone.make_aware(dt.datetime(2026, 11, 10, 12))
    submitted_lead(team=team, source=source, status="accepted", received_at=when)
    submitted_lead(
        team=team, source=source, status="rejected", reasons=[HONEYPOT], received_at=when
    )

    response = api_as(marketer).get(
        "/api/v1/quality/sources", {"from": "2026-11-01", "to": "2026-11-30"}
    )

    assert response.status_code == 200
    body = response.json()
    row = {
        "source": {"id": source.pk, "name": "Bought list", "vendor": "LeadsRUs"},
        "channel": "other",
        "submissions": 2,
        "new_leads": 2,
        "accepted": 1,
        "interests": 0,
        "repeat_inquiries": 0,
        "quarantined": 0,
        "released": 0,
        "waiting": 0,
        "rejected": 1,
        "rejected_in_review": 0,
        "verified": 0,
        "pseudo_leads": 1,
        "pseudo_lead_rate": 0.5,
        "verified_rate": 0.0,
        "reasons": {"honeypot": 1},
    }
    assert body == {
        "from": "2026-11-01",
        "to": "2026-11-30",
        "sort": "-pseudo_rate",
        "reason_codes": ["honeypot"],
        "sources": [row],
        "total": {**row, "source": None, "channel": ""},
    }


def test_the_report_defaults_to_the_last_30_days(api_as, marketer):
    body = api_as(marketer).get("/api/v1/quality/sources").json()

    today = timezone.localdate()
    assert body["to"] == today.isoformat()
    assert body["from"] == (today - dt.timedelta(days=29)).isoformat()


def test_a_reversed_period_is_refused(api_as, marketer):
    response = api_as(marketer).get(
        "/api/v1/quality/sources", {"from": "2026-11-30", "to": "2026-11-01"}
    )

    assert response.status_code == 400
    assert response.json() == error("invalid", "The period starts after it ends.", "from")


def test_the_report_is_refused_to_managers(api_as, manager):
    response = api_as(manager).get("/api/v1/quality/sources")

    assert response.status_code == 403
