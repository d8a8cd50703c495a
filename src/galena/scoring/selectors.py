"""Scoring's reads: the calibration report's inputs, loaded in a fixed number of queries.

A closed lead is one won (stage kind "won", ``converted_at`` in the period) or lost (stage
kind "lost", ``rejected_at`` in the period), merged leads aside. For each, the report needs
the rules that gave it points — the profile rules in its stored breakdown, and the behaviour
rules whose components date from before it closed (what it did after the decision says
nothing about how the score predicted it) —, its tracked events before it closed, its deal
value, and, when it was lost, why.

The figures are the business's: the rules are the same for every team, so they are checked
against every closed lead. The list of lost leads shows only the leads the reader may open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, Sum, When
from django.db.models.functions import Mod
from django.utils import timezone
from django.utils.text import capfirst

from galena.core.errors import PermissionDenied, ValidationFailed
from galena.leads import access
from galena.leads.models import (
    Channel,
    ContactType,
    EventType,
    Fit,
    Lead,
    LeadEvent,
    Origin,
    StageKind,
)
from galena.quality.selectors import reason_label, reason_labels
from galena.scoring import calibration
from galena.scoring.calibration import ClosedLead, Inputs, ModelInfo, Options, Report, RuleInfo
from galena.scoring.models import PredictiveModel, ScoreComponent, ScoreRule, TrackedEvent
from galena.scoring.services import settings_get

DEFAULT_DAYS = 365
PERIOD_PRESETS = (90, 180, 365)
# Years a period may span: the report reads every closed lead in it.
MAX_PERIOD_DAYS = 366 * 5
# The profile compares clients with all leads of the period; past this many it reads an
# even sample of them (every k-th by id), which is as good for shares and bounded in time.
PROFILE_SAMPLE = 50_000
REASON_LENGTH = 300

FORBIDDEN = "The calibration report is for heads of sales and admins."


def require_calibration_access(user) -> None:
    """Refuse users other than heads of sales and admins."""
    if not access.can_assign(user):
        raise PermissionDenied(FORBIDDEN)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    @classmethod
    def last(cls, days: int = DEFAULT_DAYS, *, today: dt.date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(start=today - dt.timedelta(days=days - 1), end=today)

    @classmethod
    def of(
        cls, start: dt.date | None = None, end: dt.date | None = None, *, days: int | None = None
    ) -> Period:
        """A period from its first and last days; a missing end is today, a missing start
        ``days`` (default 365) before the end."""
        end = end or timezone.localdate()
        start = start or end - dt.timedelta(days=(days or DEFAULT_DAYS) - 1)
        if start > end:
            raise ValidationFailed({"from": "The period starts after it ends."})
        if (end - start).days >= MAX_PERIOD_DAYS:
            raise ValidationFailed({"from": "The period is longer than five years."})
        return cls(start=start, end=end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as [start, end) moments in the business's time zone."""
        start = timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))
        end = timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min))
        return start, end


def closed_leads(period: Period) -> QuerySet[Lead]:
    """Leads won or lost in the period (by the moment they were won or lost)."""
    start, end = period.bounds()
    won = Q(stage__kind=StageKind.WON, converted_at__gte=start, converted_at__lt=end)
    lost = Q(stage__kind=StageKind.LOST, rejected_at__gte=start, rejected_at__lt=end)
    return Lead.objects.filter(merged_into__isnull=True).filter(won | lost)


def _closed_moment(prefix: str = "lead__") -> Case:
    return Case(
        When(**{f"{prefix}stage__kind": StageKind.WON}, then=F(f"{prefix}converted_at")),
        default=F(f"{prefix}rejected_at"),
    )


_LEAD_FIELDS = (
    "id",
    "stage__kind",
    "score",
    "predicted_probability",
    "converted_at",
    "rejected_at",
    "display_name",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
    "deal_value",
    "deal_currency",
    "quality_reasons",
    "attributes",
    "source__name",
    "score_state__fit_breakdown",
    *(name for name in calibration.PROFILE_FIELDS if name != "source"),
)
_POPULATION_FIELDS = (
    "attributes",
    "source__name",
    *(name for name in calibration.PROFILE_FIELDS if name != "source"),
)


def _profile_of(row: Mapping[str, Any]) -> dict[str, Any]:
    values = {name: row.get(name) for name in calibration.PROFILE_FIELDS if name not in ("source",)}
    values["source"] = row.get("source__name") or ""
    values[calibration.ATTRIBUTES] = (
        row["attributes"] if isinstance(row["attributes"], dict) else {}
    )
    return values


def _owner_name(row: Mapping[str, Any]) -> str:
    full = " ".join(p for p in (row["owner__first_name"], row["owner__last_name"]) if p)
    return full or row["owner__username"] or ""


def _profile_rules(breakdown: Any) -> set[int]:
    if not isinstance(breakdown, list):
        return set()
    return {
        line["rule"]
        for line in breakdown
        if isinstance(line, Mapping) and isinstance(line.get("rule"), int) and line.get("points")
    }


def _quality_reason(reasons: Any, labels: dict[str, str]) -> str:
    messages = []
    for reason in reasons or []:
        if isinstance(reason, Mapping):
            text = str(reason.get("message") or "").strip()
            code = str(reason.get("code") or "")
            text = text or (reason_label(code, labels) if code else "")
        else:
            text = reason_label(str(reason), labels)
        if text and text not in messages:
            messages.append(text)
    return "; ".join(messages)[:REASON_LENGTH]


def _stage_reasons(leads: QuerySet[Lead]) -> dict[int, str]:
    """The reason given when each lead was last moved into a lost stage (empty if none)."""
    found: dict[int, str] = {}
    events = (
        LeadEvent.objects.filter(
            lead__in=leads.values("id"),
            type=EventType.STAGE_CHANGED,
            params__to_kind=StageKind.LOST,
        )
        .order_by("lead_id", "-occurred_at", "-id")
        .values_list("lead_id", "params")
    )
    for lead_id, params in events:
        if lead_id not in found:
            reason = params.get("reason") if isinstance(params, dict) else ""
            found[lead_id] = str(reason or "").strip()[:REASON_LENGTH]
    return found


def _behaviour(leads: QuerySet[Lead]) -> tuple[dict[int, set[int]], dict[int, float]]:
    """Per lead: the behaviour rules that gave it points before it closed, and those points."""
    rules: dict[int, set[int]] = {}
    points: dict[int, float] = {}
    rows = (
        ScoreComponent.objects.filter(lead__in=leads.values("id"))
        .alias(closed_moment=_closed_moment())
        .filter(occurred_at__lte=F("closed_moment"))
        .values("lead_id", "rule_id")
        .annotate(total=Sum("points"))
        .order_by()
    )
    for row in rows:
        points[row["lead_id"]] = points.get(row["lead_id"], 0.0) + (row["total"] or 0.0)
        if row["rule_id"] is not None and row["total"]:
            rules.setdefault(row["lead_id"], set()).add(row["rule_id"])
    return rules, points


def _activity(leads: QuerySet[Lead]) -> dict[int, int]:
    """Per lead: tracked events before it closed."""
    rows = (
        TrackedEvent.objects.filter(lead__in=leads.values("id"))
        .alias(closed_moment=_closed_moment())
        .filter(occurred_at__lte=F("closed_moment"))
        .values("lead_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["lead_id"]: row["n"] for row in rows}


def _population(period: Period) -> tuple[list[dict[str, Any]], int | None]:
    """The profile values of the leads that came in during the period (an even sample past
    PROFILE_SAMPLE), and how many there were when it is a sample."""
    start, end = period.bounds()
    leads = Lead.objects.filter(
        merged_into__isnull=True, created_at__gte=start, created_at__lt=end
    ).order_by()
    total = leads.count()
    sampled_from = None
    if total > PROFILE_SAMPLE:
        step = -(-total // PROFILE_SAMPLE)
        leads = leads.alias(bucket=Mod("id", step)).filter(bucket=0)
        sampled_from = total
    rows: Iterator[dict[str, Any]] = leads.values(*_POPULATION_FIELDS).iterator(chunk_size=2000)
    return [_profile_of(row) for row in rows], sampled_from


def _field_labels() -> dict[str, str]:
    labels = {}
    for name in calibration.PROFILE_FIELDS:
        labels[name] = capfirst(str(Lead._meta.get_field(name).verbose_name))
    return labels


def _value_labels() -> dict[str, dict[str, str]]:
    return {
        "channel": {value: str(label) for value, label in Channel.choices},
        "fit": {value: str(label) for value, label in Fit.choices},
        "contact_type": {value: str(label) for value, label in ContactType.choices},
        "origin": {value: str(label) for value, label in Origin.choices},
    }


def calibration_inputs(*, user, period: Period, options: Options | None = None) -> Inputs:
    """Everything the report reads, in a fixed number of queries whatever the data."""
    options = options or Options()
    require_calibration_access(user)
    settings_row = settings_get()
    closed = closed_leads(period)
    rows = list(closed.values(*_LEAD_FIELDS).order_by("id"))
    behaviour_rules, engagement = _behaviour(closed)
    activity = _activity(closed)
    min_score = (
        options.lost_min_score if options.lost_min_score is not None else settings_row.hot_threshold
    )
    high_lost = closed.filter(stage__kind=StageKind.LOST, score__gte=min_score)
    stage_reasons = _stage_reasons(high_lost)
    needs_labels = any(
        row["stage__kind"] == StageKind.LOST
        and row["score"] >= min_score
        and not stage_reasons.get(row["id"])
        and row["quality_reasons"]
        for row in rows
    )
    labels = reason_labels() if needs_labels else {}
    leads = []
    for row in rows:
        won = row["stage__kind"] == StageKind.WON
        reason, source = "", calibration.REASON_NONE
        if not won and row["score"] >= min_score:
            reason = stage_reasons.get(row["id"], "")
            source = calibration.REASON_STAGE
            if not reason:
                reason = _quality_reason(row["quality_reasons"], labels)
                source = calibration.REASON_QUALITY
            if not reason:
                source = calibration.REASON_NONE
        leads.append(
            ClosedLead(
                id=row["id"],
                won=won,
                score=row["score"],
                probability=row["predicted_probability"],
                closed_at=row["converted_at"] if won else row["rejected_at"],
                name=row["display_name"] or f"#{row['id']}",
                owner=_owner_name(row),
                values=_profile_of(row),
                rules=frozenset(
                    _profile_rules(row["score_state__fit_breakdown"])
                    | behaviour_rules.get(row["id"], set())
                ),
                activity=activity.get(row["id"], 0),
                engagement=engagement.get(row["id"], 0.0),
                deal_value=row["deal_value"],
                deal_currency=row["deal_currency"] or "",
                lost_reason=reason,
                lost_reason_source=source,
            )
        )
    rules = [
        RuleInfo(id=pk, name=name, kind=kind, points=points)
        for pk, name, kind, points in ScoreRule.objects.filter(is_active=True)
        .order_by("order", "id")
        .values_list("id", "name", "kind", "points")
    ]
    condition = access.visible_leads_filter(user)
    visible = None
    if condition is not None and condition != Q():
        visible = frozenset(high_lost.filter(condition).values_list("id", flat=True).order_by())
    model_row = (
        PredictiveModel.objects.filter(is_active=True)
        .order_by("-created_at", "-id")
        .values("algorithm", "created_at", "metrics", "trained_on")
        .first()
    )
    population, sampled_from = _population(period)
    return Inputs(
        leads=leads,
        rules=rules,
        warm=settings_row.warm_threshold,
        hot=settings_row.hot_threshold,
        population=population,
        population_total=sampled_from,
        visible=visible,
        model=(
            ModelInfo(
                name=model_row["algorithm"],
                trained_at=model_row["created_at"],
                cv_auc=(model_row["metrics"] or {}).get("cv_auc"),
                trained_on=model_row["trained_on"],
            )
            if model_row
            else None
        ),
        field_labels=_field_labels(),
        value_labels=_value_labels(),
    )


def calibration_report_for(*, user, period: Period, options: Options | None = None) -> Report:
    """The calibration report of a period, for a head of sales or an admin."""
    options = options or Options()
    inputs = calibration_inputs(user=user, period=period, options=options)
    return calibration.calibration_report(inputs, options)
