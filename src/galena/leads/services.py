"""Every write on a lead. Each function runs in one transaction, checks the actor's rights,
validates, writes, and records a LeadEvent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from galena.accounts.models import Role
from galena.accounts.roles import role_of, team_id_of
from galena.core.bulk import insert_many, instance_factory, new_instance, updates_deferred
from galena.core.changes import fields_change
from galena.core.changes import json_value as _json_value
from galena.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from galena.leads import access
from galena.leads.models import (
    REQUIRABLE_FIELDS,
    TRACKING_FIELDS,
    ActorSource,
    Campaign,
    ContactKind,
    ContactPoint,
    ContactStatus,
    EventType,
    Lead,
    LeadEvent,
    OfflineEvent,
    RejectionReason,
    SavedFilter,
    Source,
    Stage,
    StageKind,
    Task,
    TaskKind,
)
from galena.leads.normalise import normalise_contact
from galena.leads.selectors import LeadFilters


@dataclass(frozen=True)
class Actor:
    """Who makes a change and through which door: the event stream records both."""

    user: Any | None
    source: str = ActorSource.MANUAL

    @classmethod
    def system(cls) -> Actor:
        return cls(user=None, source=ActorSource.SYSTEM)


@dataclass(frozen=True)
class ContactInput:
    kind: str
    value: str
    label: str = ""
    is_primary: bool = False
    verified: bool = False
    # set by the quality stage, which normalises with the form's region and knows more;
    # when empty, _build_contacts normalises the value itself
    normalised: str = ""
    status: str = ""  # ContactStatus
    line_type: str = ""


@dataclass
class LeadChanges:
    """What a lead_update did: field -> [before, after], as stored in the event."""

    fields: dict[str, list[Any]] = field(default_factory=dict)


# Fields a person or an integration may set directly; the rest move through services.
EDITABLE_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "display_name",
    "company_name",
    "position",
    "language",
    "country",
    "region",
    "city",
    "interest",
    "comment",
    "preferred_contact_time",
    "attributes",
    "temperature",
    "fit",
    "origin",
    "contact_type",
    "channel",
    *TRACKING_FIELDS,
    "recontact_at",
)
# Fields only the intake stages set (quality, matching, scoring), never a form or a person directly.
STAGE_FIELDS = (
    "name_translit",
    "verification",
    "verification_method",
    "verified_at",
    "score",
    "predicted_probability",
)
RELATED_FIELDS = {
    "source_id": Source,
    "campaign_id": Campaign,
    "offline_event_id": OfflineEvent,
}


def _event(lead: Lead, actor: Actor, type: str, **params: Any) -> LeadEvent:
    return LeadEvent.objects.create(
        lead=lead,
        type=type,
        actor=actor.user,
        actor_source=actor.source,
        params={k: _json_value(v) for k, v in params.items()},
    )


def _validation_failed(error: ValidationError) -> ValidationFailed:
    if hasattr(error, "error_dict"):
        return ValidationFailed(
            {
                name: " ".join(str(m) for m in messages)
                for name, messages in error.message_dict.items()
            }
        )
    return ValidationFailed({"__all__": " ".join(error.messages)})


def _compute_display_name(lead: Lead) -> str:
    return lead.full_name or lead.company_name


def _refresh_search_text(lead: Lead, contact_values: Iterable[str]) -> None:
    parts = [
        lead.first_name,
        lead.middle_name,
        lead.last_name,
        lead.display_name,
        lead.company_name,
        *contact_values,
    ]
    lead.search_text = " ".join(p for p in parts if p).casefold()


def _apply_fields(lead: Lead, data: Mapping[str, Any]) -> dict[str, list[Any]]:
    unknown = set(data) - set(EDITABLE_FIELDS) - set(RELATED_FIELDS)
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationFailed({name: "This field does not exist or cannot be set here."})
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name in RELATED_FIELDS:
            model = RELATED_FIELDS[name]
            if value is not None and not model.objects.filter(pk=value).exists():
                raise ValidationFailed({name: f"No {model._meta.verbose_name} with id {value}."})
        elif value is None and name != "recontact_at":
            value = {} if name == "attributes" else ""
        elif isinstance(value, str):
            value = value.strip()
        if name == "attributes" and not isinstance(value, dict):
            raise ValidationFailed({name: "Give the attributes as an object of name: value."})
        if name == "country" and value:
            value = value.upper()
        values[name] = value
    return fields_change(lead, values)


def lead_set_stage_fields(lead: Lead, values: Mapping[str, Any]) -> list[str]:
    """Set what the intake stages learned (STAGE_FIELDS) on an unsaved or locked lead;
    returns the names set, for save(update_fields=…)."""
    unknown = set(values) - set(STAGE_FIELDS)
    if unknown:
        raise ValueError(f"Not a stage field: {sorted(unknown)}")
    for name, value in values.items():
        setattr(lead, name, value)
    return list(values)


def _require_person(lead: Lead) -> None:
    if not (lead.first_name or lead.last_name or lead.display_name):
        raise ValidationFailed(
            {"first_name": "A lead is a person: give at least a first or last name."}
        )


_CONTACT_KINDS = frozenset(ContactKind.values)


def _build_contacts(contacts: Iterable[ContactInput], *, region: str) -> list[ContactPoint]:
    points: list[ContactPoint] = []
    seen: set[tuple[str, str]] = set()
    new_point = new_instance(ContactPoint)
    for index, contact in enumerate(contacts):
        field_name = f"contacts[{index}]"
        if contact.kind not in _CONTACT_KINDS:
            raise ValidationFailed(
                {f"{field_name}.kind": f"Use one of: {', '.join(ContactKind.values)}."}
            )
        raw = (contact.value or "").strip()
        if not raw:
            raise ValidationFailed({f"{field_name}.value": "This contact value is empty."})
        if len(raw) > 320:
            raise ValidationFailed({f"{field_name}.value": "Use at most 320 characters."})
        if contact.normalised:
            value, status = contact.normalised, contact.status or ContactStatus.VALID
            line_type = contact.line_type
        else:
            normalised = normalise_contact(contact.kind, raw, region=region)
            value, status, line_type = normalised.value, normalised.status, normalised.line_type
        if (contact.kind, value) in seen:
            continue
        seen.add((contact.kind, value))
        points.append(
            new_point(
                kind=contact.kind,
                value_raw=raw,
                value=value[:320],
                is_valid=status != ContactStatus.INVALID,
                status=status,
                line_type=line_type[:24],
                label=contact.label[:40],
                is_primary=contact.is_primary,
                verified=contact.verified,
                verified_at=timezone.now() if contact.verified else None,
            )
        )
    # One primary per kind: the first given unless another was marked.
    for kind in {p.kind for p in points}:
        of_kind = [p for p in points if p.kind == kind]
        if not any(p.is_primary for p in of_kind):
            of_kind[0].is_primary = True
    return points


def _contact_region(lead: Lead) -> str:
    return lead.country or settings.DEFAULT_REGION


def _check_owner(actor: Actor, owner, lead: Lead | None = None) -> None:
    if owner is None or actor.user is None:
        return
    if not access.assignable_owners(actor.user).filter(pk=owner.pk).exists():
        raise PermissionDenied(
            f"You cannot make {owner.get_username()} the owner of a lead.", field="owner_id"
        )


@transaction.atomic
def lead_create(
    *,
    actor: Actor,
    data: Mapping[str, Any],
    contacts: Iterable[ContactInput],
    owner=None,
    team=None,
    created_at: dt.datetime | None = None,
    verdict: Mapping[str, Any] | None = None,
) -> Lead:
    """Create a lead with its contact points; a person's name and one way to reach them.
    ``verdict``: what the intake stages decided (``team_id``, ``quality_status``,
    ``quality_reasons``, ``stage_fields``), set before the lead is saved so the creation
    hooks (routing) see the lead whole."""
    if actor.user is not None:
        access.require_lead_access(actor.user)
    lead = Lead(stage=Stage.objects.get(is_initial=True))
    if created_at is not None:
        lead.created_at = created_at
    _apply_fields(lead, data)
    _require_person(lead)
    points = _build_contacts(contacts, region=_contact_region(lead))
    if not points:
        raise ValidationFailed(
            {"contacts": "Give at least one way to reach the person: phone, e-mail or profile."}
        )
    if (
        actor.user is not None
        and owner is None
        and role_of(actor.user)
        in (
            Role.SALES_MANAGER,
            Role.TELEMARKETER,
        )
    ):
        owner = actor.user  # a manager entering a lead by hand works it
    _check_owner(actor, owner)
    lead.owner = owner
    if team is not None:
        lead.team = team
    else:
        lead.team_id = (team_id_of(owner) if owner is not None else None) or (
            team_id_of(actor.user) if actor.user is not None else None
        )
    if owner is not None:
        lead.assigned_at = lead.created_at
    if verdict:
        _verdict_set(lead, verdict)
    lead.display_name = lead.display_name or _compute_display_name(lead)
    _refresh_search_text(lead, (p.value for p in points))
    try:
        lead.full_clean(exclude=["stage", "search_text"])
    except ValidationError as error:
        raise _validation_failed(error) from error
    lead.save()
    for point in points:
        point.lead = lead
        point.created_at = lead.created_at
    ContactPoint.objects.bulk_create(points)
    LeadEvent.objects.create(
        lead=lead,
        type=EventType.CREATED,
        occurred_at=lead.created_at,
        actor=actor.user,
        actor_source=actor.source,
        params={
            "fields": {n: _json_value(getattr(lead, n)) for n in data if n in EDITABLE_FIELDS},
            "contacts": [{"kind": p.kind, "value": p.value} for p in points],
        },
    )
    assigned = None
    if owner is not None:
        assigned = LeadEvent.objects.create(
            lead=lead,
            type=EventType.ASSIGNED,
            occurred_at=lead.created_at,
            actor=actor.user,
            actor_source=actor.source,
            params={"from": None, "to": owner.pk, "to_name": owner.get_username()},
        )
    _created_hooks([lead])
    if assigned is not None:
        _assigned_hooks([assigned])
    return lead


def _verdict_set(lead: Lead, verdict: Mapping[str, Any]) -> None:
    if verdict.get("team_id") and lead.team_id is None:
        lead.team_id = verdict["team_id"]
    if verdict.get("quality_status"):
        lead.quality_status = verdict["quality_status"]
        lead.quality_reasons = list(verdict.get("quality_reasons") or [])
    lead_set_stage_fields(lead, verdict.get("stage_fields") or {})


def _check_change(actor: Actor, lead: Lead) -> Lead:
    """Re-read the lead locked, through the actor's visibility: a forbidden lead is 404."""
    if actor.user is None:
        return Lead.objects.select_for_update().get(pk=lead.pk)
    return access.lead_get_for(user=actor.user, lead_id=lead.pk, for_update=True)


@transaction.atomic
def lead_update(*, actor: Actor, lead: Lead, data: Mapping[str, Any]) -> Lead:
    """Change a lead's fields; the event keeps each field's before and after."""
    lead = _check_change(actor, lead)
    changes = _apply_fields(lead, data)
    if not changes:
        return lead
    _check_changed_lead(lead, data)
    lead.save()
    _event(lead, actor, EventType.UPDATED, changes=changes)
    return _change_hooks(lead, actor, set(changes))


def _check_changed_lead(lead: Lead, data: Mapping[str, Any]) -> None:
    """After fields changed: still a person, derived name and search text, fields valid."""
    _require_person(lead)
    if not ("display_name" in data and lead.display_name):
        lead.display_name = _compute_display_name(lead) or lead.display_name
    _refresh_search_text(lead, lead.contact_points.values_list("value", flat=True))
    try:
        lead.full_clean(exclude=["stage", "search_text"])
    except ValidationError as error:
        raise _validation_failed(error) from error


# Named among a change hook's ``changed`` when rows of other leads were moved onto the lead
# or back (a merge, its undo): whatever a later app derives from those rows is rebuilt.
ROWS_MOVED = "rows_moved"


def _change_hooks(lead: Lead, actor: Actor, changed: set[str]) -> Lead:
    """Tell later apps what changed (settings.LEAD_CHANGE_HOOKS), in this transaction."""
    for hook in settings.LEAD_CHANGE_HOOKS:
        lead = import_string(hook)(lead=lead, actor=actor, changed=changed) or lead
    return lead


def _created_hooks(leads: list[Lead]) -> None:
    """Tell later apps of new leads (settings.LEADS_CREATED_HOOKS), in this transaction.
    The fields the hooks set on the new leads (routing's owner, the SLA's deadline) are
    written together at the end, each lead once (``core.bulk.update_soon``)."""
    if leads:
        with updates_deferred():
            for hook in settings.LEADS_CREATED_HOOKS:
                import_string(hook)(leads=leads)


def _assigned_hooks(events: list[LeadEvent]) -> None:
    """Tell later apps that leads got an owner (settings.LEAD_ASSIGNED_HOOKS: the owner is
    notified), with the ASSIGNED events, in this transaction."""
    if events:
        for hook in settings.LEAD_ASSIGNED_HOOKS:
            import_string(hook)(events=events)


# the most of a stage change's reason kept in its event
STAGE_REASON_LENGTH = 500
# the most of a rejection's or deferral's note
NOTE_LENGTH = 10_000
# what a lead keeps only while it is in a stage of a kind: cleared when it leaves
KEPT_WHILE_IN = {
    StageKind.LOST: ("rejection_reason", "rejection_note", "rejected_at"),
    StageKind.DEFERRED: ("recontact_at",),
}


class StageFieldsMissing(ValidationFailed):
    """A stage change refused because the stage requires fields the lead has not filled in:
    ``missing`` names them, so a form can ask for them."""

    def __init__(self, stage: Stage, missing: list[str]):
        self.stage = stage
        self.missing = missing
        super().__init__(
            {
                name: gettext("Fill this in to move the lead to “%(stage)s”.")
                % {"stage": stage.label}
                for name in missing
            }
        )


def _apply_stage_fields(lead: Lead, fields: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set the fields a stage change fills in (those the stage requires): the card's own
    fields as lead_update takes them, plus the rejection's reason and note."""
    unknown = set(fields) - set(REQUIRABLE_FIELDS) - set(RELATED_FIELDS)
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationFailed({name: "A stage change cannot set this field."})
    data = dict(fields)
    changes: dict[str, list[Any]] = {}
    if "rejection_reason" in data:
        reason = data.pop("rejection_reason")
        if isinstance(reason, str):
            reason = RejectionReason.objects.filter(code=reason).first() or reason
        if not isinstance(reason, RejectionReason) or not reason.is_active:
            raise ValidationFailed({"rejection_reason": _reasons_hint()})
        if lead.rejection_reason_id != reason.pk:
            changes["rejection_reason"] = [
                lead.rejection_reason.code if lead.rejection_reason_id else None,
                reason.code,
            ]
            lead.rejection_reason = reason
    if "rejection_note" in data:
        note = (data.pop("rejection_note") or "").strip()
        if len(note) > NOTE_LENGTH:
            raise ValidationFailed({"rejection_note": "Use at most 10,000 characters."})
        if note != lead.rejection_note:
            changes["rejection_note"] = [lead.rejection_note, note]
            lead.rejection_note = note
    for name in ("source", "campaign", "offline_event"):
        if name in data:
            value = data.pop(name)
            data[f"{name}_id"] = getattr(value, "pk", value)
    recontact_at = data.get("recontact_at")
    if isinstance(recontact_at, dt.datetime) and timezone.is_naive(recontact_at):
        raise ValidationFailed({"recontact_at": "Give the time with its time zone."})
    changes.update(_apply_fields(lead, data))
    return changes


def _reasons_hint() -> str:
    codes = RejectionReason.objects.filter(is_active=True).values_list("code", flat=True)
    return "Choose why the lead is rejected: one of " + ", ".join(codes) + "."


def _clear_on_leaving(lead: Lead, previous: Stage, stage: Stage) -> dict[str, Any]:
    """What held only in the stage left (a rejection's reason, a deferral's date), cleared;
    returns the values cleared, for the event."""
    cleared: dict[str, Any] = {}
    if previous.kind == stage.kind:
        return cleared
    for name in KEPT_WHILE_IN.get(previous.kind, ()):
        value = getattr(lead, name)
        if value in (None, ""):
            continue
        cleared[name] = value.code if isinstance(value, RejectionReason) else _json_value(value)
        setattr(lead, name, "" if name == "rejection_note" else None)
    return cleared


@transaction.atomic
def lead_change_stage(
    *,
    actor: Actor,
    lead: Lead,
    stage: Stage,
    reason: str = "",
    fields: Mapping[str, Any] | None = None,
    note: str = "",
) -> Lead:
    """Move a lead to another pipeline stage, stamping qualification, conversion or rejection.
    ``fields`` fill in what the stage requires (Stage.required_fields): a change that leaves
    any of them empty is refused (StageFieldsMissing) and writes nothing. Leaving a rejected
    stage clears the rejection's reason and note, leaving a deferred one the recontact date.
    A ``reason`` or ``note`` is kept in the event."""
    lead = _check_change(actor, lead)
    if lead.stage_id == stage.pk:
        return lead
    previous = Stage.objects.get(pk=lead.stage_id)
    now = timezone.now()
    cleared = _clear_on_leaving(lead, previous, stage)
    changes = _apply_stage_fields(lead, fields or {})
    missing = stage.missing_fields(lead)
    if missing:
        raise StageFieldsMissing(stage, missing)
    if changes:
        _check_changed_lead(lead, fields or {})
    lead.stage = stage
    if stage.code == "qualified" and lead.qualified_at is None:
        lead.qualified_at = now
    if stage.kind == StageKind.WON:
        lead.converted_at = now
    if stage.kind == StageKind.LOST:
        lead.rejected_at = now
    if previous.kind == StageKind.WON and stage.kind == StageKind.OPEN:
        lead.converted_at = None
    lead.save()
    params: dict[str, Any] = {"from": previous.code, "to": stage.code, "to_kind": stage.kind}
    if reason.strip():
        params["reason"] = reason.strip()[:STAGE_REASON_LENGTH]
    # the rejection's reason and note, the deferral's date: named on their own, not as a diff
    if stage.kind == StageKind.LOST and lead.rejection_reason_id:
        params["rejection_reason"] = lead.rejection_reason.code
        note = note or lead.rejection_note
    if stage.kind == StageKind.DEFERRED and lead.recontact_at:
        params["recontact_at"] = lead.recontact_at
    if note.strip():
        params["note"] = note.strip()[:NOTE_LENGTH]
    named = {"rejection_reason", "rejection_note"} | (
        {"recontact_at"} if stage.kind == StageKind.DEFERRED else set()
    )
    shown = {name: pair for name, pair in changes.items() if name not in named}
    if shown:
        params["changes"] = shown
    if cleared:
        params["cleared"] = cleared
    _event(lead, actor, EventType.STAGE_CHANGED, **params)
    if changes:
        lead = _change_hooks(lead, actor, set(changes))
    for hook in settings.LEAD_STAGE_HOOKS:
        lead = import_string(hook)(lead=lead, actor=actor, previous=previous) or lead
    return lead


def _first_stage(kind: str, what: str) -> Stage:
    stage = Stage.objects.filter(kind=kind).order_by("order", "id").first()
    if stage is None:
        raise ValidationFailed(
            {"stage": f"No {what} stage is set up: ask an admin to add a stage of that kind."}
        )
    return stage


@transaction.atomic
def lead_reject(
    *, actor: Actor, lead: Lead, reason: RejectionReason | None, note: str = ""
) -> Lead:
    """Reject a lead with a reason (an active RejectionReason) and an optional note: it moves
    to the (first) rejected stage and LEAD_STAGE_HOOKS run."""
    lead = _check_change(actor, lead)
    if reason is None or not reason.is_active:
        raise ValidationFailed({"rejection_reason": _reasons_hint()})
    stage = _first_stage(StageKind.LOST, "rejected")
    current = Stage.objects.get(pk=lead.stage_id)
    if current.kind == StageKind.LOST:
        raise ValidationFailed({"stage": f"This lead is already rejected ({current.label})."})
    return lead_change_stage(
        actor=actor,
        lead=lead,
        stage=stage,
        fields={"rejection_reason": reason, "rejection_note": note},
    )


def _recontact_moment(recontact_at: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(recontact_at, dt.datetime):
        if timezone.is_naive(recontact_at):
            raise ValidationFailed({"recontact_at": "Give the time with its time zone."})
        return recontact_at
    # a day alone: the start of the working morning there
    return timezone.make_aware(dt.datetime.combine(recontact_at, RECONTACT_TIME))


# the time of day a deferral given as a day alone comes back (the server's time zone)
RECONTACT_TIME = dt.time(9, 0)


@transaction.atomic
def lead_defer(
    *, actor: Actor, lead: Lead, recontact_at: dt.datetime | dt.date, note: str = ""
) -> Lead:
    """Put a lead off until a future day: it moves to the deferred stage with that recontact
    date, and a call task due then goes to its owner. A deferred lead deferred again gets
    the new date and a new task."""
    lead = _check_change(actor, lead)
    if recontact_at is None:
        raise ValidationFailed({"recontact_at": "Choose the day to come back to the lead."})
    moment = _recontact_moment(recontact_at)
    is_day = not isinstance(recontact_at, dt.datetime)
    if moment <= timezone.now() or (is_day and recontact_at <= timezone.localdate()):
        raise ValidationFailed(
            {"recontact_at": "Choose a day in the future to come back to the lead."}
        )
    if len(note.strip()) > NOTE_LENGTH:
        raise ValidationFailed({"note": "Use at most 10,000 characters."})
    current = Stage.objects.get(pk=lead.stage_id)
    if current.kind == StageKind.DEFERRED:
        lead = lead_update(actor=actor, lead=lead, data={"recontact_at": moment})
    else:
        stage = _first_stage(StageKind.DEFERRED, "deferred")
        lead = lead_change_stage(
            actor=actor, lead=lead, stage=stage, fields={"recontact_at": moment}, note=note
        )
    task_create(
        actor=actor,
        lead=lead,
        kind=TaskKind.CALL,
        title=gettext("Call back (deferred lead)"),
        description=note.strip(),
        due_at=moment,
        assignee=lead.owner,
    )
    return lead


@transaction.atomic
def lead_assign(*, actor: Actor, lead: Lead, owner, reason: str = "") -> Lead:
    """Give a lead a responsible person (or none); managers may only take leads themselves."""
    lead = _check_change(actor, lead)
    takes_it_themselves = owner is not None and actor.user is not None and owner.pk == actor.user.pk
    if actor.user is not None and not access.can_assign(actor.user) and not takes_it_themselves:
        raise PermissionDenied("Only a head of sales or an admin can assign leads to others.")
    _check_owner(actor, owner, lead)
    if lead.owner_id == (owner.pk if owner else None):
        return lead
    previous_owner_id = lead.owner_id
    lead.owner = owner
    if owner is not None:
        lead.assigned_at = timezone.now()
        owner_team_id = team_id_of(owner)
        if owner_team_id:
            lead.team_id = owner_team_id
    lead.save()
    event = _event(
        lead,
        actor,
        EventType.ASSIGNED,
        **{
            "from": previous_owner_id,
            "to": owner.pk if owner else None,
            "to_name": owner.get_username() if owner else None,
            "reason": reason,
        },
    )
    if owner is not None:
        _assigned_hooks([event])
    return lead


@transaction.atomic
def contact_point_add(*, actor: Actor, lead: Lead, contact: ContactInput) -> ContactPoint:
    """Add a way to reach the lead; an already known value is refused."""
    lead = _check_change(actor, lead)
    (point,) = _build_contacts([contact], region=_contact_region(lead)) or [None]
    point.lead = lead
    point.is_primary = not lead.contact_points.filter(kind=point.kind).exists()
    if lead.contact_points.filter(kind=point.kind, value=point.value).exists():
        raise ValidationFailed({"value": "This lead already has this contact."})
    point.save()
    _refresh_search_text(lead, lead.contact_points.values_list("value", flat=True))
    lead.save(update_fields=["search_text", "updated_at"])
    _event(lead, actor, EventType.CONTACT_ADDED, kind=point.kind, value=point.value)
    _change_hooks(lead, actor, {"contacts"})
    return point


@transaction.atomic
def note_add(*, actor: Actor, lead: Lead, text: str) -> LeadEvent:
    """Write a note on the lead's timeline."""
    lead = _check_change(actor, lead)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed({"text": "The note is empty."})
    if len(text) > 10_000:
        raise ValidationFailed({"text": "Use at most 10,000 characters."})
    event = _event(lead, actor, EventType.NOTE_ADDED, text=text)
    activity_hooks(lead, actor, ACTIVITY_NOTE, event.occurred_at)
    return event


# What was done on a lead, as LEAD_ACTIVITY_HOOKS hear it (an e-mail sent will be "email").
ACTIVITY_CALL, ACTIVITY_EMAIL, ACTIVITY_TASK, ACTIVITY_NOTE = "call", "email", "task", "note"


def activity_hooks(lead: Lead, actor: Actor, kind: str, at: dt.datetime) -> None:
    """Tell later apps that someone acted on the lead (settings.LEAD_ACTIVITY_HOOKS), in this
    transaction: routing decides whether it is the lead's first response and sets
    ``first_response_at``."""
    for hook in settings.LEAD_ACTIVITY_HOOKS:
        import_string(hook)(lead=lead, kind=kind, at=at, actor=actor)


@transaction.atomic
def task_create(
    *,
    actor: Actor,
    lead: Lead,
    kind: str = TaskKind.CALL,
    title: str = "",
    description: str = "",
    due_at: dt.datetime | None = None,
    assignee=None,
) -> Task:
    """Plan an action on a lead; by default for the lead's owner (or the actor). A person
    may be refused contact by a later app (settings.LEAD_CONTACT_CHECKS: a blocked person)."""
    lead = _check_change(actor, lead)
    if actor.user is not None:  # a person plans it (intake's own tasks are the system's)
        for check in settings.LEAD_CONTACT_CHECKS:
            import_string(check)(lead)
    if kind not in TaskKind.values:
        raise ValidationFailed({"kind": f"Use one of: {', '.join(TaskKind.values)}."})
    title = (title or "").strip() or str(TaskKind(kind).label)
    if len(title) > 200:
        raise ValidationFailed({"title": "Use at most 200 characters."})
    if due_at is not None and timezone.is_naive(due_at):
        raise ValidationFailed({"due_at": "Give the time with its time zone."})
    assignee_id = None
    if assignee is None:
        # the owner's id is enough: reading the user would cost a query per lead in bulk
        assignee_id = lead.owner_id or (actor.user.pk if actor.user is not None else None)
    elif (
        actor.user is not None
        and assignee.pk != actor.user.pk
        and not access.assignable_owners(actor.user).filter(pk=assignee.pk).exists()
    ):
        raise PermissionDenied("You cannot give tasks to this person.", field="assignee_id")
    if assignee is not None:
        assignee_id = assignee.pk
    task = Task.objects.create(
        lead=lead,
        kind=kind,
        title=title,
        description=description or "",
        due_at=due_at,
        assignee_id=assignee_id,
        created_by=actor.user,
    )
    _event(
        lead,
        actor,
        EventType.TASK_CREATED,
        task_id=task.pk,
        kind=kind,
        title=title,
        due_at=due_at,
        assignee_id=assignee_id,
    )
    return task


@transaction.atomic
def task_complete(*, actor: Actor, task: Task, outcome: str = "") -> Task:
    """Mark a task done with its outcome; done by a person, it may be the lead's first
    response (routing decides, LEAD_ACTIVITY_HOOKS)."""
    lead = _check_change(actor, task.lead)
    task = Task.objects.select_for_update().get(pk=task.pk, lead=lead)
    if task.done_at is not None:
        raise ValidationFailed({"task": "This task is already done."})
    outcome = (outcome or "").strip()
    if len(outcome) > 500:
        raise ValidationFailed({"outcome": "Use at most 500 characters."})
    task.done_at = timezone.now()
    task.outcome = outcome
    task.save(update_fields=["done_at", "outcome", "updated_at"])
    activity_hooks(lead, actor, ACTIVITY_TASK, task.done_at)
    _event(
        lead,
        actor,
        EventType.TASK_COMPLETED,
        task_id=task.pk,
        kind=task.kind,
        title=task.title,
        outcome=outcome,
    )
    return task


# --- bulk actions ---------------------------------------------------------------------

# the most leads one bulk action changes, and how many go in one transaction
BULK_LIMIT = 1000
BULK_BATCH = 100


@dataclass
class BulkRefusal:
    lead_id: int
    name: str
    error: ApplicationError


@dataclass
class BulkResult:
    """What a bulk action did: the leads changed, and each refused one with the refusal."""

    done: list[int] = field(default_factory=list)
    refused: list[BulkRefusal] = field(default_factory=list)


def leads_bulk_apply(
    *,
    actor: Actor,
    lead_ids: Iterable[int],
    change: Callable[[Lead], Any],
    batch_size: int = BULK_BATCH,
) -> BulkResult:
    """Apply one lead service to many leads: each lead through the service as if alone (its
    checks, its event, its hooks; a refusal rolls back only that lead), in batches of one
    transaction each; a lead the actor may not change is refused, not revealed."""
    ids = list(dict.fromkeys(lead_ids))
    if len(ids) > BULK_LIMIT:
        raise ValidationFailed(
            {"ids": f"Choose at most {BULK_LIMIT} leads at a time, or narrow the filter."}
        )
    visible = access.leads_visible_to(actor.user) if actor.user is not None else Lead.objects
    result = BulkResult()
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        with transaction.atomic():
            leads = {lead.pk: lead for lead in visible.filter(pk__in=batch)}
            for lead_id in batch:
                lead = leads.get(lead_id)
                if lead is None:
                    missing = NotFound("No lead with this id, or it is not yours to change.")
                    result.refused.append(BulkRefusal(lead_id, f"#{lead_id}", missing))
                    continue
                try:
                    change(lead)
                except ApplicationError as error:
                    result.refused.append(BulkRefusal(lead_id, str(lead), error))
                else:
                    result.done.append(lead_id)
    return result


def user_by_id(user_id: int | None):
    """An active user by id, or a validation error naming the owner field."""
    if user_id is None:
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise ValidationFailed({"owner_id": f"No active user with id {user_id}."})
    return user


# --- saved filters --------------------------------------------------------------------


def _saved_filter_query(query: str) -> str:
    """Keep only the list's filter parameters, in a stable order, without empty values."""
    allowed = LeadFilters.names()
    pairs = [(k, v) for k, v in parse_qsl(query.lstrip("?")) if k in allowed and v.strip()]
    return urlencode(sorted(pairs, key=lambda pair: allowed.index(pair[0])))


@transaction.atomic
def saved_filter_save(*, user, name: str, query: str) -> SavedFilter:
    """Save the lead list's current filters under a name unique for this user."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({"name": "Give the filter a name."})
    if len(name) > 80:
        raise ValidationFailed({"name": "Use at most 80 characters."})
    query = _saved_filter_query(query or "")
    if len(query) > 2000:
        raise ValidationFailed({"query": "These filters are too long to save."})
    if SavedFilter.objects.filter(user=user, name__iexact=name).exists():
        raise ValidationFailed({"name": f"You already have a saved filter named “{name}”."})
    try:
        with transaction.atomic():
            return SavedFilter.objects.create(user=user, name=name, query=query)
    except IntegrityError as error:  # the same name saved twice at once
        raise ValidationFailed(
            {"name": f"You already have a saved filter named “{name}”."}
        ) from error


@transaction.atomic
def saved_filter_delete(*, user, saved_filter_id: int) -> None:
    """Delete one of the user's own saved filters."""
    deleted, _ = SavedFilter.objects.filter(user=user, pk=saved_filter_id).delete()
    if not deleted:
        raise NotFound("No such saved filter.")


# --- bulk creation (file imports) -----------------------------------------------------
# The bulk twin of lead_create for imports of many rows: the same field, person and contact
# rules (the same helpers), but validation first for all (one query per related model)
# and then a few multi-row INSERTs instead of several statements per lead.


_LEAD_FIELD_NAMES = frozenset(f.name for f in Lead._meta.fields)


@dataclass
class LeadDraft:
    """One lead to create in bulk: what lead_create takes, plus the intake verdict."""

    data: Mapping[str, Any]
    contacts: Iterable[ContactInput]
    created_at: dt.datetime | None = None
    team_id: int | None = None
    quality_status: str = ""  # empty: the model's default
    quality_reasons: list[dict[str, Any]] = field(default_factory=list)
    stage_fields: Mapping[str, Any] = field(default_factory=dict)  # of STAGE_FIELDS


@dataclass
class BuiltLead:
    """A lead validated and normalised in memory, not saved yet: what leads_create_bulk
    writes. Its contact points' normalised values are known, e.g. to find duplicates."""

    lead: Lead
    contact_points: list[ContactPoint]
    field_names: tuple[str, ...]


def _existing_related(drafts: Iterable[LeadDraft]) -> dict[str, set[Any]]:
    wanted: dict[str, set[Any]] = {name: set() for name in RELATED_FIELDS}
    for draft in drafts:
        for name in RELATED_FIELDS:
            if draft.data.get(name) is not None:
                wanted[name].add(draft.data[name])
    return {
        name: set(RELATED_FIELDS[name].objects.filter(pk__in=ids).values_list("pk", flat=True))
        if ids
        else set()
        for name, ids in wanted.items()
    }


def _lead_build(draft: LeadDraft, new_lead, known: Mapping[str, set[Any]]) -> BuiltLead:
    lead = new_lead()
    if draft.created_at is not None:
        lead.created_at = draft.created_at
    related = {name: value for name, value in draft.data.items() if name in RELATED_FIELDS}
    for name, value in related.items():
        if value is not None and value not in known[name]:
            model = RELATED_FIELDS[name]
            raise ValidationFailed({name: f"No {model._meta.verbose_name} with id {value}."})
    _apply_fields(lead, {n: v for n, v in draft.data.items() if n not in RELATED_FIELDS})
    for name, value in related.items():
        setattr(lead, name, value)
    _require_person(lead)
    points = _build_contacts(draft.contacts, region=_contact_region(lead))
    if not points:
        raise ValidationFailed(
            {"contacts": "Give at least one way to reach the person: phone, e-mail or profile."}
        )
    lead.team_id = draft.team_id
    lead_set_stage_fields(lead, draft.stage_fields)
    if draft.quality_status:
        lead.quality_status = draft.quality_status
        lead.quality_reasons = list(draft.quality_reasons)
    lead.display_name = lead.display_name or _compute_display_name(lead)
    _refresh_search_text(lead, (p.value for p in points))
    # lead_create's full_clean, field by field: the related rows were checked above in one
    # query each, and the fields this draft does not set hold their valid defaults.
    checked = {Lead._meta.get_field(n).name for n in draft.data if n not in RELATED_FIELDS}
    checked |= {"display_name", "quality_status"}
    try:
        lead.clean_fields(exclude=_LEAD_FIELD_NAMES - checked)
    except ValidationError as error:
        raise _validation_failed(error) from error
    return BuiltLead(lead=lead, contact_points=points, field_names=tuple(draft.data))


def leads_build(*, drafts: Iterable[LeadDraft]) -> list[BuiltLead | ValidationFailed]:
    """Validate and normalise many leads by lead_create's rules, without saving: for each
    draft, in order, its built lead or the error that refuses it."""
    drafts = list(drafts)
    # Lead(stage=…) for each draft, without Model.__init__'s cost for each
    new_lead = instance_factory(Lead, stage=Stage.objects.get(is_initial=True))
    known = _existing_related(drafts)
    results: list[BuiltLead | ValidationFailed] = []
    for draft in drafts:
        try:
            results.append(_lead_build(draft, new_lead, known))
        except ValidationFailed as error:
            results.append(error)
    return results


# no savepoint of its own inside a caller's transaction (intake's batch, an import's chunk):
# they undo the whole block on an error anyway, and the savepoint cost two round trips each
@transaction.atomic(savepoint=False)
def leads_create_bulk(
    *, actor: Actor, built: Iterable[BuiltLead], batch_size: int = 1000
) -> list[Lead]:
    """Save leads from leads_build with their contact points and CREATED events in a few
    multi-row writes (COPY on PostgreSQL); the same rows lead_create writes (leads without
    an owner)."""
    built = list(built)
    leads = insert_many(Lead, [item.lead for item in built], batch_size=batch_size)
    points: list[ContactPoint] = []
    events: list[LeadEvent] = []
    new_event = instance_factory(
        LeadEvent, type=EventType.CREATED, actor=actor.user, actor_source=actor.source
    )
    for item in built:
        lead = item.lead
        for point in item.contact_points:
            point.lead = lead
            point.created_at = lead.created_at
            points.append(point)
        events.append(
            new_event(
                lead=lead,
                occurred_at=lead.created_at,
                params={
                    "fields": {
                        n: _json_value(getattr(lead, n))
                        for n in item.field_names
                        if n in EDITABLE_FIELDS
                    },
                    "contacts": [{"kind": p.kind, "value": p.value} for p in item.contact_points],
                },
            )
        )
    # neither is read back by its own key (the hooks take the points by lead, in memory)
    insert_many(ContactPoint, points, batch_size=batch_size, keys=False)
    insert_many(LeadEvent, events, batch_size=batch_size, keys=False)
    for item in built:
        setattr(item.lead, _NEW_CONTACTS, item.contact_points)
    _created_hooks(leads)
    return leads


# on a lead leads_create_bulk has just written: its contact points, as written
_NEW_CONTACTS = "_galena_new_contact_points"


def new_leads_contacts(leads: Sequence[Lead]) -> dict[int, list[ContactPoint]] | None:
    """The contact points of leads leads_create_bulk has just written, by lead id, without
    a query (the creation hooks ask for every batch); None when a lead came another way,
    and the caller reads them from the database."""
    found: dict[int, list[ContactPoint]] = {}
    for lead in leads:
        points = getattr(lead, _NEW_CONTACTS, None)
        if points is None:
            return None
        found[lead.pk] = points
    return found
