"""Reads of matching: its settings, who may merge which leads, what a merge would keep, and
what the lead card shows of merges."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.utils import timezone

from galena.core.errors import NotFound, PermissionDenied
from galena.leads import access
from galena.leads.models import ContactPoint, Lead
from galena.matching import merge as survivorship
from galena.matching.models import LeadMerge, MatchSettings


def matching_settings() -> MatchSettings:
    """The matching settings: the stored row, or the defaults before one is saved."""
    return MatchSettings.objects.first() or MatchSettings()


def unmerge_deadline(merge: LeadMerge, *, settings: MatchSettings | None = None) -> dt.datetime:
    """Until when this merge can be undone."""
    days = (settings or matching_settings()).unmerge_days
    return merge.created_at + dt.timedelta(days=days)


def can_still_unmerge(merge: LeadMerge, *, settings: MatchSettings | None = None) -> bool:
    """Not undone yet and within the configured period (the service checks the rest)."""
    return merge.unmerged_at is None and timezone.now() <= unmerge_deadline(
        merge, settings=settings
    )


@dataclass
class CardMerges:
    """The lead card's merge panel: the merges this lead survived (newest first, each with
    ``can_undo``, ``deadline`` and ``merged_leads``) and the merged leads' names."""

    survived: list[LeadMerge]
    names: dict[int, str]  # the merged leads' names, by id


CARD_MERGE_LIMIT = 10


def _with_deadline(merges: list[LeadMerge]) -> None:
    if not merges:
        return
    settings = matching_settings()
    for merge in merges:
        merge.deadline = unmerge_deadline(merge, settings=settings)
        merge.can_undo = can_still_unmerge(merge, settings=settings)


def card_merges(*, lead: Lead) -> CardMerges:
    """What the card's merge panel shows: the merges the lead survived and the merged
    leads' names (one query; two more when it survived any)."""
    survived = list(
        LeadMerge.objects.filter(survivor=lead)
        .select_related("actor", "unmerged_by")
        .order_by("-created_at", "-id")[:CARD_MERGE_LIMIT]
    )
    _with_deadline(survived)
    merged_ids = {lead_id for merge in survived for lead_id in merge.merged_ids}
    names = (
        {lead.pk: str(lead) for lead in Lead.objects.filter(pk__in=merged_ids).only("display_name")}
        if merged_ids
        else {}
    )
    for merge in survived:
        merge.merged_leads = [(lead_id, names.get(lead_id, "")) for lead_id in merge.merged_ids]
    return CardMerges(survived=survived, names=names)


def lead_merged_by(*, lead: Lead) -> LeadMerge | None:
    """The merge that merged this lead, with its survivor, ``can_undo`` and ``deadline``;
    None for a lead not merged (without a query)."""
    if not lead.merged_into_id:
        return None
    merged_by = next(
        (
            merge
            for merge in LeadMerge.objects.filter(
                survivor_id=lead.merged_into_id, unmerged_at__isnull=True
            )
            .select_related("actor", "survivor")
            .order_by("-created_at", "-id")
            if lead.pk in merge.merged_ids
        ),
        None,
    )
    _with_deadline([merged_by] if merged_by else [])
    return merged_by


# --- merging: who, which leads, and what the survivor keeps ----------------------------


def require_merger(user) -> None:
    """Refuse users who may not merge leads: heads of sales and admins merge."""
    access.require_lead_access(user)
    if not access.can_assign(user):
        raise PermissionDenied("Only a head of sales or an admin can merge leads.")


def leads_for_merge(*, user, lead_ids: Sequence[int]) -> list[Lead]:
    """The leads, in the order asked, if the user may see every one (merged ones too, so a
    page can say they are merged); NotFound naming the first one out of sight otherwise."""
    found = {
        lead.pk: lead
        for lead in access.leads_visible_to(user, include_merged=True)
        .select_related("owner", "team", "stage", "source", "campaign", "offline_event")
        .filter(pk__in=list(lead_ids))
    }
    missing = [lead_id for lead_id in lead_ids if lead_id not in found]
    if missing:
        raise NotFound(f"No lead with id {missing[0]}, or it is not yours to see.")
    return [found[lead_id] for lead_id in lead_ids]


def merge_for(*, user, merge_id: int) -> LeadMerge:
    """A merge the user may read and undo: they may merge, and see every lead in it."""
    require_merger(user)
    merge = LeadMerge.objects.select_related("actor", "unmerged_by").filter(pk=merge_id).first()
    if merge is None:
        raise NotFound("No merge with this id.")
    leads_for_merge(user=user, lead_ids=[merge.survivor_id, *merge.merged_ids])
    return merge


def default_survivor(leads: Sequence[Lead]) -> Lead:
    """The survivor offered by default: the oldest lead with an owner — the one being
    worked, whose owner, stage and tasks the team knows — else the oldest, the first contact."""
    owned = [lead for lead in leads if lead.owner_id is not None]
    return min(owned or leads, key=lambda lead: (lead.created_at, lead.pk))


def lead_values(lead: Lead) -> survivorship.LeadValues:
    """A lead's field values, as survivorship reads them."""
    return survivorship.LeadValues(
        id=lead.pk, values={f.attname: getattr(lead, f.attname) for f in Lead._meta.concrete_fields}
    )


def newest_first(leads: Sequence[Lead]) -> list[int]:
    """The leads' ids, most recently updated first: the order values are filled in from."""
    return [
        lead.pk for lead in sorted(leads, key=lambda lead: (lead.updated_at, lead.pk), reverse=True)
    ]


def survivorship_for(
    *, survivor: Lead, others: Sequence[Lead], choices: Mapping[str, int] | None = None
) -> survivorship.Survivorship:
    """What the survivor would keep of each field (raises survivorship.UnknownChoice)."""
    return survivorship.survivorship(
        survivor=lead_values(survivor), others=[lead_values(o) for o in others], choices=choices
    )


def contact_plan(
    *, survivor: Lead, others: Sequence[Lead], points: Iterable[ContactPoint]
) -> survivorship.ContactPlan:
    """What a merge would do with these contact points (the leads' points, loaded)."""
    return survivorship.plan_contacts(
        survivor_id=survivor.pk,
        lead_order=newest_first(others),
        points=[
            survivorship.ContactValues(
                id=p.pk,
                lead_id=p.lead_id,
                kind=p.kind,
                value=p.value,
                is_primary=p.is_primary,
                verified=p.verified,
                verified_at=p.verified_at,
            )
            for p in points
        ],
    )
