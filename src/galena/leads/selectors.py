"""Reads of leads that are more than one query: the filtered list, the timeline, the dashboard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, F, OrderBy, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from galena.core.errors import NotFound, PermissionDenied, ValidationFailed
from galena.leads import access
from galena.leads.models import (
    Campaign,
    CampaignSpend,
    ContactPoint,
    Lead,
    LeadEvent,
    QualityStatus,
    Source,
    Stage,
    StageKind,
    Task,
)

SORTS = {
    "created": ("created_at", "id"),
    "name": ("display_name", "id"),
    "company": ("company_name", "id"),
    "score": ("score", "id"),
    "temperature": ("temperature", "id"),
    "stage": ("stage__order", "id"),
    "owner": ("owner__username", "id"),
    "source": ("source__name", "id"),
    # what is due first: unanswered leads by their first-response deadline (the most
    # overdue first, those without one after), then answered ones, the latest answer first
    "due": ("-first_response_at", "response_due_at", "id"),
}


@dataclass
class LeadFilters:
    """The list's filters, as the pages, the API and exports all accept them."""

    stage: str = ""
    owner: str = ""  # a user id, "me" or "none"
    temperature: str = ""
    fit: str = ""
    source: int | None = None
    campaign: int | None = None
    channel: str = ""
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    q: str = ""
    # "" (the default): only leads sent to sales, quality accepted or not checked;
    # quarantined, rejected or all: for reviewers (heads of sales, admins)
    quality: str = ""
    sort: str = "-created"

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


SENT_TO_SALES = (QualityStatus.ACCEPTED, QualityStatus.UNKNOWN)
# the leads a source's or campaign's count includes: sent to sales, not merged into another
IN_SALES_COUNTS = Q(leads__quality_status__in=SENT_TO_SALES, leads__merged_into__isnull=True)
QUALITY_FILTERS = {
    "": SENT_TO_SALES,
    "accepted": SENT_TO_SALES,
    "quarantined": (QualityStatus.QUARANTINED,),
    "rejected": (QualityStatus.REJECTED,),
    "all": None,
}


def _quality_condition(user, quality: str) -> Q:
    """Quarantined and rejected-as-pseudo leads are not sent to sales: only reviewers see them."""
    if quality not in QUALITY_FILTERS:
        raise ValidationFailed(
            {"quality": f"Use one of: {', '.join(q for q in QUALITY_FILTERS if q)}."}
        )
    statuses = QUALITY_FILTERS[quality]
    if statuses != SENT_TO_SALES and not access.can_assign(user):
        raise PermissionDenied(
            "Quarantined and rejected leads are for heads of sales and admins to review."
        )
    return Q() if statuses is None else Q(quality_status__in=statuses)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def lead_list(*, user, filters: LeadFilters) -> QuerySet[Lead]:
    """The leads the user may see, filtered and sorted, ready to render without N+1."""
    leads = leads_filtered(user=user, filters=filters)
    return leads.select_related("stage", "owner", "source", "campaign", "team").prefetch_related(
        Prefetch(
            "contact_points",
            queryset=ContactPoint.objects.filter(is_primary=True).order_by("kind", "id"),
            to_attr="primary_contacts",
        )
    )


def leads_filtered(
    *, user, filters: LeadFilters, visible: QuerySet[Lead] | None = None
) -> QuerySet[Lead]:
    """The leads the user may see, filtered and sorted; ``visible``: one of
    access.leads_visible_parts(user) instead of all of them."""
    visible = access.leads_visible_to(user) if visible is None else visible
    leads = visible.filter(_quality_condition(user, filters.quality))
    if filters.stage:
        leads = leads.filter(stage__code=filters.stage)
    if filters.owner == "me":
        leads = leads.filter(owner=user)
    elif filters.owner == "none":
        leads = leads.filter(owner__isnull=True)
    elif filters.owner:
        if not str(filters.owner).isdigit():
            raise ValidationFailed({"owner": "Use a user id, 'me' or 'none'."})
        leads = leads.filter(owner_id=int(filters.owner))
    if filters.temperature:
        leads = leads.filter(temperature=filters.temperature)
    if filters.fit:
        leads = leads.filter(fit=filters.fit)
    if filters.source:
        leads = leads.filter(source_id=filters.source)
    if filters.campaign:
        leads = leads.filter(campaign_id=filters.campaign)
    if filters.channel:
        leads = leads.filter(channel=filters.channel)
    if filters.created_from:
        leads = leads.filter(created_at__gte=_day_start(filters.created_from))
    if filters.created_to:
        leads = leads.filter(created_at__lt=_day_start(filters.created_to + dt.timedelta(days=1)))
    if filters.q.strip():
        for word in filters.q.casefold().split():
            # search_text holds names, company and normalised contacts, case-folded
            digits = "".join(c for c in word if c.isdigit())
            condition = Q(search_text__contains=word)
            if len(digits) >= 5 and len(digits) >= len(word) - 4:
                condition |= Q(search_text__contains=digits)
            leads = leads.filter(condition)
    return leads.order_by(*sort_ordering(filters.sort))


def leads_filtered_parts(*, user, filters: LeadFilters) -> list[QuerySet[Lead]]:
    """``leads_filtered`` as disjoint querysets whose union it is, one per part of what the
    user may see (access.leads_visible_parts); none when that is one part (an admin)."""
    visible = access.leads_visible_parts(user)
    if len(visible) < 2:
        return []
    return [leads_filtered(user=user, filters=filters, visible=part) for part in visible]


# Counts a board column shows exactly; beyond, "1,000+": an exact count of a million leads
# reads them all (a second and more), a capped one stops at the cap. The list counts further
# (its pages stay reachable up to there) with one count where the board makes one per stage.
COUNT_CAP = 1_000
LIST_COUNT_CAP = 10_000


def capped_count(leads: QuerySet, cap: int | None = None, *, parts: Sequence[QuerySet] = ()) -> int:
    """How many rows, exactly up to ``cap`` (LIST_COUNT_CAP); ``cap + 1`` means more.
    ``parts``: disjoint querysets whose union is ``leads`` (leads_filtered_parts), each
    counted alone up to the cap."""
    cap = LIST_COUNT_CAP if cap is None else cap
    if len(parts) < 2:
        return leads.order_by().values("pk")[: cap + 1].count()
    return _bounded_counts({0: parts}, cap=cap)[0]


def _bounded_counts(parts_by_key: dict[int, Sequence[QuerySet]], *, cap: int) -> dict[int, int]:
    """For each key, how many leads its parts hold together, up to ``cap + 1``, in one
    query: a UNION ALL of one bounded count per key and part, each stopping at the cap
    instead of reading every lead; a key's counts are added and bounded again."""
    branches, params = [], []
    for key, parts in parts_by_key.items():
        for part in parts:
            inner = part.order_by().values("pk")[: cap + 1]
            try:
                sql, inner_params = inner.query.sql_with_params()
            except EmptyResultSet:  # a part that can hold nothing
                continue
            # Django's own SQL for each branch, its values passed as parameters
            number = len(branches)
            branches.append(f"SELECT %s AS k, COUNT(*) AS n FROM ({sql}) AS branch_{number:d}")  # noqa: S608
            params.extend([key, *inner_params])
    counts = dict.fromkeys(parts_by_key, 0)
    if not branches:
        return counts
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(branches), params)
        for key, n in cursor.fetchall():
            counts[key] = min(counts[key] + n, cap + 1)
    return counts


def board_counts(
    *, user, filters: LeadFilters, stages: list[Stage], cap: int | None = None
) -> dict[int, int]:
    """How many leads the board's filters leave in each stage (up to ``cap``, COUNT_CAP;
    ``cap + 1`` means more), in one query (``_bounded_counts``), each part of what the user
    may see counted alone; a text search first from one read of its matches
    (``search_counts``)."""
    cap = COUNT_CAP if cap is None else cap
    if not stages:
        return {}
    counts: dict[int, int] = {}
    if filters.q.strip():
        counts = search_counts(user=user, filters=filters, stages=stages, cap=cap)
        stages = [stage for stage in stages if stage.pk not in counts]
        if not stages:
            return counts
    return {**counts, **stages_counts(user=user, filters=filters, stages=stages, cap=cap)}


def stages_counts(
    *, user, filters: LeadFilters, stages: list[Stage], cap: int | None = None
) -> dict[int, int]:
    """Each stage's count under the filters (up to ``cap + 1``), one bounded count per stage
    and part of what the user may see, in one query (``_bounded_counts``)."""
    cap = COUNT_CAP if cap is None else cap
    parts = leads_filtered_parts(user=user, filters=filters) or [
        leads_filtered(user=user, filters=filters)
    ]
    by_stage = {stage.pk: [part.filter(stage_id=stage.pk) for part in parts] for stage in stages}
    return _bounded_counts(by_stage, cap=cap)


# A text search's matches read at most once for the board's counts: the trigram index is read
# for each count's query, a dozen times for a board's stages and parts
SEARCH_SAMPLE = LIST_COUNT_CAP + 1


def search_counts(
    *, user, filters: LeadFilters, stages: list[Stage], cap: int | None = None
) -> dict[int, int]:
    """A text search's stage counts (up to ``cap + 1``) from one read of up to SEARCH_SAMPLE
    matches: every stage's when they are all read; otherwise those already past the cap (the
    others are left out, to be counted alone: ``stages_counts``)."""
    cap = COUNT_CAP if cap is None else cap
    leads = leads_filtered(user=user, filters=filters)
    sample = leads.filter(stage__in=stages).order_by().values("stage_id")[:SEARCH_SAMPLE]
    try:
        sql, params = sample.query.sql_with_params()
    except EmptyResultSet:
        return dict.fromkeys((stage.pk for stage in stages), 0)
    with connection.cursor() as cursor:
        # Django's own SQL, its values passed as parameters
        query = f"SELECT stage_id, COUNT(*) FROM ({sql}) AS sample GROUP BY stage_id"  # noqa: S608
        cursor.execute(query, params)
        found = dict(cursor.fetchall())
    if sum(found.values()) < SEARCH_SAMPLE:
        return {stage.pk: min(found.get(stage.pk, 0), cap + 1) for stage in stages}
    return {pk: cap + 1 for pk, n in found.items() if n > cap}


def count_parts(filters: LeadFilters, parts: list[QuerySet[Lead]]) -> list[QuerySet[Lead]]:
    """The parts a count of the list reads alone: none for a text search, whose trigram index
    one count reads once and a count per part once each."""
    return [] if filters.q.strip() else parts


def board_cards(*, user, filters: LeadFilters, stage: Stage) -> QuerySet[Lead]:
    """One board column: the filtered leads in a stage, in the filters' order, with what a
    board card shows (stage, owner) joined."""
    leads = leads_filtered(user=user, filters=filters).filter(stage=stage)
    return leads.select_related("stage", "owner")


def board_cards_parts(*, user, filters: LeadFilters, stage: Stage) -> list[QuerySet[Lead]]:
    """``board_cards`` as disjoint querysets, one per part of what the user may see (none
    for an admin): a column's page reads each alone (core.api.first_rows)."""
    parts = leads_filtered_parts(user=user, filters=filters)
    return [part.filter(stage=stage) for part in parts]


def board_card(*, user, lead_id: int) -> Lead | None:
    """One lead as a board card shows it, if the user may see it."""
    return access.leads_visible_to(user).select_related("stage", "owner").filter(pk=lead_id).first()


def sort_fields(sort: str) -> tuple[str, ...]:
    descending = sort.startswith("-")
    key = sort.lstrip("-") or "created"
    if key not in SORTS:
        raise ValidationFailed(
            {"sort": f"Sort by one of: {', '.join(SORTS)} (prefix - to reverse)."}
        )
    if not descending:
        return SORTS[key]
    return tuple(name[1:] if name.startswith("-") else f"-{name}" for name in SORTS[key])


def sort_ordering(sort: str) -> tuple[str | OrderBy, ...]:
    """``sort_fields`` for order_by, with empty values where the API's pages put them on
    every database: after all others, before them when reversed."""
    ordering: list[str | OrderBy] = []
    for name in sort_fields(sort):
        path = name.lstrip("-")
        if not _nullable(path):
            ordering.append(name)
        elif name.startswith("-"):
            ordering.append(F(path).desc(nulls_first=True))
        else:
            ordering.append(F(path).asc(nulls_last=True))
    return tuple(ordering)


def _nullable(path: str) -> bool:
    model, nullable = Lead, False
    for part in path.split("__"):
        field = model._meta.get_field(part)
        nullable = nullable or field.null
        model = field.related_model or model
    return nullable


def response_status(
    due_at: dt.datetime | None, responded_at: dt.datetime | None, *, now: dt.datetime
) -> str:
    """A first-response deadline's state, as routing's SLA clock tells it: "due", "met" or
    "breached" (answered late included); "" without a deadline."""
    if due_at is None:
        return ""
    if responded_at is not None:
        return "met" if responded_at <= due_at else "breached"
    return "breached" if now > due_at else "due"


def lead_detail(*, user, lead_id: int) -> Lead:
    """One lead the user may see, with everything its card shows; NotFound otherwise. A
    lead merged into another is found too: its card says where it went."""
    lead = (
        access.leads_visible_to(user, include_merged=True)
        .select_related(
            "stage", "owner", "team", "source", "campaign", "offline_event", "rejection_reason"
        )
        .prefetch_related("contact_points")
        .filter(pk=lead_id)
        .first()
    )
    if lead is None:
        raise NotFound("No lead with this id, or it is not yours to see.")
    return lead


def lead_timeline(*, lead: Lead) -> QuerySet[LeadEvent]:
    return lead.events.select_related("actor").order_by("-occurred_at", "-id")


def lead_tasks(*, lead: Lead) -> QuerySet[Task]:
    """Open tasks first, soonest due first (undated last), then done ones: on every database."""
    return lead.tasks.select_related("assignee").order_by(
        F("done_at").asc(nulls_first=True), F("due_at").asc(nulls_last=True), "id"
    )


def dashboard(*, user, days: int = 30) -> dict:
    """New leads per day and per channel over the last days, open leads per stage; leads
    held or rejected by the quality gate are not sales' and are not counted."""
    leads = access.leads_visible_to(user).filter(quality_status__in=SENT_TO_SALES)
    since = timezone.now() - dt.timedelta(days=days)
    recent = leads.filter(created_at__gte=since)
    per_day = list(
        recent.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    per_channel = list(recent.values("channel").annotate(n=Count("id")).order_by("-n"))
    counts = dict(
        leads.filter(stage__kind__in=[StageKind.OPEN, StageKind.DEFERRED])
        .values_list("stage_id")
        .annotate(n=Count("id"))
    )
    stages = [
        {"stage": stage, "n": counts.get(stage.pk, 0)}
        for stage in Stage.objects.filter(kind__in=[StageKind.OPEN, StageKind.DEFERRED])
    ]
    return {
        "days": days,
        "per_day": per_day,
        "per_channel": per_channel,
        "open_per_stage": stages,
        "new_total": sum(row["n"] for row in per_day),
    }


def marketing_overview(*, days: int = 30) -> dict:
    """New leads per day, channel and source over the last days, as counts only: for
    marketing roles, who see where leads come from but not the people in them."""
    since = timezone.now() - dt.timedelta(days=days)
    # pseudo-leads are counted in the quality report, not here
    recent = Lead.objects.filter(
        created_at__gte=since, quality_status__in=SENT_TO_SALES, merged_into__isnull=True
    )
    per_day = list(
        recent.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    per_channel = list(recent.values("channel").annotate(n=Count("id")).order_by("-n"))
    per_source = list(
        recent.values("source_id", "source__name", "source__channel")
        .annotate(n=Count("id"))
        .order_by("-n", "source__name")
    )
    return {
        "days": days,
        "per_day": per_day,
        "per_channel": per_channel,
        "per_source": per_source,
        "new_total": sum(row["n"] for row in per_day),
    }


def sources_with_lead_counts() -> QuerySet[Source]:
    """Every source with its channel and how many leads it brought to sales (all time, one
    query): the count the lead list behind its link shows."""
    return Source.objects.annotate(lead_count=Count("leads", filter=IN_SALES_COUNTS)).order_by(
        "name"
    )


def campaigns_with_spend() -> list[Campaign]:
    """Campaigns with their lead count and total spend per currency, in two queries.

    Each campaign gets ``spend_totals``: a list of (currency, amount), largest first.
    """
    campaigns = list(
        Campaign.objects.select_related("source")
        .annotate(lead_count=Count("leads", filter=IN_SALES_COUNTS))
        .order_by("-is_active", "-starts_on", "name")
    )
    totals: dict[int, list[tuple[str, object]]] = {}
    for row in (
        CampaignSpend.objects.values("campaign_id", "currency")
        .annotate(total=Sum("amount"))
        .order_by("campaign_id", "-total")
    ):
        totals.setdefault(row["campaign_id"], []).append((row["currency"], row["total"]))
    for campaign in campaigns:
        campaign.spend_totals = totals.get(campaign.pk, [])
    return campaigns


def my_open_tasks(*, user, limit: int = 10) -> list[Task]:
    """The user's open tasks on leads they may see, soonest due first, undated last."""
    visible = access.leads_visible_to(user)
    return list(
        Task.objects.filter(assignee=user, done_at__isnull=True, lead__in=visible)
        .select_related("lead")
        .order_by(F("due_at").asc(nulls_last=True), "id")[:limit]
    )
