"""The quality report's page, exports and API, and who sees which leads' figures."""

from __future__ import annotations

import datetime as dt

import pytest

from galena.analytics import quality
from galena.leads.models import Lead, RejectionReason, Stage
from tests.factories import LeadFactory, SourceFactory, UserFactory

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2025, 3, 12, 12, 0, tzinfo=dt.UTC)
QUERY = "from=2025-03-01&to=2025-03-31"


@pytest.fixture
def sources(team, manager, outsider):
    """The fair: the manager's 2 leads (one a pseudo-lead) and a duplicate merged into one;
    the web form: the outsider's lead, rejected by sales for no budget."""
    fair, web = SourceFactory(name="=Fair"), SourceFactory(name="Web form")
    kept = LeadFactory(source=fair, owner=manager, team=team, created_at=NOON)
    LeadFactory(source=fair, owner=manager, team=team, created_at=NOON, quality_status="rejected")
    duplicate = LeadFactory(source=fair, owner=manager, team=team, created_at=NOON)
    Lead.objects.filter(pk=duplicate.pk).update(merged_into=kept)
    LeadFactory(
        source=web,
        owner=outsider,
        team=outsider.profile.team,
        created_at=NOON,
        stage=Stage.objects.get(code="rejected"),
        rejection_reason=RejectionReason.objects.get(code="no_budget"),
    )
    return fair, web


def test_a_marketer_sees_every_source(client, marketer, sources):
    client.force_login(marketer)

    response = client.get(f"/analytics/quality/?{QUERY}")

    assert response.status_code == 200
    table = response.context["table"]
    found = {row["label"]: row for row in table.rows}
    assert found["=Fair"]["leads"] == 2
    assert found["=Fair"]["pseudo_rate"] == 50.0
    assert found["=Fair"]["duplicates"] == 1
    assert found["=Fair"]["duplicate_rate"] == pytest.approx(33.3)
    assert found["=Fair"]["reason_no_budget"] == 0
    assert found["Web form"]["reason_no_budget"] == 1
    assert found["Web form"]["rejected_rate"] == 100.0
    assert table.totals["leads"] == 3
    assert "Rejected: No budget" in response.content.decode()


def test_a_manager_sees_only_their_own_leads(client, manager, sources):
    client.force_login(manager)

    table = client.get(f"/analytics/quality/?{QUERY}").context["table"]

    assert [(row["label"], row["leads"], row["duplicates"]) for row in table.rows] == [
        ("=Fair", 2, 1)
    ]


def test_the_csv_export_makes_a_formula_like_source_name_safe(client, admin_user, sources):
    client.force_login(admin_user)

    response = client.get(f"/analytics/quality/?{QUERY}&format=csv")

    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Source,Leads,Pseudo-leads,Pseudo-lead rate")
    assert lines[1].startswith("'=Fair,2,1,50.0,")


def test_the_api_answers_per_channel(api_as, head, sources):
    response = api_as(head).get(f"/api/v1/analytics/quality?{QUERY}&group_by=channel")

    assert response.status_code == 200
    body = response.json()
    # the head of sales sees their team: the fair's two leads
    assert [(row["label"], row["leads"]) for row in body["rows"]] == [
        ("Landing page / web form", 2)
    ]
    assert body["totals"]["duplicates"] == 1


def test_a_user_without_a_role_is_refused(client, db):
    nobody = UserFactory(username="nobody")
    nobody.profile.delete()
    client.force_login(nobody)

    assert client.get("/analytics/quality/").status_code == 403


@pytest.mark.parametrize("export", ["csv", "xlsx", "json"])
def test_an_export_of_a_question_the_report_cannot_answer_is_refused(
    client, marketer, export, monkeypatch
):
    client.force_login(marketer)
    computed = []
    real_table = quality.quality_table
    monkeypatch.setattr(
        quality, "quality_table", lambda *a, **k: computed.append(a) or real_table(*a, **k)
    )

    # the quality report groups by source, channel, campaign, region or month: not by owner
    response = client.get(f"/analytics/quality/?{QUERY}&group_by=owner&format={export}")
    reversed_period = client.get(
        f"/analytics/quality/?from=2025-03-31&to=2025-03-01&format={export}"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["field"] == "group_by"
    assert "owner" in error["fields"]["group_by"]
    assert reversed_period.status_code == 400
    assert "starts after it ends" in reversed_period.json()["error"]["message"]
    assert computed == []  # refused before any figure was computed
    # the page itself still opens, its form saying what is wrong
    page = client.get(f"/analytics/quality/?{QUERY}&group_by=owner")
    assert page.status_code == 200
    assert "has-error" in page.content.decode()
    assert len(computed) == 1
