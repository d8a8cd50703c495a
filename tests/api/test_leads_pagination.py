"""Cursor pagination of GET /api/v1/leads: every sort walks every row once, in order."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from galena.leads import access
from galena.leads.models import Lead, Stage, Temperature
from galena.leads.selectors import SORTS
from tests.api.helpers import error
from tests.factories import LeadFactory, SourceFactory, UserFactory

RESTART = "Start again without a cursor, from the first page."
NOON = dt.datetime(2025, 5, 1, 12, tzinfo=dt.UTC)


def walk(api, query: str, limit: int) -> list[int]:
    """Follow next_cursor from the first page to the last; the ids in the order given."""
    seen: list[int] = []
    cursor = None
    for _ in range(100):
        url = f"/api/v1/leads?{query}&limit={limit}"
        response = api.get(url if cursor is None else f"{url}&cursor={cursor}")
        assert response.status_code == 200, response.content
        body = response.json()
        assert len(body["items"]) <= limit
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("the walk did not end")


def expected_order(sort: str) -> list[int]:
    """The order the API promises, computed in Python: ties by id, NULLs as the largest."""
    key = sort.lstrip("-")

    def value(lead: Lead):
        return {
            "created": lambda: lead.created_at,
            "name": lambda: lead.display_name,
            "company": lambda: lead.company_name,
            "score": lambda: lead.score,
            "temperature": lambda: lead.temperature,
            "stage": lambda: lead.stage.order,
            "owner": lambda: lead.owner.username if lead.owner else None,
            "source": lambda: lead.source.name if lead.source else None,
        }[key]()

    def sort_key(lead: Lead):
        if key == "due":  # unanswered by deadline (NULLs last), then the latest answer first
            answered, due = lead.first_response_at, lead.response_due_at
            latest_first = -answered.timestamp() if answered else 0
            return (answered is not None, latest_first, due is None, due or NOON, lead.pk)
        v = value(lead)
        return (v is None, v if v is not None else 0, lead.pk)

    ordered = [lead.pk for lead in sorted(Lead.objects.all(), key=sort_key)]
    return ordered[::-1] if sort.startswith("-") else ordered


@pytest.fixture
def many_leads(team):
    """Thirteen leads with ties in every sort key and NULL owners and sources."""
    owners = [UserFactory(username=name, team=team) for name in ("bob", "carla")] + [None]
    sources = [SourceFactory(name="Fair"), SourceFactory(name="Web"), None]
    stages = list(Stage.objects.filter(code__in=["new", "in_work", "qualified"]))
    temperatures = [Temperature.HOT, Temperature.COLD, Temperature.UNKNOWN]
    for index in range(13):
        LeadFactory(
            display_name=["Ana", "Bo", "Cy", "Ana"][index % 4],
            company_name=["Acme", "Globex"][index % 2],
            score=[10, 20, 10, 30, 20][index % 5],
            created_at=NOON + dt.timedelta(minutes=index // 3),  # three leads per minute
            owner=owners[index % 3],
            team=team,
            source=sources[index % 3],
            stage=stages[index % 3],
            temperature=temperatures[index % 3],
            response_due_at=[None, NOON, NOON, NOON + dt.timedelta(hours=1)][index % 4],
            first_response_at=[None, None, NOON + dt.timedelta(minutes=index // 6)][index % 3],
        )


@pytest.mark.parametrize("sort", [prefix + key for key in SORTS for prefix in ("", "-")])
def test_the_walk_returns_every_lead_once_in_the_sort_order(api_as, admin_user, many_leads, sort):
    api = api_as(admin_user)

    assert walk(api, f"sort={sort}", limit=4) == expected_order(sort)


def test_the_walk_keeps_the_filters(api_as, admin_user, many_leads):
    api = api_as(admin_user)

    walked = walk(api, "sort=name&temperature=hot", limit=2)

    assert walked == [
        pk
        for pk in expected_order("name")
        if pk in set(Lead.objects.filter(temperature=Temperature.HOT).values_list("pk", flat=True))
    ]


def test_a_page_of_exactly_the_remaining_rows_is_the_last(api_as, admin_user):
    for _ in range(3):
        LeadFactory()

    body = api_as(admin_user).get("/api/v1/leads?limit=3").json()

    assert len(body["items"]) == 3
    assert body["next_cursor"] is None


def test_the_default_page_size_comes_from_the_settings(api_as, admin_user):
    for _ in range(settings.API_PAGE_SIZE + 1):
        LeadFactory()

    body = api_as(admin_user).get("/api/v1/leads").json()

    assert len(body["items"]) == settings.API_PAGE_SIZE
    assert body["next_cursor"] is not None


def test_leads_created_during_the_walk_do_not_repeat_rows(api_as, admin_user):
    older = [LeadFactory(created_at=NOON + dt.timedelta(minutes=i)) for i in range(4)]
    api = api_as(admin_user)
    first = api.get("/api/v1/leads?limit=2").json()
    LeadFactory(created_at=NOON + dt.timedelta(hours=1))  # newer than all: belongs on page one

    second = api.get(f"/api/v1/leads?limit=2&cursor={first['next_cursor']}").json()

    walked = [item["id"] for item in first["items"] + second["items"]]
    assert walked == [lead.pk for lead in reversed(older)]


def test_an_altered_cursor_is_refused_naming_the_cursor(api_as, admin_user):
    for _ in range(3):
        LeadFactory()
    api = api_as(admin_user)
    cursor = api.get("/api/v1/leads?limit=1").json()["next_cursor"]
    altered = ("A" if cursor[0] != "A" else "B") + cursor[1:]

    response = api.get(f"/api/v1/leads?limit=1&cursor={altered}")

    assert response.status_code == 400
    assert response.json() == error(
        "invalid",
        f"This cursor is not one the API gave out, or it was altered. {RESTART}",
        field="cursor",
    )


def test_a_made_up_cursor_is_refused(api_as, admin_user):
    response = api_as(admin_user).get("/api/v1/leads?cursor=eyJpZCI6IDF9")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "cursor"


def test_a_cursor_from_another_sort_is_refused(api_as, admin_user):
    for _ in range(3):
        LeadFactory()
    api = api_as(admin_user)
    cursor = api.get("/api/v1/leads?limit=1&sort=name").json()["next_cursor"]

    response = api.get(f"/api/v1/leads?limit=1&sort=score&cursor={cursor}")

    assert response.status_code == 400
    assert response.json() == error(
        "invalid",
        "This cursor belongs to another list or another sort order. Keep the same sort "
        "while following next_cursor, or start again without a cursor, from the first page.",
        field="cursor",
    )


def test_a_timeline_cursor_is_refused_by_the_lead_list(api_as, admin_user):
    from galena.leads.services import Actor, note_add

    lead = LeadFactory()
    for text in ("one", "two"):
        note_add(actor=Actor(user=admin_user), lead=lead, text=text)
    api = api_as(admin_user)
    cursor = api.get(f"/api/v1/leads/{lead.pk}/events?limit=1").json()["next_cursor"]

    response = api.get(f"/api/v1/leads?cursor={cursor}")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "cursor"


@pytest.mark.parametrize("sort", ["-created", "name", "owner", "-score", "due"])
def test_a_managers_walk_reads_their_leads_and_their_teams_queue_in_order(api_as, many_leads, sort):
    # read in parts (their own, their team's unassigned): the same leads, in the same order
    bob = get_user_model().objects.get(username="bob")
    visible = set(access.leads_visible_to(bob).values_list("pk", flat=True))

    seen = walk(api_as(bob), f"sort={sort}", limit=2)

    assert seen == [pk for pk in expected_order(sort) if pk in visible]
    assert len(access.leads_visible_parts(bob)) == 2 and len(seen) == len(visible) == 9
