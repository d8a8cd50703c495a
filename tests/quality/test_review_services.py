"""Releasing and rejecting quarantined leads: who may, what changes, what is recorded."""

import pytest

from galena.core.errors import NotFound, PermissionDenied, ValidationFailed
from galena.leads.models import ActorSource, EventType, LeadEvent
from galena.leads.services import Actor
from galena.quality.services import (
    REVIEW_BATCH_LIMIT,
    lead_quality_reject,
    lead_quality_release,
)
from tests.quality.review_helpers import EMAIL_TYPO, TOO_FAST, submitted_lead


def decisions():
    return LeadEvent.objects.filter(type=EventType.QUALITY_DECIDED)


@pytest.fixture
def held(team):
    return submitted_lead(team=team, reasons=[TOO_FAST, EMAIL_TYPO])


def test_release_sends_the_lead_to_sales_and_records_why(head, held):
    outcome = lead_quality_release(actor=Actor(user=head), leads=[held], note="Real customer")

    held.refresh_from_db()
    assert held.quality_status == "accepted"
    assert [lead.pk for lead in outcome.changed] == [held.pk]
    assert outcome.skipped == []
    event = decisions().get(lead=held)
    assert event.actor == head
    assert event.actor_source == ActorSource.MANUAL
    assert event.params == {
        "decision": "released",
        "before": "quarantined",
        "after": "accepted",
        "note": "Real customer",
        "reasons": [TOO_FAST, EMAIL_TYPO],
    }


def test_release_in_bulk_takes_ids_and_writes_one_event_each(head, team):
    leads = [submitted_lead(team=team, reasons=[TOO_FAST]) for _ in range(3)]

    outcome = lead_quality_release(actor=Actor(user=head), leads=[lead.pk for lead in leads])

    assert [lead.pk for lead in outcome.changed] == [lead.pk for lead in leads]
    for lead in leads:
        lead.refresh_from_db()
        assert lead.quality_status == "accepted"
    assert decisions().count() == 3


def test_release_skips_leads_no_longer_quarantined(head, team, held):
    accepted = submitted_lead(team=team, status="accepted")
    rejected = submitted_lead(team=team, status="rejected")

    outcome = lead_quality_release(actor=Actor(user=head), leads=[accepted, held, rejected])

    assert [lead.pk for lead in outcome.changed] == [held.pk]
    assert outcome.skipped == [accepted.pk, rejected.pk]
    accepted.refresh_from_db()
    rejected.refresh_from_db()
    assert (accepted.quality_status, rejected.quality_status) == ("accepted", "rejected")
    assert list(decisions().values_list("lead_id", flat=True)) == [held.pk]


def test_releasing_twice_changes_nothing_the_second_time(head, held):
    lead_quality_release(actor=Actor(user=head), leads=[held])

    outcome = lead_quality_release(actor=Actor(user=head), leads=[held])

    assert outcome.changed == []
    assert outcome.skipped == [held.pk]
    assert decisions().count() == 1


@pytest.mark.parametrize("role", ["manager", "telemarketer", "marketer"])
def test_only_heads_of_sales_and_admins_may_release(request, role, held):
    user = request.getfixturevalue(role)

    with pytest.raises(PermissionDenied):
        lead_quality_release(actor=Actor(user=user), leads=[held])

    held.refresh_from_db()
    assert held.quality_status == "quarantined"
    assert not decisions().exists()


@pytest.mark.parametrize("role", ["manager", "marketer"])
def test_only_heads_of_sales_and_admins_may_reject(request, role, held):
    user = request.getfixturevalue(role)

    with pytest.raises(PermissionDenied):
        lead_quality_reject(actor=Actor(user=user), leads=[held])

    held.refresh_from_db()
    assert held.quality_status == "quarantined"
    assert not decisions().exists()


def test_a_lead_outside_the_reviewers_team_is_not_found_and_nothing_is_written(
    head, held, other_team
):
    elsewhere = submitted_lead(team=other_team)

    with pytest.raises(NotFound):
        lead_quality_release(actor=Actor(user=head), leads=[held, elsewhere])

    held.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (held.quality_status, elsewhere.quality_status) == ("quarantined", "quarantined")
    assert not decisions().exists()


def test_an_admin_reviews_every_team(admin_user, held, other_team):
    elsewhere = submitted_lead(team=other_team)

    outcome = lead_quality_release(actor=Actor(user=admin_user), leads=[held, elsewhere])

    assert len(outcome.changed) == 2


def test_reject_marks_quarantined_and_accepted_leads_as_pseudo(head, team, held):
    accepted = submitted_lead(team=team, status="accepted")

    outcome = lead_quality_reject(
        actor=Actor(user=head, source=ActorSource.API),
        leads=[held, accepted],
        reason_code="test_values",
        note="Same fake name twice",
    )

    assert [lead.pk for lead in outcome.changed] == [held.pk, accepted.pk]
    held.refresh_from_db()
    accepted.refresh_from_db()
    assert (held.quality_status, accepted.quality_status) == ("rejected", "rejected")
    event = decisions().get(lead=held)
    assert event.actor_source == ActorSource.API
    assert event.params == {
        "decision": "rejected",
        "before": "quarantined",
        "after": "rejected",
        "note": "Same fake name twice",
        "reason_code": "test_values",
        "reasons": [TOO_FAST, EMAIL_TYPO],
    }
    assert decisions().get(lead=accepted).params["before"] == "accepted"


def test_reject_skips_leads_already_rejected(head, team):
    rejected = submitted_lead(team=team, status="rejected")

    outcome = lead_quality_reject(actor=Actor(user=head), leads=[rejected])

    assert outcome.changed == [] and outcome.skipped == [rejected.pk]
    assert not decisions().exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"leads": []}, "lead_ids"),
        ({"leads": ["7"]}, "lead_ids"),
        ({"leads": list(range(1, REVIEW_BATCH_LIMIT + 2))}, "lead_ids"),
        ({"note": "x" * 1001}, "note"),
        ({"reason_code": "Not a code!"}, "reason_code"),
    ],
)
def test_invalid_requests_are_refused_and_write_nothing(head, held, kwargs, field):
    arguments = {"leads": [held], **kwargs}

    with pytest.raises(ValidationFailed) as error:
        lead_quality_reject(actor=Actor(user=head), **arguments)

    assert error.value.field == field
    held.refresh_from_db()
    assert held.quality_status == "quarantined"
    assert not decisions().exists()


def test_the_same_lead_twice_in_a_selection_is_decided_once(head, held):
    outcome = lead_quality_release(actor=Actor(user=head), leads=[held.pk, held.pk])

    assert len(outcome.changed) == 1
    assert decisions().count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_deciding_at_once_decide_once(head, admin_user, team):
    """One releases while the other rejects the same held leads: each lead gets exactly one
    decision, and the second reviewer is told which leads were already decided."""
    import threading

    from django.db import connection

    leads = [submitted_lead(team=team, reasons=[TOO_FAST]) for _ in range(3)]
    ids = [lead.pk for lead in leads]
    barrier = threading.Barrier(2)
    outcomes = {}

    def decide(name, user, service):
        try:
            barrier.wait()
            outcomes[name] = service(actor=Actor(user=user), leads=ids)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=("release", head, lead_quality_release)),
        threading.Thread(target=decide, args=("reject", admin_user, lead_quality_reject)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    released, rejected = outcomes["release"], outcomes["reject"]
    # whoever locked first decided all three; the other found them decided (a reject after a
    # release is allowed: accepted leads may still be rejected as pseudo-leads)
    assert len(released.changed) + len(released.skipped) == 3
    statuses = {lead.quality_status for lead in type(leads[0]).objects.filter(pk__in=ids)}
    if released.changed and rejected.changed:
        assert statuses == {"rejected"}
        assert decisions().count() == 6
    else:
        assert len(statuses) == 1
        assert decisions().count() == 3
    for lead_id in ids:
        befores = list(
            decisions()
            .filter(lead_id=lead_id)
            .order_by("id")
            .values_list("params__before", flat=True)
        )
        assert befores in (["quarantined"], ["quarantined", "accepted"])
