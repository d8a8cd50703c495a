"""GET /api/v1/notifications, the unread count, marking read: only your own."""

# ruff: noqa: F811 (the API fixtures, imported for these tests)
import pytest

from galena.notifications.models import Notification, NotificationKind
from tests.api.conftest import anonymous_api, api_as  # noqa: F401
from tests.api.helpers import error
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def notification(user, kind=NotificationKind.HOT_LEAD, **fields):
    lead = fields.pop("lead", None) or LeadFactory(display_name="Ana Marin")
    return Notification.objects.create(user=user, kind=kind, lead=lead, **fields)


def test_the_list_is_mine_newest_first_with_titles(api_as, manager, colleague):
    older = notification(manager)
    newer = notification(manager, NotificationKind.SLA_WARNING, params={"rule": "East"})
    notification(colleague)
    notification(manager, in_app=False, email_wanted=True)

    response = api_as(manager).get("/api/v1/notifications")

    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["items"]] == [newer.pk, older.pk]
    assert body["items"][0]["kind"] == "sla_warning"
    assert body["items"][0]["title"] == "First response to Ana Marin is due soon"
    assert body["items"][0]["details"] == ["Rule: East"]
    assert body["items"][0]["params"] == {"rule": "East"}
    assert body["items"][0]["lead_id"] == newer.lead_id
    assert body["items"][0]["read_at"] is None
    assert body["next_cursor"] is None


def test_the_list_is_paginated_by_cursor(api_as, manager):
    made = [notification(manager) for _ in range(3)]
    client = api_as(manager)

    first = client.get("/api/v1/notifications?limit=2").json()
    second = client.get(f"/api/v1/notifications?limit=2&cursor={first['next_cursor']}").json()

    assert [item["id"] for item in first["items"] + second["items"]] == [
        n.pk for n in reversed(made)
    ]
    assert second["next_cursor"] is None


def test_the_list_costs_the_same_queries_for_one_or_many(
    api_as, manager, django_assert_num_queries
):
    client = api_as(manager)
    for _ in range(20):
        notification(manager)

    with django_assert_num_queries(3):  # the token, its last use, the page with the leads
        response = client.get("/api/v1/notifications?unread=true")

    assert len(response.json()["items"]) == 20


def test_unread_count(api_as, manager, colleague):
    notification(manager)
    notification(manager, read_at="2025-01-01T00:00:00Z")
    notification(colleague)

    response = api_as(manager).get("/api/v1/notifications/unread-count")

    assert response.json() == {"unread": 1}


def test_mark_one_read(api_as, manager):
    mine = notification(manager)

    response = api_as(manager).post(f"/api/v1/notifications/{mine.pk}/read")

    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_another_users_notification_is_not_found(api_as, manager, colleague):
    theirs = notification(colleague)

    response = api_as(manager).post(f"/api/v1/notifications/{theirs.pk}/read")

    assert response.status_code == 404
    assert response.json() == error("not_found", "You have no notification with this id.")
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(api_as, manager, colleague):
    notification(manager)
    notification(manager)
    theirs = notification(colleague)

    response = api_as(manager).post("/api/v1/notifications/read")

    assert response.json() == {"marked": 2}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_without_a_token_the_api_answers_401(anonymous_api):
    response = anonymous_api.get("/api/v1/notifications")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
