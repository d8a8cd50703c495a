"""Writes of matching. Each runs in one transaction, validates, locks what it changes and
records LeadEvents."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from galena.core.bulk import update_many
from galena.core.errors import PermissionDenied, ValidationFailed
from galena.leads import access
from galena.leads.contact_values import transliterate
from galena.leads.models import ContactPoint, EventType, Lead, LeadEvent
from galena.leads.services import (
    ROWS_MOVED,
    Actor,
    _change_hooks,
    _compute_display_name,
    _json_value,
    _refresh_search_text,
)
from galena.matching import merge as survivorship
from galena.matching.models import DuplicateCandidate, DuplicateStatus, LeadMerge
from galena.matching.selectors import (
    contact_plan,
    matching_settings,
    newest_first,
    survivorship_for,
    unmerge_deadline,
)

# --- merge and unmerge ----------------------------------------------------------------
#
# What a LeadMerge keeps, so the merge can be undone exactly:
# - snapshot["leads"]: every involved lead's concrete field values before the merge (JSON);
# - snapshot["fields"]: the survivor's fields the merge changed, {attname: [before, after]};
# - snapshot["contacts"]: contact points whose flags (primary, verified) the merge changed,
#   {id: {"before": {...}, "after": {...}}};
# - moved["rows"]: the rows moved to the survivor, {"<model label>.<field>": {"<original lead
#   id>": [pk, …]}} — every foreign key to Lead in any installed app, found by introspection;
# - moved["kept"]: rows left on their merged lead because the survivor already has their
#   like (a contact point with the same kind and value, a row of any one-per-lead rule);
# - moved["candidates"]: the DuplicateCandidate pairs among the merged leads it closed;
# - choices: the lead each survivorship choice was taken from (defaults included).
# Unmerge moves back exactly the recorded rows that are still on the survivor (rows created
# on the survivor since stay there) and restores a field or flag only where it still holds
# what the merge set (a change made since is kept, and the event says so).

MERGE_MAX_LEADS = 10
NAME_FIELDS = ("first_name", "middle_name", "last_name", "company_name")
# Rows never moved by a merge: the merge records themselves (they name their survivor),
# the duplicate pairs (closed or left as they are), and a lead's own merged_into.
# MatchKey stays too: a merged lead's keys (and the contact points it kept) still find the
# person, as the candidate search follows merged_into to the survivor
NOT_MOVED = ("matching.LeadMerge", "matching.DuplicateCandidate", "matching.MatchKey", "leads.Lead")
# Rows moved back per query when a merge is undone (keeps every statement's parameters few).
MOVE_BACK_CHUNK = 5000


# what LEAD_INQUIRY_HOOKS hear as ``kind``: the intake attached a repeat inquiry (an inbound
# e-mail reply the activities app attaches is "email_reply")
INQUIRY_REPEAT, INQUIRY_EMAIL_REPLY = "repeat_inquiry", "email_reply"


def lead_inquiry_hooks(*, lead: Lead, actor: Actor, kind: str) -> None:
    """Tell later apps that the lead wrote or called again (settings.LEAD_INQUIRY_HOOKS),
    in one transaction: nurture stops its e-mails and brings a rejected lead back."""
    with transaction.atomic():
        for hook in settings.LEAD_INQUIRY_HOOKS:
            import_string(hook)(lead=lead, actor=actor, kind=kind)


def _python(attname: str, value: Any) -> Any:
    field = next(f for f in Lead._meta.concrete_fields if f.attname == attname)
    return field.to_python(value)


def _lead_snapshot(lead: Lead) -> dict[str, Any]:
    return {f.attname: _json_value(getattr(lead, f.attname)) for f in Lead._meta.concrete_fields}


def _name(lead: Lead) -> str:
    return f"#{lead.pk} ({lead})"


def _require_merger(actor: Actor) -> None:
    if actor.user is not None and not access.can_assign(actor.user):
        raise PermissionDenied("Only a head of sales or an admin can merge leads.")


def _lock(ids: Iterable[int]) -> dict[int, Lead]:
    """The leads locked in primary-key order, so two merges of overlapping leads wait for
    each other instead of deadlocking; each re-read after its lock."""
    return {
        lead.pk: lead
        for lead in Lead.objects.select_for_update().filter(pk__in=list(ids)).order_by("pk")
    }


# --- every row that points at a lead ---------------------------------------------------


@dataclass(frozen=True)
class _Link:
    """A foreign key to Lead: the rows of ``model`` whose ``field`` names a lead."""

    model: type[models.Model]
    field: models.ForeignKey
    # the other columns of each rule that allows one row per lead and value (a unique
    # constraint or unique_together with this field, or () for a one-to-one)
    unique_sets: tuple[tuple[str, ...], ...]

    @property
    def key(self) -> str:
        return f"{self.model._meta.label}.{self.field.name}"


def _unique_sets(model: type[models.Model], field: models.ForeignKey) -> tuple:
    meta = model._meta
    sets: list[tuple[str, ...]] = []
    if field.unique:
        sets.append(())
    groups = [tuple(group) for group in meta.unique_together]
    # conditional constraints too: leaving a row on its lead is safe, breaking a rule is not
    groups += [
        tuple(c.fields)
        for c in meta.constraints
        if isinstance(c, models.UniqueConstraint) and c.fields
    ]
    for group in groups:
        if field.name in group:
            sets.append(tuple(meta.get_field(n).attname for n in group if n != field.name))
    return tuple(dict.fromkeys(sets))


def lead_links() -> list[_Link]:
    """Every foreign key to Lead in the installed apps (hidden ones with related_name "+"
    included), but those a merge never moves (NOT_MOVED) and one-to-one rows: a lead's own
    state (its stored score) stays with it, and later apps rebuild the survivor's when told
    of the merge (the change hooks' ``ROWS_MOVED``)."""
    links = []
    for relation in Lead._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete:
            continue
        if not relation.one_to_many:
            continue
        model = relation.related_model
        if model._meta.label in NOT_MOVED:
            continue
        links.append(_Link(model, relation.field, _unique_sets(model, relation.field)))
    return links


def _link(key: str) -> _Link | None:
    label, _, field_name = key.rpartition(".")
    try:
        model = apps.get_model(label)
    except LookupError:
        return None
    field = model._meta.get_field(field_name)
    return _Link(model, field, _unique_sets(model, field))


def _move_to_survivor(
    link: _Link, *, survivor_id: int, other_ids: Sequence[int], stay: frozenset[int]
) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Point the merged leads' rows at the survivor in one UPDATE (after one SELECT that
    records them), leaving on their lead the rows in ``stay`` and any row that would break a
    one-per-lead rule on the survivor. Returns (moved, kept) primary keys per original lead."""
    attname = link.field.attname
    columns = sorted({name for group in link.unique_sets for name in group})
    lead_ids = [survivor_id, *other_ids] if link.unique_sets else list(other_ids)
    rows = list(
        link.model._base_manager.filter(**{f"{attname}__in": lead_ids})
        .order_by("pk")
        .values_list("pk", attname, *columns)
    )
    taken: set[tuple] = set()

    def claims(values: Sequence[Any]) -> list[tuple]:
        named = dict(zip(columns, values, strict=True))
        return [
            (index, *(named[name] for name in group))
            for index, group in enumerate(link.unique_sets)
            if all(named[name] is not None for name in group)
        ]

    rank = {lead_id: index for index, lead_id in enumerate(other_ids)}
    for _pk, lead_id, *values in rows:
        if lead_id == survivor_id:
            taken.update(claims(values))
    moved: dict[str, list[int]] = defaultdict(list)
    kept: dict[str, list[int]] = defaultdict(list)
    for pk, lead_id, *values in sorted(
        (row for row in rows if row[1] != survivor_id), key=lambda row: (rank[row[1]], row[0])
    ):
        wanted = claims(values)
        if pk in stay or taken.intersection(wanted):
            kept[str(lead_id)].append(pk)
            continue
        taken.update(wanted)
        moved[str(lead_id)].append(pk)
    if moved:
        rows_to_move = link.model._base_manager.filter(**{f"{attname}__in": list(other_ids)})
        if kept:
            rows_to_move = rows_to_move.exclude(pk__in=[pk for pks in kept.values() for pk in pks])
        rows_to_move.update(**{attname: survivor_id})
    return dict(moved), dict(kept)


def _chunks(items: Sequence[int], size: int = MOVE_BACK_CHUNK) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- contact points -------------------------------------------------------------------

_CONTACT_FLAGS = ("is_primary", "verified", "verified_at")


def _flags(point: ContactPoint) -> dict[str, Any]:
    return {name: _json_value(getattr(point, name)) for name in _CONTACT_FLAGS}


def _apply_contact_plan(
    points: list[ContactPoint], plan: survivorship.ContactPlan, survivor_id: int
) -> dict[str, dict[str, Any]]:
    """Set primary and verified on the points that end on the survivor as the plan says
    (one UPDATE); returns the changed points' flags before and after."""
    changed: dict[str, dict[str, Any]] = {}
    to_save = []
    for point in points:
        if point.pk in plan.stay:
            continue
        before = _flags(point)
        point.lead_id = survivor_id
        point.is_primary = plan.primary.get(point.kind) == point.pk
        if point.pk in plan.verified:
            point.verified = True
            point.verified_at = plan.verified[point.pk]
        after = _flags(point)
        if after != before:
            changed[str(point.pk)] = {"before": before, "after": after}
            to_save.append(point)
    update_many(ContactPoint, to_save, list(_CONTACT_FLAGS))
    return changed


def _one_primary_per_kind(lead_ids: Sequence[int]) -> None:
    """After an unmerge: each lead has exactly one primary point of each kind it has."""
    points = ContactPoint.objects.filter(lead_id__in=list(lead_ids)).order_by("lead_id", "id")
    groups: dict[tuple[int, str], list[ContactPoint]] = defaultdict(list)
    for point in points:
        groups[(point.lead_id, point.kind)].append(point)
    fixed = []
    for group in groups.values():
        primaries = [p for p in group if p.is_primary]
        keep = primaries[0] if primaries else group[0]
        for point in group:
            if point.is_primary != (point is keep):
                point.is_primary = point is keep
                fixed.append(point)
    update_many(ContactPoint, fixed, ["is_primary"])


# --- the survivor's fields ------------------------------------------------------------


def _apply_fields(
    survivor: Lead, chosen: survivorship.Survivorship, contact_values: Iterable[str]
) -> dict[str, list[Any]]:
    """Give the survivor the chosen values and what derives from them; returns the changes,
    {attname: [before, after]}, as JSON."""
    changes: dict[str, list[Any]] = {}
    before_names = [getattr(survivor, name) for name in NAME_FIELDS]
    for name, value in chosen.values.items():
        before = getattr(survivor, name)
        if before != value:
            changes[name] = [_json_value(before), _json_value(value)]
            setattr(survivor, name, value)
    names_changed = before_names != [getattr(survivor, name) for name in NAME_FIELDS]
    derived = {
        "display_name": (
            _compute_display_name(survivor) or survivor.display_name
            if names_changed
            else survivor.display_name
        ),
        "name_translit": (
            transliterate(survivor.full_name)[:255]
            if survivor.full_name and (names_changed or not survivor.name_translit)
            else survivor.name_translit
        ),
    }
    for name, value in derived.items():
        before = getattr(survivor, name)
        if before != value:
            changes[name] = [_json_value(before), _json_value(value)]
            setattr(survivor, name, value)
    _refresh_search_text(survivor, contact_values)
    return changes


def _events(actor: Actor, type: str, params_by_lead: Sequence[tuple[Lead, dict]]) -> None:
    """One event of this type on each lead, at one moment, in one INSERT."""
    now = timezone.now()
    LeadEvent.objects.bulk_create(
        LeadEvent(
            lead=lead,
            type=type,
            occurred_at=now,
            actor=actor.user,
            actor_source=actor.source,
            params=params,
        )
        for lead, params in params_by_lead
    )


def _check_merge_request(survivor: Lead, others: Sequence[Lead]) -> list[int]:
    other_ids: list[int] = []
    for other in others:
        if other.pk == survivor.pk:
            raise ValidationFailed(
                {
                    "lead_ids": f"Lead {_name(survivor)} is the survivor; it cannot merge into itself."
                }
            )
        if other.pk not in other_ids:
            other_ids.append(other.pk)
    if not other_ids:
        raise ValidationFailed({"lead_ids": "Choose at least one lead to merge into the survivor."})
    if len(other_ids) + 1 > MERGE_MAX_LEADS:
        raise ValidationFailed({"lead_ids": f"Merge at most {MERGE_MAX_LEADS} leads at a time."})
    return other_ids


@transaction.atomic
def leads_merge(
    *,
    survivor: Lead,
    others: list[Lead],
    actor: Actor,
    choices: dict[str, int] | None = None,
) -> LeadMerge:
    """Merge leads into a survivor: its fields chosen field by field (survivorship defaults
    unless ``choices`` names a lead per field), every row of the others moved to it, the
    others marked merged into it; undo with lead_unmerge. Who may see the leads is the
    caller's check; a lead already merged is refused and nothing is written."""
    _require_merger(actor)
    other_ids = _check_merge_request(survivor, others)
    locked = _lock([survivor.pk, *other_ids])
    for lead_id in [survivor.pk, *other_ids]:
        lead = locked.get(lead_id)
        field = "survivor_id" if lead_id == survivor.pk else "lead_ids"
        if lead is None:
            raise ValidationFailed({field: f"No lead with id {lead_id}."})
        if lead.merged_into_id is not None:
            raise ValidationFailed(
                {
                    field: f"Lead {_name(lead)} was already merged into lead "
                    f"#{lead.merged_into_id}. Nothing was merged."
                }
            )
    survivor = locked[survivor.pk]
    others = [locked[lead_id] for lead_id in other_ids]

    try:
        chosen = survivorship_for(survivor=survivor, others=others, choices=choices)
    except survivorship.UnknownChoice as error:
        raise ValidationFailed({f"choices.{error.name}": error.message}) from error
    snapshot: dict[str, Any] = {
        "leads": {str(lead.pk): _lead_snapshot(lead) for lead in locked.values()}
    }
    # contact points: the plan decides which stay and which are primary afterwards
    points = list(ContactPoint.objects.filter(lead_id__in=list(locked)).order_by("id"))
    plan = contact_plan(survivor=survivor, others=others, points=points)
    order = newest_first(others)

    moved: dict[str, Any] = {"rows": {}, "kept": {}, "candidates": []}
    for link in lead_links():
        stay = plan.stay if link.model is ContactPoint else frozenset()
        rows, kept = _move_to_survivor(link, survivor_id=survivor.pk, other_ids=order, stay=stay)
        if rows:
            moved["rows"][link.key] = rows
        if kept:
            moved["kept"][link.key] = kept
    snapshot["contacts"] = _apply_contact_plan(points, plan, survivor.pk)

    candidates = list(
        DuplicateCandidate.objects.filter(
            lead_id__in=list(locked), other_id__in=list(locked), status=DuplicateStatus.OPEN
        ).values_list("pk", flat=True)
    )
    now = timezone.now()
    if candidates:
        DuplicateCandidate.objects.filter(pk__in=candidates).update(
            status=DuplicateStatus.MERGED, decided_at=now, decided_by=actor.user
        )
    moved["candidates"] = candidates

    survivor_values = [p.value for p in points if p.pk not in plan.stay]
    changes = _apply_fields(survivor, chosen, survivor_values)
    snapshot["fields"] = changes
    survivor.save()
    Lead.objects.filter(pk__in=other_ids).update(merged_into_id=survivor.pk, updated_at=now)

    merge = LeadMerge.objects.create(
        survivor=survivor,
        merged_ids=other_ids,
        snapshot=snapshot,
        moved=moved,
        choices=chosen.picks,
        actor=actor.user,
    )
    into = {"merge_id": merge.pk, "into": survivor.pk, "into_name": str(survivor)}
    _events(
        actor,
        EventType.MERGED,
        [
            (
                survivor,
                {
                    "merge_id": merge.pk,
                    "merged_ids": other_ids,
                    "changes": changes,
                    "sources": {name: chosen.sources.get(name, survivor.pk) for name in changes},
                },
            ),
            *((other, into) for other in others),
        ],
    )
    _change_hooks(survivor, actor, set(changes) | {ROWS_MOVED})
    return merge


def _check_unmerge(merge: LeadMerge, locked: Mapping[int, Lead]) -> None:
    when = timezone.localtime(merge.created_at).strftime("%Y-%m-%d %H:%M")
    if merge.unmerged_at is not None:
        undone = timezone.localtime(merge.unmerged_at).strftime("%Y-%m-%d %H:%M")
        raise ValidationFailed({"merge": f"This merge was already undone on {undone}."})
    deadline = unmerge_deadline(merge)
    if timezone.now() > deadline:
        until = timezone.localtime(deadline).strftime("%Y-%m-%d")
        raise ValidationFailed(
            {
                "merge": f"This merge was made on {when} and could be undone until {until} "
                f"({matching_settings().unmerge_days} days); it is final now."
            }
        )
    survivor = locked.get(merge.survivor_id)
    if survivor is not None and survivor.merged_into_id is not None:
        raise ValidationFailed(
            {
                "merge": f"Lead {_name(survivor)} was since merged into lead "
                f"#{survivor.merged_into_id}: undo that merge first."
            }
        )
    for lead_id in merge.merged_ids:
        lead = locked.get(lead_id)
        if lead is None:
            raise ValidationFailed({"merge": f"Lead #{lead_id} no longer exists."})
        if lead.merged_into_id != merge.survivor_id:
            raise ValidationFailed(
                {
                    "merge": f"Lead {_name(lead)} was since merged elsewhere or restored; "
                    "this merge cannot be undone."
                }
            )


def _move_back(merge: LeadMerge) -> None:
    for key, per_lead in (merge.moved.get("rows") or {}).items():
        link = _link(key)
        if link is None:  # the app that held these rows is gone
            continue
        attname = link.field.attname
        for lead_id, pks in per_lead.items():
            for chunk in _chunks(pks):
                link.model._base_manager.filter(
                    pk__in=chunk, **{attname: merge.survivor_id}
                ).update(**{attname: int(lead_id)})


def _restore_contacts(merge: LeadMerge) -> None:
    recorded = merge.snapshot.get("contacts") or {}
    if not recorded:
        return
    restored = []
    for point in ContactPoint.objects.filter(pk__in=[int(pk) for pk in recorded]):
        flags = recorded[str(point.pk)]
        if _flags(point) != flags["after"]:
            continue  # changed since: the newer state stays
        point.is_primary = flags["before"]["is_primary"]
        point.verified = flags["before"]["verified"]
        point.verified_at = ContactPoint._meta.get_field("verified_at").to_python(
            flags["before"]["verified_at"]
        )
        restored.append(point)
    update_many(ContactPoint, restored, list(_CONTACT_FLAGS))


def _restore_fields(survivor: Lead, merge: LeadMerge) -> tuple[dict[str, list[Any]], list[str]]:
    """Put back the survivor's fields the merge changed, where they still hold what the
    merge set; returns the restored changes and the fields changed since (left as they are)."""
    restored: dict[str, list[Any]] = {}
    kept: list[str] = []
    for name, (before, after) in (merge.snapshot.get("fields") or {}).items():
        current = _json_value(getattr(survivor, name))
        if current != after:
            kept.append(name)
            continue
        setattr(survivor, name, _python(name, before))
        restored[name] = [current, before]
    return restored, kept


@transaction.atomic
def lead_unmerge(*, merge: LeadMerge, actor: Actor) -> LeadMerge:
    """Undo a merge within the configured period: the merged leads back in every list with
    the rows they had, the survivor's fields as they were (where not changed since)."""
    _require_merger(actor)
    locked = _lock([merge.survivor_id, *merge.merged_ids])
    merge = LeadMerge.objects.select_for_update().get(pk=merge.pk)
    _check_unmerge(merge, locked)
    survivor = locked[merge.survivor_id]
    restored_leads = [locked[lead_id] for lead_id in merge.merged_ids]

    _move_back(merge)
    _restore_contacts(merge)
    _one_primary_per_kind([survivor.pk, *merge.merged_ids])
    changes, kept = _restore_fields(survivor, merge)
    _refresh_search_text(survivor, survivor.contact_points.values_list("value", flat=True))
    survivor.save()

    now = timezone.now()
    Lead.objects.filter(pk__in=merge.merged_ids).update(merged_into_id=None, updated_at=now)
    closed = merge.moved.get("candidates") or []
    if closed:
        DuplicateCandidate.objects.filter(pk__in=closed, status=DuplicateStatus.MERGED).update(
            status=DuplicateStatus.OPEN, decided_at=None, decided_by=None
        )
    merge.unmerged_at = now
    merge.unmerged_by = actor.user
    merge.save(update_fields=["unmerged_at", "unmerged_by"])

    # the leads' rows moved back: later apps re-derive what they read from them (the score);
    # a field they derived again is theirs to report, not put back by the undo
    survivor = _change_hooks(survivor, actor, set(changes) | {"contacts", ROWS_MOVED})
    for lead in restored_leads:
        _change_hooks(lead, actor, {"contacts", ROWS_MOVED})
    survivor.refresh_from_db(fields=[name for name in changes if name != "id"])
    changes = {
        name: change
        for name, change in changes.items()
        if _json_value(getattr(survivor, name)) == change[1]
    }
    _events(
        actor,
        EventType.UNMERGED,
        [
            (
                survivor,
                {
                    "merge_id": merge.pk,
                    "restored_ids": list(merge.merged_ids),
                    "changes": changes,
                    "kept_fields": kept,
                },
            ),
            *((lead, {"merge_id": merge.pk, "from": survivor.pk}) for lead in restored_leads),
        ],
    )
    return merge
