"""The notification pages: the list, the header's badge, marking read, the settings."""

import pytest
from django.urls import reverse

from galena.notifications.models import Notification, NotificationKind, NotificationPreference
from tests.factories import LeadFactory
from tests.pages.conftest import login

pytestmark = pytest.mark.django_db


def notification(user, kind=NotificationKind.LEAD_ASSIGNED, **fields):
    lead = fields.pop("lead", None) or LeadFactory(display_name="Ana Marin")
    return Notification.objects.create(user=user, kind=kind, lead=lead, **fields)


@pytest.fixture
def manager_client(client, manager):
    return login(client, manager)


def test_the_list_shows_my_notifications_newest_first_with_links_to_the_lead(
    manager_client, manager, colleague
):
    older = notification(manager, lead=LeadFactory(display_name="Ana Marin"))
    newer = notification(
        manager,
        NotificationKind.SLA_BREACH,
        lead=LeadFactory(display_name="Ion Pop"),
        params={"rule": "Hot → East"},
    )
    notification(colleague, lead=LeadFactory(display_name="Secret Person"))

    response = manager_client.get(reverse("notification-list"))

    assert response.status_code == 200
    content = response.content.decode()
    assert content.index("First response to Ion Pop is overdue") < content.index(
        "Ana Marin is now yours"
    )
    assert "Rule: Hot → East" in content
    assert reverse("notification-open", args=[newer.pk]) in content
    assert reverse("notification-open", args=[older.pk]) in content
    assert "Secret Person" not in content
    assert "2 unread" in content


@pytest.mark.parametrize("size", [1, 30])
def test_the_list_costs_the_same_queries_for_one_or_many(
    size, manager_client, manager, django_assert_num_queries
):
    for _ in range(size):
        notification(manager)

    # session, user, the page's count and rows with their leads, unread, the header's profile
    with django_assert_num_queries(6):
        response = manager_client.get(reverse("notification-list"))

    assert response.status_code == 200


def test_an_empty_list_says_what_will_appear(manager_client):
    response = manager_client.get(reverse("notification-list"))

    assert "No notifications yet." in response.content.decode()


def test_notifications_kept_only_for_e_mail_are_not_listed(manager_client, manager):
    notification(manager, in_app=False, email_wanted=True)

    response = manager_client.get(reverse("notification-list"))

    assert "No notifications yet." in response.content.decode()


def test_the_list_needs_a_login(client):
    response = client.get(reverse("notification-list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_opening_marks_read_and_goes_to_the_lead_card(manager_client, manager):
    mine = notification(manager)

    response = manager_client.get(reverse("notification-open", args=[mine.pk]))

    assert response.status_code == 302
    assert response.url == f"/leads/{mine.lead_id}/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_another_users_notification_is_not_found(manager_client, colleague):
    theirs = notification(colleague)

    opened = manager_client.get(reverse("notification-open", args=[theirs.pk]))
    marked = manager_client.post(reverse("notification-read", args=[theirs.pk]))

    assert (opened.status_code, marked.status_code) == (404, 404)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_one_read_with_htmx_answers_the_list_and_the_badge(manager_client, manager):
    first = notification(manager)
    second = notification(manager)

    response = manager_client.post(
        reverse("notification-read", args=[first.pk]), headers={"HX-Request": "true"}
    )

    content = response.content.decode()
    assert 'id="notification-results"' in content
    assert 'id="notifications-badge"' in content
    assert 'hx-swap-oob="true"' in content
    assert "1 unread" in content
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None


def test_mark_all_read_without_javascript_redirects_back(manager_client, manager, colleague):
    notification(manager)
    notification(manager)
    theirs = notification(colleague)

    response = manager_client.post(reverse("notification-read-all"), {"query": "unread=1"})

    assert response.status_code == 302
    assert response.url == reverse("notification-list") + "?unread=1"
    assert not Notification.objects.filter(user=manager, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_unread_only(manager_client, manager):
    notification(manager, lead=LeadFactory(display_name="Read Person"))
    Notification.objects.update(read_at="2025-01-01T00:00:00Z")
    notification(manager, lead=LeadFactory(display_name="Unread Person"))

    content = manager_client.get(reverse("notification-list") + "?unread=1").content.decode()

    assert "Unread Person" in content
    assert "Read Person" not in content


def test_the_badge_is_one_count_query(
    manager_client, manager, colleague, django_assert_num_queries
):
    notification(manager)
    notification(manager)
    notification(manager, read_at="2025-01-01T00:00:00Z")
    notification(colleague)

    with django_assert_num_queries(3):  # the session, the user, the count
        response = manager_client.get(reverse("notification-badge"))

    content = response.content.decode()
    assert 'hx-trigger="every 20s"' in content
    assert '<span aria-hidden="true">2</span>' in content


def test_every_page_polls_the_badge_without_querying_for_it(manager_client):
    content = manager_client.get(reverse("notification-list")).content.decode()

    assert f'hx-get="{reverse("notification-badge")}"' in content
    assert 'hx-trigger="load, every 20s"' in content


def test_settings_show_the_defaults_and_save_choices(manager_client, manager):
    page = manager_client.get(reverse("notification-settings")).content.decode()
    assert 'name="sla_warning-in_app" checked' in page
    assert 'name="sla_warning-email">' in page
    assert 'name="sla_breach-email" checked' in page

    response = manager_client.post(
        reverse("notification-settings"),
        {"lead_assigned-in_app": "on", "sla_warning-in_app": "on", "sla_warning-email": "on"},
    )

    assert response.status_code == 302
    choices = {
        p.kind: (p.in_app, p.email) for p in NotificationPreference.objects.filter(user=manager)
    }
    assert choices["lead_assigned"] == (True, False)
    assert choices["sla_warning"] == (True, True)
    assert choices["hot_lead"] == (False, False)
    assert len(choices) == len(NotificationKind.values)
