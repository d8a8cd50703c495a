import datetime as dt

from django.urls import reverse
from django.utils import dateformat, timezone

from tests.factories import LeadFactory, SourceFactory, TaskFactory, UserFactory


def test_dashboard_draws_new_leads_per_day_as_svg_and_table(manager_client, manager, team):
    LeadFactory.create_batch(3, owner=manager, team=team, channel="quiz")
    LeadFactory(owner=manager, team=team, created_at=timezone.now() - dt.timedelta(days=3))

    response = manager_client.get(reverse("dashboard"))

    assert response.status_code == 200
    chart = response.context["chart"]
    assert len(chart["bars"]) == 31
    assert chart["bars"][-1]["n"] == 3
    assert chart["peak"] == 3
    assert "<svg" in response.text
    assert response.text.count('class="bar"') == 2  # two days with leads
    assert response.context["new_total"] == 4
    today = dateformat.format(timezone.localdate(), "D, j M Y")
    assert f'<tr><td>{today}</td><td class="num">3</td></tr>' in response.text


def test_dashboard_counts_per_channel_and_open_per_stage(manager_client, manager, team):
    LeadFactory.create_batch(2, owner=manager, team=team, channel="quiz")
    LeadFactory(owner=manager, team=team, channel="exhibition")

    response = manager_client.get(reverse("dashboard"))

    channels = {row["key"]: row["n"] for row in response.context["channels"]}
    assert channels == {"quiz": 2, "exhibition": 1}
    assert "Quiz" in response.text
    stages = {row["key"]: row["n"] for row in response.context["stages"]}
    assert stages["new"] == 3
    assert f"{reverse('lead-list')}?stage=new" in response.text


def test_dashboard_only_counts_leads_the_user_may_see(manager_client, manager, colleague, team):
    LeadFactory(owner=manager, team=team)
    LeadFactory(owner=colleague, team=team)

    response = manager_client.get(reverse("dashboard"))

    assert response.context["new_total"] == 1


def test_dashboard_lists_my_open_tasks_with_overdue_marked(manager_client, manager, team):
    lead = LeadFactory(owner=manager, team=team, display_name="Ana Marin")
    TaskFactory(
        lead=lead,
        assignee=manager,
        title="Send the offer",
        due_at=timezone.now() - dt.timedelta(hours=2),
    )

    response = manager_client.get(reverse("dashboard"))

    assert "Send the offer" in response.text
    assert "is-overdue" in response.text


def test_empty_dashboard_says_so(manager_client):
    response = manager_client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert "No new leads in the last 30 days." in response.text
    assert "<svg" not in response.text


def test_marketer_sees_channels_and_sources_not_people(marketer_client, manager, team):
    quiz = SourceFactory(name="Kitchen quiz", channel="quiz")
    LeadFactory(owner=manager, team=team, source=quiz, channel="quiz", display_name="Ana Marin")

    response = marketer_client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert "Kitchen quiz" in response.text
    assert {row["key"]: row["n"] for row in response.context["channels"]} == {"quiz": 1}
    assert "Ana Marin" not in response.text
    assert f'href="{reverse("lead-list")}"' not in response.text


def test_user_without_a_role_gets_a_welcome_not_an_error(client, db):
    user = UserFactory(username="newbie")
    user.profile.delete()
    client.force_login(user)

    response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert "no role" in response.text
