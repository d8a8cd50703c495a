"""Rejection with a reason, deferral with a recontact date, and the fields a stage requires."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from galena.core.errors import NotFound, ValidationFailed
from galena.leads.models import EventType, LeadEvent, RejectionReason, Stage, Task, TaskKind
from galena.leads.services import (
    Actor,
    StageFieldsMissing,
    lead_change_stage,
    lead_defer,
    lead_reject,
)
from tests.factories import LeadFactory

STAGE_HOOK_CALLS = []


def record_stage_hook(*, lead, actor, previous):
    STAGE_HOOK_CALLS.append((lead.pk, previous.code, lead.stage.code))


@pytest.fixture
def lead(manager, team):
    return LeadFactory(owner=manager, team=team)


@pytest.fixture
def actor(manager):
    return Actor(user=manager)


def stage(code):
    return Stage.objects.get(code=code)


def reason(code):
    return RejectionReason.objects.get(code=code)


def tomorrow():
    return timezone.now() + dt.timedelta(days=1)


def test_the_default_reasons_and_stage_requirements_are_seeded(db):
    assert list(RejectionReason.objects.values_list("code", flat=True)) == [
        "no_budget",
        "bought_elsewhere",
        "not_decision_maker",
        "no_need_now",
        "unreachable",
        "other",
    ]
    assert stage("rejected").required_fields == ["rejection_reason"]
    assert stage("deferred").required_fields == ["recontact_at"]
    assert stage("in_work").required_fields == []


# --- rejection ------------------------------------------------------------------------


@override_settings(LEAD_STAGE_HOOKS=["tests.leads.test_lead_reject_defer.record_stage_hook"])
def test_reject_moves_to_the_lost_stage_with_reason_and_note_and_runs_the_hooks(actor, lead):
    STAGE_HOOK_CALLS.clear()

    lead_reject(actor=actor, lead=lead, reason=reason("no_budget"), note=" Maybe next year ")

    lead.refresh_from_db()
    assert lead.stage.code == "rejected"
    assert lead.rejection_reason.code == "no_budget"
    assert lead.rejection_note == "Maybe next year"
    assert lead.rejected_at is not None
    event = LeadEvent.objects.get(lead=lead, type=EventType.STAGE_CHANGED)
    assert event.params == {
        "from": "new",
        "to": "rejected",
        "to_kind": "lost",
        "rejection_reason": "no_budget",
        "note": "Maybe next year",
    }
    assert [(lead.pk, "new", "rejected")] == STAGE_HOOK_CALLS


@pytest.mark.parametrize("given", [None, "inactive"])
def test_reject_without_an_active_reason_is_refused_and_writes_nothing(actor, lead, given):
    inactive = RejectionReason.objects.create(code="old", name="Old", is_active=False)

    with pytest.raises(ValidationFailed) as error:
        lead_reject(actor=actor, lead=lead, reason=inactive if given else None)

    assert "rejection_reason" in error.value.errors
    assert "no_budget" in error.value.errors["rejection_reason"]
    lead.refresh_from_db()
    assert (lead.stage.code, lead.rejection_reason_id) == ("new", None)
    assert not LeadEvent.objects.exists()


def test_reject_an_already_rejected_lead_is_refused(actor, lead):
    lead_reject(actor=actor, lead=lead, reason=reason("no_budget"))

    with pytest.raises(ValidationFailed) as error:
        lead_reject(actor=actor, lead=lead, reason=reason("other"))

    assert "stage" in error.value.errors
    lead.refresh_from_db()
    assert lead.rejection_reason.code == "no_budget"


def test_a_colleague_cannot_reject_someone_elses_lead(colleague, lead):
    with pytest.raises(NotFound):
        lead_reject(actor=Actor(user=colleague), lead=lead, reason=reason("no_budget"))
    assert not LeadEvent.objects.exists()


def test_moving_to_the_lost_stage_without_a_reason_names_the_missing_field(actor, lead):
    with pytest.raises(StageFieldsMissing) as error:
        lead_change_stage(actor=actor, lead=lead, stage=stage("rejected"))

    assert error.value.missing == ["rejection_reason"]
    assert "Rejected" in error.value.errors["rejection_reason"]
    lead.refresh_from_db()
    assert lead.stage.code == "new"
    assert not LeadEvent.objects.exists()


def test_leaving_the_lost_stage_clears_the_rejection_and_the_event_keeps_it(actor, lead):
    lead_reject(actor=actor, lead=lead, reason=reason("unreachable"), note="Three calls")

    lead_change_stage(actor=actor, lead=lead, stage=stage("in_work"))

    lead.refresh_from_db()
    assert (lead.rejection_reason, lead.rejection_note, lead.rejected_at) == (None, "", None)
    event = LeadEvent.objects.filter(type=EventType.STAGE_CHANGED).first()
    assert event.params["cleared"]["rejection_reason"] == "unreachable"
    assert event.params["cleared"]["rejection_note"] == "Three calls"


def test_an_inactive_reason_stays_on_the_leads_that_have_it(actor, lead):
    lead_reject(actor=actor, lead=lead, reason=reason("no_budget"))
    RejectionReason.objects.filter(code="no_budget").update(is_active=False)

    lead.refresh_from_db()
    assert lead.rejection_reason.code == "no_budget"


# --- deferral -------------------------------------------------------------------------


def test_defer_sets_the_date_moves_the_lead_and_plans_a_call_for_the_owner(head, manager, lead):
    when = tomorrow()

    lead_defer(actor=Actor(user=head), lead=lead, recontact_at=when, note="After the fair")

    lead.refresh_from_db()
    assert lead.stage.code == "deferred"
    assert lead.recontact_at == when
    task = Task.objects.get(lead=lead)
    assert (task.kind, task.due_at, task.assignee, task.description) == (
        TaskKind.CALL,
        when,
        manager,
        "After the fair",
    )
    event = LeadEvent.objects.get(type=EventType.STAGE_CHANGED)
    assert event.params == {
        "from": "new",
        "to": "deferred",
        "to_kind": "deferred",
        "recontact_at": when.isoformat(),
        "note": "After the fair",
    }
    assert LeadEvent.objects.filter(type=EventType.TASK_CREATED).count() == 1


def test_defer_to_a_day_comes_back_that_morning(actor, lead):
    day = timezone.localdate() + dt.timedelta(days=30)

    lead_defer(actor=actor, lead=lead, recontact_at=day)

    lead.refresh_from_db()
    local = timezone.localtime(lead.recontact_at)
    assert (local.date(), local.hour) == (day, 9)


@pytest.mark.parametrize(
    "when",
    [
        timezone.now() - dt.timedelta(minutes=1),
        timezone.localdate(),
        None,
    ],
)
def test_defer_needs_a_future_date_and_writes_nothing_otherwise(actor, lead, when):
    with pytest.raises(ValidationFailed) as error:
        lead_defer(actor=actor, lead=lead, recontact_at=when)

    assert "recontact_at" in error.value.errors
    lead.refresh_from_db()
    assert (lead.stage.code, lead.recontact_at) == ("new", None)
    assert not Task.objects.exists()
    assert not LeadEvent.objects.exists()


def test_defer_again_moves_the_date_and_adds_a_task(actor, lead):
    lead_defer(actor=actor, lead=lead, recontact_at=tomorrow())
    later = timezone.now() + dt.timedelta(days=10)

    lead_defer(actor=actor, lead=lead, recontact_at=later)

    lead.refresh_from_db()
    assert lead.recontact_at == later
    assert Task.objects.filter(lead=lead).count() == 2
    assert LeadEvent.objects.filter(type=EventType.STAGE_CHANGED).count() == 1


def test_leaving_the_deferred_stage_clears_the_recontact_date(actor, lead):
    lead_defer(actor=actor, lead=lead, recontact_at=tomorrow())

    lead_change_stage(actor=actor, lead=lead, stage=stage("in_work"))

    lead.refresh_from_db()
    assert lead.recontact_at is None
    assert Task.objects.filter(lead=lead, done_at__isnull=True).count() == 1  # nothing lost


def test_a_deferred_lead_rejected_loses_its_date_and_gets_a_reason(actor, lead):
    lead_defer(actor=actor, lead=lead, recontact_at=tomorrow())

    lead_reject(actor=actor, lead=lead, reason=reason("bought_elsewhere"))

    lead.refresh_from_db()
    assert (lead.stage.code, lead.recontact_at) == ("rejected", None)


# --- required fields per stage --------------------------------------------------------


def test_a_stage_requiring_fields_refuses_until_they_are_given(actor, lead):
    qualified = stage("qualified")
    qualified.required_fields = ["interest", "temperature"]
    qualified.save()
    lead.interest = ""
    lead.save()

    with pytest.raises(StageFieldsMissing) as error:
        lead_change_stage(actor=actor, lead=lead, stage=qualified, fields={"interest": "Solar"})
    assert error.value.missing == ["temperature"]
    lead.refresh_from_db()
    assert (lead.stage.code, lead.interest) == ("new", "")

    lead_change_stage(
        actor=actor, lead=lead, stage=qualified, fields={"interest": "Solar", "temperature": "hot"}
    )

    lead.refresh_from_db()
    assert (lead.stage.code, lead.interest, lead.temperature) == ("qualified", "Solar", "hot")
    event = LeadEvent.objects.get(type=EventType.STAGE_CHANGED)
    assert event.params["changes"] == {"interest": ["", "Solar"], "temperature": ["unknown", "hot"]}


def test_a_stage_change_cannot_set_other_fields(actor, lead):
    with pytest.raises(ValidationFailed) as error:
        lead_change_stage(actor=actor, lead=lead, stage=stage("in_work"), fields={"score": 100})
    assert "score" in error.value.errors


@pytest.mark.parametrize(
    "value",
    [["nonsense"], "temperature", ["temperature", "temperature"], ["score"]],
)
def test_stage_required_fields_are_validated(db, value):
    qualified = stage("qualified")
    qualified.required_fields = value

    with pytest.raises(ValidationError) as error:
        qualified.full_clean()
    assert "required_fields" in error.value.message_dict


def test_missing_fields_treats_unknown_choices_as_empty(db):
    qualified = stage("qualified")
    qualified.required_fields = ["temperature", "source", "company_name"]
    lead = LeadFactory(temperature="unknown", company_name="Acme", source=None)

    assert qualified.missing_fields(lead) == ["temperature", "source"]
