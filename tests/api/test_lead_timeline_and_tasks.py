"""A lead's timeline (GET /events) and its tasks (list, plan, complete)."""

import datetime as dt

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from galena.leads.models import ActorSource, EventType, LeadEvent, Task
from galena.leads.services import Actor, note_add
from tests.api.helpers import error
from tests.factories import LeadFactory, TaskFactory

encode_time = DjangoJSONEncoder().default
NOON = dt.datetime(2025, 5, 1, 12, tzinfo=dt.UTC)


@pytest.fixture
def lead(manager, team):
    return LeadFactory(owner=manager, team=team)


# --- timeline -------------------------------------------------------------------------


def test_the_timeline_is_newest_first_with_actor_and_source(api_as, manager, lead):
    older = LeadEvent.objects.create(
        lead=lead,
        type=EventType.CREATED,
        occurred_at=NOON,
        actor=None,
        actor_source=ActorSource.WEB_FORM,
        params={"fields": {}},
    )
    newer = note_add(actor=Actor(user=manager), lead=lead, text="Called")

    response = api_as(manager).get(f"/api/v1/leads/{lead.pk}/events")

    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": newer.pk,
                "type": "note_added",
                "occurred_at": encode_time(newer.occurred_at),
                "actor": {"id": manager.pk, "username": "manager"},
                "actor_source": "manual",
                "params": {"text": "Called"},
            },
            {
                "id": older.pk,
                "type": "created",
                "occurred_at": "2025-05-01T12:00:00Z",
                "actor": None,
                "actor_source": "web_form",
                "params": {"fields": {}},
            },
        ],
        "next_cursor": None,
    }


def test_the_timeline_walks_every_event_once_with_ties_in_time(api_as, manager, lead):
    events = [
        LeadEvent.objects.create(
            lead=lead,
            type=EventType.NOTE_ADDED,
            occurred_at=NOON + dt.timedelta(minutes=index // 2),  # two events per minute
            actor_source=ActorSource.MANUAL,
        )
        for index in range(7)
    ]
    api = api_as(manager)
    seen, cursor = [], None
    while True:
        suffix = f"&cursor={cursor}" if cursor else ""
        body = api.get(f"/api/v1/leads/{lead.pk}/events?limit=3{suffix}").json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break

    expected = sorted(events, key=lambda e: (e.occurred_at, e.pk), reverse=True)
    assert seen == [event.pk for event in expected]


def test_a_timeline_cursor_of_another_lead_is_refused(api_as, manager, lead, team):
    other = LeadFactory(owner=manager, team=team)
    for text in ("one", "two"):
        note_add(actor=Actor(user=manager), lead=lead, text=text)
    api = api_as(manager)
    cursor = api.get(f"/api/v1/leads/{lead.pk}/events?limit=1").json()["next_cursor"]

    response = api.get(f"/api/v1/leads/{other.pk}/events?cursor={cursor}")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "cursor"


def test_the_timeline_of_an_invisible_lead_is_not_found(api_as, colleague, lead):
    response = api_as(colleague).get(f"/api/v1/leads/{lead.pk}/events")

    assert response.status_code == 404


@pytest.mark.parametrize("number_of_events", [1, 20])
def test_the_timeline_costs_the_same_queries_for_any_number_of_events(
    api_as, manager, head, lead, django_assert_num_queries, number_of_events
):
    for index in range(number_of_events):
        note_add(actor=Actor(user=[manager, head][index % 2]), lead=lead, text="x")
    api = api_as(manager)
    api.get(f"/api/v1/leads/{lead.pk}/events")

    # the token, the lead, the page of events with their actors
    with django_assert_num_queries(3):
        response = api.get(f"/api/v1/leads/{lead.pk}/events")

    assert len(response.json()["items"]) == number_of_events


# --- tasks ----------------------------------------------------------------------------


def test_the_tasks_are_listed_open_first_by_due_time(api_as, manager, lead):
    done = TaskFactory(lead=lead, title="Sent offer", done_at=NOON, outcome="sent")
    later = TaskFactory(lead=lead, title="Meet", due_at=NOON + dt.timedelta(days=2))
    sooner = TaskFactory(
        lead=lead, title="Call", due_at=NOON + dt.timedelta(days=1), assignee=manager
    )

    response = api_as(manager).get(f"/api/v1/leads/{lead.pk}/tasks")

    assert response.status_code == 200
    assert [task["id"] for task in response.json()] == [sooner.pk, later.pk, done.pk]
    assert response.json()[0] == {
        "id": sooner.pk,
        "lead_id": lead.pk,
        "kind": "call",
        "title": "Call",
        "description": "",
        "due_at": "2025-05-02T12:00:00Z",
        "done_at": None,
        "outcome": "",
        "is_overdue": True,
        "assignee": {"id": manager.pk, "username": "manager"},
        "created_by_id": None,
        "created_at": encode_time(sooner.created_at),
    }


@pytest.mark.parametrize("number_of_tasks", [1, 10])
def test_listing_tasks_costs_the_same_queries_for_any_number(
    api_as, manager, lead, django_assert_num_queries, number_of_tasks
):
    for _ in range(number_of_tasks):
        TaskFactory(lead=lead, assignee=manager)
    api = api_as(manager)
    api.get(f"/api/v1/leads/{lead.pk}/tasks")

    with django_assert_num_queries(3):
        response = api.get(f"/api/v1/leads/{lead.pk}/tasks")

    assert len(response.json()) == number_of_tasks


def test_a_task_is_planned_for_the_leads_owner_by_default(api_as, head, manager, lead):
    response = api_as(head).post(
        f"/api/v1/leads/{lead.pk}/tasks",
        {"kind": "meeting", "title": "Demo", "due_at": "2030-01-02T10:00:00+02:00"},
    )

    assert response.status_code == 201
    task = Task.objects.get()
    assert (task.kind, task.title, task.assignee, task.created_by) == (
        "meeting",
        "Demo",
        manager,
        head,
    )
    assert task.due_at == dt.datetime(2030, 1, 2, 8, tzinfo=dt.UTC)
    assert response.json()["assignee"] == {"id": manager.pk, "username": "manager"}
    event = LeadEvent.objects.get(lead=lead)
    assert (event.type, event.actor_source) == (EventType.TASK_CREATED, ActorSource.API)


def test_a_task_title_defaults_to_its_kind(api_as, manager, lead):
    response = api_as(manager).post(f"/api/v1/leads/{lead.pk}/tasks", {"kind": "offer"})

    assert response.status_code == 201
    assert response.json()["title"] == "Commercial offer"


def test_a_task_due_time_without_a_time_zone_is_refused(api_as, manager, lead):
    response = api_as(manager).post(
        f"/api/v1/leads/{lead.pk}/tasks", {"due_at": "2030-01-02T10:00:00"}
    )

    assert response.status_code == 400
    assert response.json() == error("invalid", "Give the time with its time zone.", field="due_at")
    assert Task.objects.count() == 0


def test_a_manager_may_not_give_a_task_to_a_colleague(api_as, manager, colleague, lead):
    response = api_as(manager).post(f"/api/v1/leads/{lead.pk}/tasks", {"assignee_id": colleague.pk})

    assert response.status_code == 403
    assert response.json() == error(
        "forbidden", "You cannot give tasks to this person.", field="assignee_id"
    )
    assert Task.objects.count() == 0
    assert LeadEvent.objects.count() == 0


def test_a_task_for_an_unknown_user_names_the_assignee_field(api_as, head, lead):
    response = api_as(head).post(f"/api/v1/leads/{lead.pk}/tasks", {"assignee_id": 999999})

    assert response.status_code == 400
    assert response.json() == error(
        "invalid", "No active user with id 999999.", field="assignee_id"
    )


def test_a_task_is_completed_with_its_outcome(api_as, manager, lead):
    task = TaskFactory(lead=lead, assignee=manager)

    response = api_as(manager).post(
        f"/api/v1/leads/{lead.pk}/tasks/{task.pk}/complete", {"outcome": "Will buy"}
    )

    assert response.status_code == 200
    assert response.json()["outcome"] == "Will buy"
    assert response.json()["done_at"] is not None
    lead.refresh_from_db()
    assert lead.first_response_at is not None
    assert LeadEvent.objects.get(lead=lead).type == EventType.TASK_COMPLETED


def test_a_done_task_cannot_be_completed_again(api_as, manager, lead):
    task = TaskFactory(lead=lead, done_at=NOON, outcome="first")

    response = api_as(manager).post(
        f"/api/v1/leads/{lead.pk}/tasks/{task.pk}/complete", {"outcome": "second"}
    )

    assert response.status_code == 400
    assert response.json() == error("invalid", "This task is already done.", field="task")
    task.refresh_from_db()
    assert task.outcome == "first"


def test_a_task_of_another_lead_is_not_found(api_as, manager, lead, team):
    other = TaskFactory(lead=LeadFactory(owner=manager, team=team))

    response = api_as(manager).post(f"/api/v1/leads/{lead.pk}/tasks/{other.pk}/complete", {})

    assert response.status_code == 404
    assert response.json() == error("not_found", "This lead has no task with this id.")
    other.refresh_from_db()
    assert other.done_at is None


def test_tasks_of_an_invisible_lead_are_not_found(api_as, colleague, lead):
    task = TaskFactory(lead=lead)
    api = api_as(colleague)

    assert api.get(f"/api/v1/leads/{lead.pk}/tasks").status_code == 404
    assert api.post(f"/api/v1/leads/{lead.pk}/tasks", {}).status_code == 404
    assert api.post(f"/api/v1/leads/{lead.pk}/tasks/{task.pk}/complete", {}).status_code == 404
    assert Task.objects.count() == 1
    assert LeadEvent.objects.count() == 0
