"""The worker's batch path writes what the one-by-one path writes, and keeps failures to
the submission that caused them."""

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from galena.intake import batching
from galena.intake.models import Submission
from galena.intake.services import submission_enqueue, submission_process, submission_receive
from galena.leads.models import ContactPoint, EventType, Lead, LeadEvent, Task


def receive(form, payload):
    submission, _ = submission_receive(
        adapter="capture", channel=form.channel, endpoint=form.key, form=form, payload=payload
    )
    return submission


def lead_shape(lead):
    return {
        "fields": {
            f: getattr(lead, f)
            for f in (
                "first_name",
                "last_name",
                "display_name",
                "company_name",
                "interest",
                "channel",
                "source_id",
                "campaign_id",
                "team_id",
                "utm_source",
                "quality_status",
                "search_text",
                "stage_id",
                "owner_id",
                "attributes",
            )
        },
        "contacts": sorted(
            (p.kind, p.value, p.value_raw, p.is_primary, p.is_valid)
            for p in lead.contact_points.all()
        ),
        "events": sorted(
            (e.type, e.actor_source, tuple(sorted(k for k in e.params if k != "submission_id")))
            for e in lead.events.all()
        ),
    }


PAYLOAD = {
    "name": "Ana Marin",
    "phone": "0722 123 456",
    "email": "Ana@Example.ro",
    "company": "Solaris",
    "utm_source": "google",
    "roof_m2": "40",
    "consent": True,
}


# the same payload twice would be one person writing twice: matching is left out here
@override_settings(
    INTAKE_STAGES=[s for s in settings.INTAKE_STAGES if s != "galena.matching.stage.matching"]
)
def test_batch_writes_the_same_lead_as_one_by_one(form):
    single = submission_process(submission_id=receive(form, PAYLOAD).pk).lead
    batched_submission = receive(form, PAYLOAD)

    assert batching.submissions_process_pending(limit=10) == 1

    batched_submission.refresh_from_db()
    assert batched_submission.status == "processed"
    assert batched_submission.outcome == "created"
    assert batched_submission.decision == {"action": "create", "reasons": []}
    assert batched_submission.processed_at is not None
    assert (batched_submission.attempts, batched_submission.error) == (1, "")
    assert lead_shape(batched_submission.lead) == lead_shape(single)


def test_a_batch_processes_every_waiting_submission_in_order(form):
    submissions = [
        receive(form, {"name": f"Person {n}", "phone": f"07221234{n:02d}"}) for n in range(12)
    ]

    assert batching.submissions_process_pending(limit=5) == 5
    assert batching.submissions_drain(batch_size=5) == 7

    assert Lead.objects.count() == 12
    assert set(Submission.objects.values_list("status", flat=True)) == {"processed"}
    assert {s.pk for s in submissions} == set(
        Submission.objects.filter(lead__isnull=False).values_list("pk", flat=True)
    )
    assert LeadEvent.objects.filter(type=EventType.SUBMISSION_RECEIVED).count() == 12


def test_a_bad_submission_fails_alone(form):
    good = receive(form, {"name": "Ana", "phone": "0722123456"})
    bad = receive(form, {"name": "Bo", "phone": "0722123457", "country": "ROU"})
    bad.adapter = "no-such-adapter"
    bad.save()

    batching.submissions_process_pending(limit=10)

    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.status == "processed"
    assert bad.status == "failed"
    assert "No intake adapter named 'no-such-adapter'" in bad.error
    assert bad.attempts == 1
    assert Lead.objects.count() == 1


def test_submissions_that_need_more_than_a_lead_take_the_full_path(form):
    form.kind = "callback"
    form.save()
    receive(form, {"name": "Ana", "phone": "0722123456"})
    receive(form, {"name": "Nobody reachable"})

    batching.submissions_process_pending(limit=10)

    assert Task.objects.get().kind == "call"
    assert sorted(Submission.objects.values_list("outcome", flat=True)) == ["created", "interest"]


def test_a_database_error_in_the_bulk_write_falls_back_to_one_by_one(form, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("COPY failed")

    monkeypatch.setattr("galena.intake.batching.leads_create_bulk", broken)
    receive(form, {"name": "Ana", "phone": "0722123456"})
    receive(form, {"name": "Bo", "phone": "0722123457"})

    batching.submissions_process_pending(limit=10)

    assert Lead.objects.count() == 2
    assert ContactPoint.objects.count() == 2
    assert set(Submission.objects.values_list("status", flat=True)) == {"processed"}


def failing_for_many(*, leads):
    """A creation hook whose SQL fails for a batch of leads (after they are written)."""
    if len(leads) > 1:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")


def test_a_database_error_after_the_bulk_rows_are_written_leaves_none_of_them(form):
    """The batch's leads and contact points are already inserted when a hook's statement
    fails: the whole bulk write is undone (on PostgreSQL the transaction was aborted too)
    and the one-by-one writes store each person once."""
    receive(form, {"name": "Ana", "phone": "0722123456"})
    receive(form, {"name": "Bo", "phone": "0722123457"})
    hooks = [*settings.LEADS_CREATED_HOOKS, "tests.intake.test_batching.failing_for_many"]

    with override_settings(LEADS_CREATED_HOOKS=hooks):
        assert batching.submissions_process_pending(limit=10) == 2

    assert sorted(Lead.objects.values_list("first_name", flat=True)) == ["Ana", "Bo"]
    assert ContactPoint.objects.count() == 2
    assert LeadEvent.objects.filter(type=EventType.CREATED).count() == 2
    assert set(Submission.objects.values_list("status", flat=True)) == {"processed"}


def test_processed_submissions_are_not_claimed_again(form):
    receive(form, {"name": "Ana", "phone": "0722123456"})
    batching.submissions_process_pending(limit=10)

    assert batching.submissions_process_pending(limit=10) == 0
    assert Lead.objects.count() == 1


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_with_a_broker_one_wake_up_is_queued_for_many_submissions(form, monkeypatch):
    queued = []
    monkeypatch.setattr("galena.intake.tasks.drain_submissions.delay", lambda: queued.append(1))
    monkeypatch.setattr(
        "galena.intake.services.transaction.on_commit", lambda callback, using=None: callback()
    )

    for n in range(5):
        submission_enqueue(receive(form, {"name": f"P{n}", "phone": f"072212345{n}"}))

    assert queued == [1]
    assert batching.submissions_drain() == 5
    submission_enqueue(receive(form, {"name": "Late", "phone": "0722123499"}))
    assert queued == [1, 1]  # the drain released the key: the next one wakes a worker


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_drains_at_once_share_the_work_without_overlap(form):
    import threading

    from django.db import connection

    for n in range(40):
        receive(form, {"name": f"P{n}", "phone": f"07221234{n:02d}"})
    counts = []

    def drain():
        try:
            counts.append(batching.submissions_drain(batch_size=7))
        finally:
            connection.close()

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(counts) == 40
    assert Lead.objects.count() == 40
    assert Submission.objects.filter(status="processed").count() == 40
