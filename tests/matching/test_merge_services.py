"""Merging leads and undoing it: what is stored, moved, returned — and what a refusal
leaves untouched."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from galena.core.errors import PermissionDenied, ValidationFailed
from galena.intake.models import DecisionReason, Submission
from galena.leads.models import ContactPoint, EventType, Lead, LeadEvent, Task
from galena.leads.services import lead_update, note_add, task_create
from galena.matching.models import (
    DuplicateCandidate,
    DuplicateStatus,
    LeadMerge,
    MatchKey,
)
from galena.matching.selectors import matching_settings
from galena.matching.services import lead_links, lead_unmerge, leads_merge
from tests.matching.merge_helpers import manual, person


def rows_of(model, lead):
    return set(model.objects.filter(lead=lead).values_list("pk", flat=True))


def merge(head, survivor, *others, **kwargs):
    return leads_merge(survivor=survivor, others=list(others), actor=manual(head), **kwargs)


def history(*leads):
    """Everything that points at these leads, per lead: to compare before and after."""
    return {
        lead.pk: {
            model.__name__: rows_of(model, lead)
            for model in (LeadEvent, Task, ContactPoint, Submission, DecisionReason)
        }
        for lead in leads
    }


# --- merging --------------------------------------------------------------------------


def test_every_row_of_the_merged_lead_moves_to_the_survivor(head, ana, anna):
    moving = history(anna)[anna.pk]
    key = MatchKey.objects.create(lead=anna, key="name:marin")

    result = merge(head, ana, anna)

    after = history(ana, anna)
    for model in ("LeadEvent", "Task", "ContactPoint", "Submission", "DecisionReason"):
        assert moving[model] <= after[ana.pk][model], model
    assert after[anna.pk]["Task"] == set()
    assert after[anna.pk]["Submission"] == set()
    assert after[anna.pk]["DecisionReason"] == set()
    # only the merge's own event stays with the merged lead
    assert list(LeadEvent.objects.filter(lead=anna).values_list("type", flat=True)) == [
        EventType.MERGED
    ]
    # blocking keys stay with the merged lead: candidate search follows merged_into
    assert MatchKey.objects.get(pk=key.pk).lead_id == anna.pk
    assert "matching.MatchKey.lead" not in result.moved["rows"]


def test_the_merge_records_what_moved_per_model_and_original_lead(head, ana, anna):
    events = sorted(rows_of(LeadEvent, anna))
    tasks = sorted(rows_of(Task, anna))
    submissions = sorted(rows_of(Submission, anna))

    result = merge(head, ana, anna)

    assert result.survivor_id == ana.pk
    assert result.merged_ids == [anna.pk]
    rows = result.moved["rows"]
    assert rows["leads.LeadEvent.lead"] == {str(anna.pk): events}
    assert rows["leads.Task.lead"] == {str(anna.pk): tasks}
    assert rows["intake.Submission.lead"] == {str(anna.pk): submissions}
    assert set(rows) >= {"leads.ContactPoint.lead", "intake.DecisionReason.lead"}
    assert set(result.snapshot["leads"]) == {str(ana.pk), str(anna.pk)}
    assert result.snapshot["leads"][str(anna.pk)]["company_name"] == "Solaris SRL"


def test_the_merged_lead_points_at_the_survivor_and_both_have_a_merged_event(head, ana, anna):
    result = merge(head, ana, anna)

    anna.refresh_from_db()
    assert anna.merged_into_id == ana.pk
    survivor_event = LeadEvent.objects.get(lead=ana, type=EventType.MERGED)
    assert survivor_event.actor == head
    assert survivor_event.params["merge_id"] == result.pk
    assert survivor_event.params["merged_ids"] == [anna.pk]
    assert survivor_event.params["changes"]["company_name"] == ["", "Solaris SRL"]
    assert survivor_event.params["sources"]["company_name"] == anna.pk
    merged_event = LeadEvent.objects.get(lead=anna, type=EventType.MERGED)
    assert merged_event.params == {
        "merge_id": result.pk,
        "into": ana.pk,
        "into_name": "Ana Marin",
    }


def test_the_survivor_gets_the_chosen_values_and_what_derives_from_them(head, ana, anna):
    merge(head, ana, anna, choices={"first_name": anna.pk})

    ana.refresh_from_db()
    assert (ana.first_name, ana.company_name, ana.city) == ("Anna", "Solaris SRL", "Iasi")
    assert ana.display_name == "Anna Marin"
    assert ana.name_translit == "anna marin"
    assert "ana@solaris.example" in ana.search_text and "+40722123456" in ana.search_text
    assert "solaris srl" in ana.search_text


def test_the_earliest_creation_time_is_kept(head, ana, anna):
    Lead.objects.filter(pk=anna.pk).update(created_at=ana.created_at - dt.timedelta(days=3))

    merge(head, ana, anna)

    ana.refresh_from_db()
    assert ana.created_at == Lead.objects.get(pk=anna.pk).created_at


def test_a_contact_the_survivor_already_has_stays_on_the_merged_lead(head):
    survivor = person(head, "Ana", "Marin", email="ana@solaris.example")
    other = person(head, "Ana", "Marin", email="ana@solaris.example", phone="+40722123456")
    twin = other.contact_points.get(kind="email")
    phone = other.contact_points.get(kind="phone")

    result = merge(head, survivor, other)

    assert ContactPoint.objects.get(pk=twin.pk).lead_id == other.pk
    assert ContactPoint.objects.get(pk=phone.pk).lead_id == survivor.pk
    assert result.moved["kept"] == {"leads.ContactPoint.lead": {str(other.pk): [twin.pk]}}
    primaries = survivor.contact_points.filter(is_primary=True)
    assert sorted(primaries.values_list("kind", flat=True)) == ["email", "phone"]


def test_the_most_recently_verified_value_becomes_primary_and_verification_carries(head):
    survivor = person(head, "Ana", "Marin", email="ana@old.example")
    other = person(head, "Ana", "Marin", email="ana@new.example")
    verified_at = timezone.now()
    other.contact_points.update(verified=True, verified_at=verified_at)

    result = merge(head, survivor, other)

    emails = {p.value: p for p in survivor.contact_points.all()}
    assert emails["ana@new.example"].is_primary and emails["ana@new.example"].verified
    assert not emails["ana@old.example"].is_primary
    old_id = str(emails["ana@old.example"].pk)
    assert result.snapshot["contacts"][old_id]["before"]["is_primary"] is True
    assert result.snapshot["contacts"][old_id]["after"]["is_primary"] is False


def test_duplicate_pairs_between_the_merged_leads_close_and_others_stay_open(head, ana, anna):
    outsider = person(head, "Ana", "Marinescu")
    pair = DuplicateCandidate.objects.create(
        lead=anna, other=ana, probability=0.9, weight=8, found_by="intake"
    )
    other_pair = DuplicateCandidate.objects.create(
        lead=outsider, other=anna, probability=0.6, weight=3, found_by="intake"
    )

    result = merge(head, ana, anna)

    pair.refresh_from_db()
    other_pair.refresh_from_db()
    assert (pair.status, pair.decided_by) == (DuplicateStatus.MERGED, head)
    assert other_pair.status == DuplicateStatus.OPEN
    assert result.moved["candidates"] == [pair.pk]


def test_three_leads_merge_at_once(head, ana, anna):
    third = person(head, "Ana", "Marin", phone="+40722999999")

    result = merge(head, ana, anna, third)

    assert sorted(result.merged_ids) == sorted([anna.pk, third.pk])
    assert Lead.objects.filter(merged_into=ana).count() == 2
    assert ana.contact_points.count() == 3


def test_every_foreign_key_to_a_lead_is_found_hidden_ones_too():
    keys = {link.key for link in lead_links()}

    assert {
        "leads.ContactPoint.lead",
        "leads.LeadEvent.lead",
        "leads.Task.lead",
        "intake.Submission.lead",
        "intake.DecisionReason.lead",
    } <= keys
    # a merged lead keeps its blocking keys: candidate search follows merged_into
    assert not any(
        key.startswith(("matching.LeadMerge", "matching.DuplicateCandidate", "matching.MatchKey"))
        for key in keys
    )
    assert "leads.Lead.merged_into" not in keys


# --- refusals -------------------------------------------------------------------------


def everything():
    """A fingerprint of every row a merge may write."""
    return (
        list(Lead.objects.order_by("pk").values_list("pk", "merged_into_id", "first_name")),
        list(LeadEvent.objects.order_by("pk").values_list("pk", "lead_id")),
        list(Task.objects.order_by("pk").values_list("pk", "lead_id")),
        list(ContactPoint.objects.order_by("pk").values_list("pk", "lead_id", "is_primary")),
        list(Submission.objects.order_by("pk").values_list("pk", "lead_id")),
        LeadMerge.objects.count(),
    )


def test_a_lead_already_merged_is_refused_and_nothing_is_written(head, ana, anna):
    third = person(head, "Ana", "Marin", phone="+40722999999")
    merge(head, ana, anna)
    before = everything()

    with pytest.raises(ValidationFailed) as refused:
        merge(head, third, anna)

    assert refused.value.field == "lead_ids"
    assert refused.value.message == (
        f"Lead #{anna.pk} (Anna Marin) was already merged into lead #{ana.pk}. Nothing was merged."
    )
    assert everything() == before


def test_a_merged_survivor_is_refused(head, ana, anna):
    third = person(head, "Ana", "Marin", phone="+40722999999")
    merge(head, ana, anna)
    before = everything()

    with pytest.raises(ValidationFailed) as refused:
        merge(head, anna, third)

    assert refused.value.field == "survivor_id"
    assert everything() == before


def test_the_survivor_cannot_merge_into_itself(head, ana):
    before = everything()

    with pytest.raises(ValidationFailed, match="cannot merge into itself"):
        merge(head, ana, ana)

    assert everything() == before


def test_a_manager_may_not_merge(manager, head, ana, anna):
    before = everything()

    with pytest.raises(PermissionDenied):
        leads_merge(survivor=ana, others=[anna], actor=manual(manager))

    assert everything() == before


def test_an_unknown_choice_is_refused_and_nothing_is_written(head, ana, anna):
    before = everything()

    with pytest.raises(ValidationFailed) as refused:
        merge(head, ana, anna, choices={"shoe_size": anna.pk})

    assert refused.value.field == "choices.shoe_size"
    assert everything() == before


def test_a_merged_lead_cannot_be_changed_any_more(head, ana, anna):
    merge(head, ana, anna)

    with pytest.raises(ValidationFailed, match=f"merged into lead #{ana.pk}"):
        note_add(actor=manual(head), lead=anna, text="hello?")


# --- undoing --------------------------------------------------------------------------


def test_unmerge_puts_every_row_back_where_it_was(head, ana, anna):
    before = history(ana, anna)
    fields_before = Lead.objects.filter(pk=ana.pk).values(
        "first_name", "company_name", "display_name", "search_text", "name_translit"
    )[0]
    result = merge(head, ana, anna, choices={"first_name": anna.pk})

    lead_unmerge(merge=result, actor=manual(head))

    after = history(ana, anna)
    for lead in (ana, anna):
        for model in ("Task", "ContactPoint", "Submission", "DecisionReason"):
            assert after[lead.pk][model] == before[lead.pk][model], (lead, model)
        # plus the merge's and the unmerge's own events
        assert after[lead.pk]["LeadEvent"] - before[lead.pk]["LeadEvent"] == set(
            LeadEvent.objects.filter(
                lead=lead, type__in=[EventType.MERGED, EventType.UNMERGED]
            ).values_list("pk", flat=True)
        )
    assert Lead.objects.filter(pk=ana.pk).values(*fields_before)[0] == fields_before
    anna.refresh_from_db()
    assert anna.merged_into_id is None
    result.refresh_from_db()
    assert result.unmerged_at is not None and result.unmerged_by == head


def test_unmerge_writes_an_event_on_every_lead(head, ana, anna):
    result = merge(head, ana, anna)

    lead_unmerge(merge=result, actor=manual(head))

    survivor_event = LeadEvent.objects.get(lead=ana, type=EventType.UNMERGED)
    assert survivor_event.params["restored_ids"] == [anna.pk]
    assert survivor_event.params["changes"]["company_name"] == ["Solaris SRL", ""]
    assert survivor_event.params["kept_fields"] == []
    assert LeadEvent.objects.get(lead=anna, type=EventType.UNMERGED).params == {
        "merge_id": result.pk,
        "from": ana.pk,
    }


def test_rows_created_on_the_survivor_after_the_merge_stay_there(head, ana, anna):
    result = merge(head, ana, anna)
    note = note_add(actor=manual(head), lead=ana, text="after the merge")
    task = task_create(actor=manual(head), lead=ana, title="Call after the merge")

    lead_unmerge(merge=result, actor=manual(head))

    assert LeadEvent.objects.get(pk=note.pk).lead_id == ana.pk
    assert Task.objects.get(pk=task.pk).lead_id == ana.pk


def test_a_field_changed_since_the_merge_is_kept(head, ana, anna):
    result = merge(head, ana, anna)
    lead_update(actor=manual(head), lead=ana, data={"company_name": "Solaris Group"})

    lead_unmerge(merge=result, actor=manual(head))

    ana.refresh_from_db()
    assert ana.company_name == "Solaris Group"
    event = LeadEvent.objects.get(lead=ana, type=EventType.UNMERGED)
    assert event.params["kept_fields"] == ["company_name"]


def test_unmerge_reopens_the_pairs_the_merge_closed(head, ana, anna):
    pair = DuplicateCandidate.objects.create(
        lead=anna, other=ana, probability=0.9, weight=8, found_by="intake"
    )
    result = merge(head, ana, anna)

    lead_unmerge(merge=result, actor=manual(head))

    pair.refresh_from_db()
    assert (pair.status, pair.decided_at, pair.decided_by) == (DuplicateStatus.OPEN, None, None)


def test_unmerge_restores_the_contact_flags(head):
    survivor = person(head, "Ana", "Marin", email="ana@old.example")
    other = person(head, "Ana", "Marin", email="ana@new.example")
    other.contact_points.update(verified=True, verified_at=timezone.now())
    flags = list(ContactPoint.objects.order_by("pk").values_list("pk", "lead_id", "is_primary"))
    result = merge(head, survivor, other)

    lead_unmerge(merge=result, actor=manual(head))

    assert (
        list(ContactPoint.objects.order_by("pk").values_list("pk", "lead_id", "is_primary"))
        == flags
    )


def test_unmerge_after_the_period_is_refused_with_the_date(head, ana, anna):
    settings = matching_settings()
    settings.unmerge_days = 7
    settings.save()
    result = merge(head, ana, anna)
    LeadMerge.objects.filter(pk=result.pk).update(
        created_at=timezone.make_aware(dt.datetime(2026, 1, 2, 10, 0))
    )
    result.refresh_from_db()
    before = everything()

    with pytest.raises(ValidationFailed) as refused:
        lead_unmerge(merge=result, actor=manual(head))

    assert refused.value.message == (
        "This merge was made on 2026-01-02 10:00 and could be undone until 2026-01-09 "
        "(7 days); it is final now."
    )
    assert everything() == before
    assert not LeadEvent.objects.filter(type=EventType.UNMERGED).exists()


def test_an_undone_merge_cannot_be_undone_again(head, ana, anna):
    result = merge(head, ana, anna)
    lead_unmerge(merge=result, actor=manual(head))
    before = everything()

    with pytest.raises(ValidationFailed, match="already undone"):
        lead_unmerge(merge=result, actor=manual(head))

    assert everything() == before


def test_a_merge_whose_survivor_was_merged_since_waits_for_that_merge_to_be_undone(head, ana, anna):
    third = person(head, "Ana", "Marin", phone="+40722999999")
    before = history(ana, anna, third)
    first = merge(head, ana, anna)
    second = merge(head, third, ana)
    frozen = everything()

    with pytest.raises(ValidationFailed, match="undo that merge first"):
        lead_unmerge(merge=first, actor=manual(head))
    assert everything() == frozen

    lead_unmerge(merge=second, actor=manual(head))
    lead_unmerge(merge=first, actor=manual(head))

    after = history(ana, anna, third)
    for lead in (ana, anna, third):
        for model in ("Task", "ContactPoint", "Submission", "DecisionReason"):
            assert after[lead.pk][model] == before[lead.pk][model], (lead, model)
    assert not Lead.objects.filter(merged_into__isnull=False).exists()


def test_a_manager_may_not_unmerge(head, manager, ana, anna):
    result = merge(head, ana, anna)

    with pytest.raises(PermissionDenied):
        lead_unmerge(merge=result, actor=manual(manager))

    anna.refresh_from_db()
    assert anna.merged_into_id == ana.pk


# --- cost -----------------------------------------------------------------------------


def queries_of_a_merge(head, events: int) -> int:
    survivor = person(head, "Ana", "Marin", phone="+40722000001")
    other = person(head, "Ana", "Marin", phone="+40722000002")
    for lead in (survivor, other):
        LeadEvent.objects.bulk_create(
            LeadEvent(lead=lead, type=EventType.NOTE_ADDED, actor_source="manual")
            for _ in range(events)
        )
    with CaptureQueriesContext(connection) as captured:
        merge(head, survivor, other)
    return len(captured.captured_queries)


def test_a_merges_queries_do_not_grow_with_the_history(head, django_assert_max_num_queries):
    few = queries_of_a_merge(head, events=2)
    survivor = person(head, "Ana", "Marin", phone="+40722000003")
    other = person(head, "Ana", "Marin", phone="+40722000004")
    for lead in (survivor, other):
        LeadEvent.objects.bulk_create(
            LeadEvent(lead=lead, type=EventType.NOTE_ADDED, actor_source="manual")
            for _ in range(200)
        )

    with django_assert_max_num_queries(few):
        merge(head, survivor, other)

    assert LeadEvent.objects.filter(lead=survivor).count() == 2 * 201 + 1  # + CREATED, MERGED


def test_an_unmerges_queries_do_not_grow_with_the_history(head, django_assert_max_num_queries):
    def prepared(events: int):
        survivor = person(head, "Ana", "Marin")
        other = person(head, "Anna", "Marin")
        LeadEvent.objects.bulk_create(
            LeadEvent(lead=other, type=EventType.NOTE_ADDED, actor_source="manual")
            for _ in range(events)
        )
        return merge(head, survivor, other)

    small = prepared(2)
    with CaptureQueriesContext(connection) as captured:
        lead_unmerge(merge=small, actor=manual(head))
    big = prepared(200)

    with django_assert_max_num_queries(len(captured.captured_queries)):
        lead_unmerge(merge=big, actor=manual(head))
