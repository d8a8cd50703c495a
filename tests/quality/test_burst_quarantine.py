"""Bursts found after the fact: when a burst or a farm reaches its threshold, the quality
stage asks (a follow-up after commit) for its earlier leads — accepted while the burst was
not yet known — to be held, unless sales has already worked them."""

# ruff: noqa: F811 (the intake fixtures, imported for these tests)
import datetime as dt

import pytest
from django.utils import timezone

from galena.core.errors import ValidationFailed
from galena.intake.models import DecisionReason, Submission
from galena.leads.models import EventType, Lead, LeadEvent
from galena.leads.services import Actor, note_add
from galena.quality import services
from galena.quality.tasks import quarantine_burst
from tests.factories import UserFactory
from tests.intake.conftest import commit_callbacks_run, form, source  # noqa: F401
from tests.quality.test_stage import codes, person, process

pytestmark = pytest.mark.usefixtures("commit_callbacks_run")

ADDRESS = "198.51.100.23"


def burst(form, count, *, start=None, address=ADDRESS, minutes_apart=1.0, first=0):
    """``count`` different people (person(first), person(first + 1)…) from one address, a
    minute apart."""
    start = start or timezone.now() - dt.timedelta(hours=1)
    return [
        process(
            form,
            person(first + n),
            address=address,
            at=start + dt.timedelta(minutes=n * minutes_apart),
        )
        for n in range(count)
    ]


def statuses(submissions):
    return [Lead.objects.get(pk=s.lead_id).quality_status for s in submissions]


def test_the_first_submissions_of_a_burst_are_quarantined_once_it_is_known(form):
    submissions = burst(form, 5)  # burst_address fires from the fifth within 10 minutes

    assert [s.outcome for s in submissions] == ["created"] * 4 + ["quarantined"]
    assert statuses(submissions) == ["quarantined"] * 5
    first = Lead.objects.get(pk=submissions[0].lead_id)
    late = first.quality_reasons[-1]
    assert late["code"] == "burst_address"
    assert late["evidence"]["found_after_accepted"] is True
    assert (late["evidence"]["key_kind"], late["evidence"]["key"], late["evidence"]["count"]) == (
        "address",
        ADDRESS,
        5,
    )
    assert "found after it was accepted" in late["message"]
    event = LeadEvent.objects.get(lead=first, type=EventType.QUALITY_DECIDED)
    assert (event.actor_source, event.params["decision"], event.params["before"]) == (
        "rule",
        "quarantined",
        "accepted",
    )
    assert list(
        DecisionReason.objects.filter(submission=submissions[0]).values_list("code", "outcome")
    ) == [("burst_address", "quarantined")]


def test_a_lead_sales_has_worked_is_left_accepted_and_flagged(form):
    submissions = burst(form, 4)
    worked = Lead.objects.get(pk=submissions[1].lead_id)
    note_add(
        actor=Actor(user=UserFactory(is_superuser=True)),
        lead=worked,
        text="Called, wants an offer.",
    )

    burst(form, 1, start=submissions[-1].received_at + dt.timedelta(minutes=1))

    assert statuses(submissions) == ["quarantined", "accepted", "quarantined", "quarantined"]
    worked.refresh_from_db()
    assert worked.quality_reasons[-1]["evidence"]["left_alone"] is True
    assert worked.quality_reasons[-1]["points"] == 0
    event = LeadEvent.objects.get(lead=worked, type=EventType.QUALITY_DECIDED)
    assert (event.params["decision"], event.params["worked_by_sales"]) == ("flagged", True)
    assert not DecisionReason.objects.filter(submission=submissions[1], code="burst_address")


@pytest.mark.parametrize("event_type", ["stage_changed", "call", "task_completed", "chat"])
def test_untouched_means_no_stage_change_call_task_done_or_chat(form, event_type):
    (submission,) = burst(form, 1)
    LeadEvent.objects.create(lead_id=submission.lead_id, type=event_type, actor_source="system")
    other = burst(form, 1, address="198.51.100.99")[0]

    assert services.leads_worked([submission.lead_id, other.lead_id]) == {submission.lead_id}


def test_untouched_means_nothing_done_by_hand_either_but_rules_and_the_system_do_not_count(form):
    by_hand, by_rule = burst(form, 2)
    LeadEvent.objects.create(lead_id=by_hand.lead_id, type="updated", actor_source="manual")
    LeadEvent.objects.create(lead_id=by_rule.lead_id, type="assigned", actor_source="rule")

    assert services.leads_worked([by_hand.lead_id, by_rule.lead_id]) == {by_hand.lead_id}


def test_running_it_twice_changes_nothing_the_second_time(form):
    submissions = burst(form, 5)
    trigger = submissions[-1]
    reason = next(r for r in trigger.lead.quality_reasons if r["code"] == "burst_address")
    events = LeadEvent.objects.filter(type=EventType.QUALITY_DECIDED).count()
    rows = DecisionReason.objects.count()

    again = quarantine_burst(
        lead_id=trigger.lead_id,
        submission_id=trigger.pk,
        key_kind="address",
        key=ADDRESS,
        since=(trigger.received_at - dt.timedelta(minutes=10)).isoformat(),
        until=trigger.received_at.isoformat(),
        reason=reason,
    )

    assert again == {"quarantined": [], "flagged": []}
    assert LeadEvent.objects.filter(type=EventType.QUALITY_DECIDED).count() == events
    assert DecisionReason.objects.count() == rows


def test_a_worked_lead_is_flagged_once_however_often_it_runs(form):
    submissions = burst(form, 4)
    worked = Lead.objects.get(pk=submissions[0].lead_id)
    note_add(
        actor=Actor(user=UserFactory(is_superuser=True)), lead=worked, text="Met at the office."
    )
    reason = {"stage": "quality", "code": "burst_address", "points": 100, "evidence": {}}
    window = {
        "key_kind": "address",
        "key": ADDRESS,
        "since": submissions[0].received_at,
        "until": submissions[-1].received_at,
        "reason": reason,
    }

    first = services.leads_quarantine_burst(**window)
    second = services.leads_quarantine_burst(**window)

    assert (first.flagged, second.flagged, second.quarantined) == ([worked.pk], [], [])
    assert LeadEvent.objects.filter(lead=worked, type=EventType.QUALITY_DECIDED).count() == 1


def test_leads_outside_the_window_or_from_another_address_are_untouched(form):
    # other people than the burst's: the same person again would be a repeat inquiry
    early = burst(form, 1, start=timezone.now() - dt.timedelta(hours=3), first=20)
    elsewhere = burst(form, 1, address="198.51.100.77", first=21)
    submissions = burst(form, 5)

    assert statuses(early + elsewhere) == ["accepted", "accepted"]
    assert statuses(submissions) == ["quarantined"] * 5


def test_a_released_lead_is_not_held_again(form):
    submissions = burst(form, 5)
    first = Lead.objects.get(pk=submissions[0].lead_id)
    reviewer = UserFactory(is_superuser=True)
    services.lead_quality_release(actor=Actor(user=reviewer), leads=[first])

    burst(form, 1, start=submissions[-1].received_at + dt.timedelta(seconds=30))

    first.refresh_from_db()
    assert first.quality_status == "accepted"


def test_a_farm_is_caught_for_its_source_only(form, source):
    # Given eight people in two hours from one /24 for one source (farmed_network's default)
    start = timezone.now() - dt.timedelta(hours=2)
    farm = [
        process(
            form, person(n), address=f"203.0.113.{10 + n}", at=start + dt.timedelta(minutes=12 * n)
        )
        for n in range(8)
    ]

    assert "farmed_network" in codes(farm[-1])
    assert statuses(farm) == ["quarantined"] * 8
    assert DecisionReason.objects.filter(code="farmed_network", outcome="quarantined").count() == 8


def test_a_burst_needs_a_known_kind_and_key_and_writes_nothing_otherwise(form):
    submissions = burst(form, 2)
    now = timezone.now()

    with pytest.raises(ValidationFailed):
        services.leads_quarantine_burst(
            key_kind="planet",
            key="x",
            since=now - dt.timedelta(hours=2),
            until=now,
            reason={"code": "burst_address"},
        )
    with pytest.raises(ValidationFailed):
        services.leads_quarantine_burst(
            key_kind="address",
            key=ADDRESS,
            since=now - dt.timedelta(hours=2),
            until=now,
            reason={"code": "honeypot"},
        )

    assert statuses(submissions) == ["accepted", "accepted"]
    assert not LeadEvent.objects.filter(type=EventType.QUALITY_DECIDED).exists()


def test_the_follow_up_is_asked_for_only_when_a_burst_fires_with_its_window(form, monkeypatch):
    queued = []
    monkeypatch.setattr(quarantine_burst, "delay", lambda **params: queued.append(params))

    submissions = burst(form, 5)

    trigger = submissions[-1]
    assert len(queued) == 1
    params = queued[0]
    assert (params["lead_id"], params["submission_id"], params["key_kind"], params["key"]) == (
        trigger.lead_id,
        trigger.pk,
        "address",
        ADDRESS,
    )
    assert dt.datetime.fromisoformat(params["until"]) == trigger.received_at
    assert dt.datetime.fromisoformat(params["since"]) == trigger.received_at - dt.timedelta(
        minutes=10
    )
    assert params["reason"]["code"] == "burst_address"
    assert statuses(submissions) == ["accepted"] * 4 + ["quarantined"]  # nothing ran yet


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_catching_the_same_burst_at_once_hold_each_lead_once(form):
    """Two submissions of one burst fire at once and both follow-ups run together: the
    leads are locked, so each is held by one of them, with one event and one reason row."""
    import threading

    from django.db import connection

    submissions = burst(form, 4)  # below the threshold: nothing held yet
    window = {
        "key_kind": "address",
        "key": ADDRESS,
        "since": submissions[0].received_at,
        "until": submissions[-1].received_at,
        "reason": {"stage": "quality", "code": "burst_address", "points": 100, "evidence": {}},
    }
    barrier = threading.Barrier(2)
    outcomes = []

    def catch():
        try:
            barrier.wait()
            outcomes.append(services.leads_quarantine_burst(**window))
        finally:
            connection.close()

    threads = [threading.Thread(target=catch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    held = sorted(lead_id for outcome in outcomes for lead_id in outcome.quarantined)
    assert held == sorted(s.lead_id for s in submissions)
    assert statuses(submissions) == ["quarantined"] * 4
    assert LeadEvent.objects.filter(type=EventType.QUALITY_DECIDED).count() == 4
    assert DecisionReason.objects.filter(code="burst_address").count() == 4


def test_a_known_lead_a_burst_submission_was_attached_to_is_not_held(form):
    submissions = burst(form, 4)
    # the second one turned out to be a known customer's: it was attached, not created
    Submission.objects.filter(pk=submissions[1].pk).update(outcome="attached")

    burst(form, 1, start=submissions[-1].received_at + dt.timedelta(seconds=30))

    assert statuses(submissions) == ["quarantined", "accepted", "quarantined", "quarantined"]
