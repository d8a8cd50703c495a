"""Two merges of overlapping leads at the same moment (PostgreSQL): exactly one wins, the
other is refused cleanly, nothing deadlocks, no row is lost or left on a merged lead."""

import threading

import pytest
from django.db import connection

from galena.core.errors import ValidationFailed
from galena.intake.models import DecisionReason, Submission
from galena.leads.models import ContactPoint, EventType, Lead, LeadEvent, Task
from galena.matching.models import LeadMerge
from galena.matching.services import lead_links, leads_merge
from tests.matching.merge_helpers import manual, person, submission_for, with_history

TABLES = (LeadEvent, Task, ContactPoint, Submission, DecisionReason)


def busy_lead(head, first_name, phone):
    """A lead with enough history that a merge of it takes a while."""
    lead = person(head, first_name, "Marin", phone=phone)
    with_history(head, lead, notes=3, tasks=2)
    submission_for(lead)
    LeadEvent.objects.bulk_create(
        LeadEvent(lead=lead, type=EventType.NOTE_ADDED, actor_source="manual") for _ in range(300)
    )
    return lead


def race(head, admin_user, first: tuple, second: tuple) -> dict[str, str]:
    """Run two merges, (survivor, others) each, at the same moment in two threads."""
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def run(name, user, survivor, others):
        try:
            barrier.wait()
            leads_merge(survivor=survivor, others=others, actor=manual(user))
            outcomes[name] = "merged"
        except ValidationFailed as error:
            outcomes[name] = f"refused: {error.message}"
        except Exception as error:  # a deadlock or anything else: the test must say so
            outcomes[name] = f"error: {type(error).__name__}: {error}"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("first", head, *first)),
        threading.Thread(target=run, args=("second", admin_user, *second)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a merge hung"
    return outcomes


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def assert_nothing_points_at_a_merged_lead():
    merged = list(Lead.objects.filter(merged_into__isnull=False).values_list("pk", flat=True))
    for link in lead_links():
        rows = link.model._base_manager.filter(**{f"{link.field.attname}__in": merged})
        if link.model is LeadEvent:
            rows = rows.exclude(type=EventType.MERGED)
        if link.model is ContactPoint:  # a value the survivor has stays, recorded as kept
            kept = [
                pk
                for merge in LeadMerge.objects.all()
                for pks in merge.moved["kept"].get(link.key, {}).values()
                for pk in pks
            ]
            rows = rows.exclude(pk__in=kept)
        assert not rows.exists(), link.key
    survivors = set(
        Lead.objects.filter(merged_into__isnull=False).values_list("merged_into", flat=True)
    )
    assert not Lead.objects.filter(pk__in=survivors, merged_into__isnull=False).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_merges_at_once_one_wins_and_the_other_is_refused(head, admin_user):
    a = busy_lead(head, "Ana", "+40722000001")
    b = busy_lead(head, "Anna", "+40722000002")
    c = busy_lead(head, "Anya", "+40722000003")
    before = row_counts()

    outcomes = race(head, admin_user, (a, [b]), (c, [b]))

    assert sorted(o.split(":")[0] for o in outcomes.values()) == ["merged", "refused"], outcomes
    refused = next(o for o in outcomes.values() if o.startswith("refused"))
    assert f"Lead #{b.pk} (Anna Marin) was already merged into lead #" in refused
    assert LeadMerge.objects.count() == 1
    winner = LeadMerge.objects.get()
    assert winner.merged_ids == [b.pk]
    assert Lead.objects.get(pk=b.pk).merged_into_id == winner.survivor_id
    assert Lead.objects.filter(merged_into__isnull=False).count() == 1
    # nothing lost: the same rows, plus the winner's two MERGED events
    after = row_counts()
    assert after == {**before, "LeadEvent": before["LeadEvent"] + 2}
    assert_nothing_points_at_a_merged_lead()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_merges_in_opposite_directions_at_once_do_not_deadlock(head, admin_user):
    """A into C while C into A: both lock A then C (primary-key order), so one waits for
    the other instead of each holding the lead the other needs."""
    a = busy_lead(head, "Ana", "+40722000001")
    c = busy_lead(head, "Anya", "+40722000003")
    before = row_counts()

    outcomes = race(head, admin_user, (c, [a]), (a, [c]))

    assert sorted(o.split(":")[0] for o in outcomes.values()) == ["merged", "refused"], outcomes
    assert LeadMerge.objects.count() == 1
    assert Lead.objects.filter(merged_into__isnull=False).count() == 1
    assert row_counts() == {**before, "LeadEvent": before["LeadEvent"] + 2}
    assert_nothing_points_at_a_merged_lead()
