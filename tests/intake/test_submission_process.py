"""From a stored submission to a lead: what is written, and that nothing is lost when a
stage fails."""

import pytest
from django.test import override_settings

from galena.intake.contract import Action, Reason
from galena.intake.models import Submission
from galena.intake.services import submission_process, submission_receive, submissions_retry
from galena.leads.models import EventType, Lead, LeadEvent, Task

FLAKY = {"fail": True}


def flaky_stage(decision, context):
    if FLAKY["fail"]:
        raise RuntimeError("scoring service down")
    return decision


def quarantine_stage(decision, context):
    reason = Reason(stage="test", code="too_fast", message="Sent in 300 ms", evidence={"ms": 300})
    return decision.but(action=Action.QUARANTINE, reasons=[reason])


def receive(form, payload, **kwargs):
    submission, _ = submission_receive(
        adapter="capture",
        channel=form.channel,
        endpoint=form.key,
        form=form,
        payload=payload,
        remote_addr="203.0.113.7",
        **kwargs,
    )
    return submission


def test_a_submission_becomes_a_lead_with_contacts_attribution_and_events(form, team):
    submission = receive(
        form,
        {
            "name": "Ana Marin",
            "phone": "0722 123 456",
            "email": "Ana@Example.ro",
            "utm_source": "google",
            "consent": True,
        },
    )

    submission = submission_process(submission_id=submission.pk)

    assert submission.status == "processed"
    assert submission.outcome == "created"
    lead = submission.lead
    assert (lead.first_name, lead.last_name) == ("Ana", "Marin")
    assert (lead.source, lead.campaign, lead.team) == (form.source, form.campaign, team)
    assert lead.utm_source == "google"
    assert lead.interest == "Solar panels"
    assert lead.created_at == submission.received_at
    assert sorted(lead.contact_points.values_list("value", flat=True)) == [
        "+40722123456",
        "ana@example.ro",
    ]
    received = LeadEvent.objects.get(lead=lead, type=EventType.SUBMISSION_RECEIVED)
    assert received.params["submission_id"] == submission.pk
    assert received.params["consent"]["text_version"] == "2026-01"
    assert received.actor_source == "web_form"


def test_callback_request_creates_a_call_task(form):
    form.kind = "callback"
    form.save()
    submission = receive(
        form, {"name": "Ana", "phone": "0722123456", "callback_at": "2030-05-01T15:00:00+03:00"}
    )

    lead = submission_process(submission_id=submission.pk).lead

    task = Task.objects.get(lead=lead)
    assert task.kind == "call"
    assert task.due_at.isoformat() == "2030-05-01T12:00:00+00:00"


def test_no_way_to_reach_the_person_is_an_interest_not_a_lead(form):
    submission = receive(form, {"name": "Ana", "budget": "5000"})

    submission = submission_process(submission_id=submission.pk)

    assert submission.status == "processed"
    assert submission.outcome == "interest"
    assert submission.lead is None
    assert Lead.objects.count() == 0
    assert submission.payload == {"name": "Ana", "budget": "5000"}


@override_settings(INTAKE_STAGES=["tests.intake.test_submission_process.quarantine_stage"])
def test_a_stage_decision_is_stored_on_the_lead_and_the_submission(form):
    submission = submission_process(
        submission_id=receive(form, {"name": "Ana", "phone": "0722123456"}).pk
    )

    assert submission.outcome == "quarantined"
    assert submission.lead.quality_status == "quarantined"
    assert submission.lead.quality_reasons[0]["code"] == "too_fast"
    assert submission.decision["reasons"][0]["evidence"] == {"ms": 300}


@override_settings(INTAKE_STAGES=["tests.intake.test_submission_process.flaky_stage"])
def test_a_failing_stage_leaves_the_submission_stored_failed_and_retryable(form):
    FLAKY["fail"] = True
    submission = receive(form, {"name": "Ana", "phone": "0722123456"})

    failed = submission_process(submission_id=submission.pk)

    assert failed.status == "failed"
    assert "scoring service down" in failed.error
    assert failed.attempts == 1
    assert Lead.objects.count() == 0
    assert LeadEvent.objects.count() == 0

    FLAKY["fail"] = False
    assert submissions_retry() == {"processed": 1}

    submission.refresh_from_db()
    assert submission.status == "processed"
    assert submission.attempts == 2
    assert submission.error == ""
    assert Lead.objects.count() == 1


def test_a_write_failure_rolls_back_the_lead_but_keeps_the_submission(form, monkeypatch):
    def broken_task_create(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr("galena.intake.services.task_create", broken_task_create)
    form.kind = "callback"
    form.save()
    submission = receive(form, {"name": "Ana", "phone": "0722123456"})

    failed = submission_process(submission_id=submission.pk)

    assert failed.status == "failed"
    assert "database hiccup" in failed.error
    assert Lead.objects.count() == 0
    assert Submission.objects.get().raw_body == submission.raw_body


def test_processing_twice_creates_one_lead(form):
    submission = receive(form, {"name": "Ana", "phone": "0722123456"})

    submission_process(submission_id=submission.pk)
    submission_process(submission_id=submission.pk)

    assert Lead.objects.count() == 1


def test_same_idempotency_key_returns_the_first_submission(form):
    first, created_first = submission_receive(
        adapter="capture",
        channel=form.channel,
        endpoint=form.key,
        form=form,
        payload={"name": "Ana"},
        idempotency_key="abc",
    )
    again, created_again = submission_receive(
        adapter="capture",
        channel=form.channel,
        endpoint=form.key,
        form=form,
        payload={"name": "Other"},
        idempotency_key="abc",
    )

    assert (created_first, created_again) == (True, False)
    assert again.pk == first.pk
    assert Submission.objects.count() == 1


@pytest.mark.parametrize("adapter", ["no-such-adapter"])
def test_unknown_adapter_fails_with_a_clear_error(form, adapter):
    submission = Submission.objects.create(adapter=adapter, channel="other", payload={})

    failed = submission_process(submission_id=submission.pk)

    assert failed.status == "failed"
    assert "No intake adapter named 'no-such-adapter'" in failed.error


def test_a_submission_stuck_after_a_crash_is_retried(form):
    import datetime as dt

    from django.utils import timezone

    stuck = receive(form, {"name": "Ana", "phone": "0722123456"})
    Submission.objects.filter(pk=stuck.pk).update(
        status="processing", received_at=timezone.now() - dt.timedelta(hours=1)
    )
    fresh = receive(form, {"name": "Bo", "phone": "0722123457"})

    assert submissions_retry() == {"processed": 1}

    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.status == "processed"
    assert fresh.status == "received"  # may still be on its way: left alone
