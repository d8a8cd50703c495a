import datetime as dt

import pytest
from django.utils import timezone

from galena.core.errors import NotFound, PermissionDenied, ValidationFailed
from galena.leads.models import EventType, LeadEvent, Stage, Task
from galena.leads.services import Actor, lead_change_stage, task_complete, task_create
from tests.factories import LeadFactory, TaskFactory


@pytest.fixture
def lead(manager, team):
    return LeadFactory(owner=manager, team=team)


def stage(code):
    return Stage.objects.get(code=code)


def test_stage_change_stamps_qualified_and_records_the_move(manager, lead):
    lead_change_stage(actor=Actor(user=manager), lead=lead, stage=stage("qualified"))

    lead.refresh_from_db()
    assert lead.stage.code == "qualified"
    assert lead.qualified_at is not None
    event = LeadEvent.objects.get(type=EventType.STAGE_CHANGED)
    assert event.params == {"from": "new", "to": "qualified", "to_kind": "open"}


def test_conversion_and_reopening_keep_timestamps_true(manager, lead):
    actor = Actor(user=manager)
    lead_change_stage(actor=actor, lead=lead, stage=stage("converted"))
    lead.refresh_from_db()
    assert lead.converted_at is not None

    lead_change_stage(actor=actor, lead=lead, stage=stage("in_work"))

    lead.refresh_from_db()
    assert lead.converted_at is None
    assert LeadEvent.objects.filter(type=EventType.STAGE_CHANGED).count() == 2


def test_rejection_stamps_rejected_at(manager, lead):
    lead_change_stage(
        actor=Actor(user=manager),
        lead=lead,
        stage=stage("rejected"),
        fields={"rejection_reason": "no_budget"},
    )

    lead.refresh_from_db()
    assert lead.rejected_at is not None


def test_a_rejection_can_carry_its_reason(manager, lead):
    lead_change_stage(
        actor=Actor(user=manager),
        lead=lead,
        stage=stage("rejected"),
        reason="  Too expensive ",
        fields={"rejection_reason": "no_budget"},
    )

    event = LeadEvent.objects.get(type=EventType.STAGE_CHANGED)
    assert event.params == {
        "from": "new",
        "to": "rejected",
        "to_kind": "lost",
        "reason": "Too expensive",
        "rejection_reason": "no_budget",
    }


def test_colleague_cannot_move_the_lead(colleague, lead):
    with pytest.raises(NotFound):
        lead_change_stage(actor=Actor(user=colleague), lead=lead, stage=stage("in_work"))

    lead.refresh_from_db()
    assert lead.stage.code == "new"
    assert not LeadEvent.objects.exists()


def test_task_defaults_to_the_owner_and_is_an_event(head, manager, lead):
    due = timezone.now() + dt.timedelta(hours=2)

    task = task_create(actor=Actor(user=head), lead=lead, kind="call", due_at=due)

    assert task.assignee == manager
    assert task.title == "Call"
    assert task.created_by == head
    event = LeadEvent.objects.get(type=EventType.TASK_CREATED)
    assert event.params["task_id"] == task.pk
    assert event.params["due_at"] == due.isoformat()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "telepathy"}, "kind"),
        ({"title": "x" * 201}, "title"),
        ({"due_at": dt.datetime(2030, 1, 1, 10, 0)}, "due_at"),
    ],
)
def test_invalid_task_is_refused_and_nothing_written(manager, lead, kwargs, field):
    with pytest.raises(ValidationFailed) as error:
        task_create(actor=Actor(user=manager), lead=lead, **kwargs)

    assert field in error.value.errors
    assert not Task.objects.exists()
    assert not LeadEvent.objects.exists()


def test_manager_cannot_give_a_task_to_a_colleague(manager, colleague, lead):
    with pytest.raises(PermissionDenied):
        task_create(actor=Actor(user=manager), lead=lead, assignee=colleague)

    assert not Task.objects.exists()


def test_completing_the_first_task_is_the_first_response(manager, lead):
    task = TaskFactory(lead=lead, assignee=manager)

    task_complete(actor=Actor(user=manager), task=task, outcome="Reached, sends details")

    task.refresh_from_db()
    lead.refresh_from_db()
    assert task.done_at is not None
    assert task.outcome == "Reached, sends details"
    assert lead.first_response_at == task.done_at
    assert LeadEvent.objects.get(type=EventType.TASK_COMPLETED).params["outcome"] == (
        "Reached, sends details"
    )


def test_a_done_task_cannot_be_completed_again(manager, lead):
    task = TaskFactory(lead=lead, assignee=manager, done_at=timezone.now())

    with pytest.raises(ValidationFailed):
        task_complete(actor=Actor(user=manager), task=task)

    assert not LeadEvent.objects.exists()
