"""The team report: per sales manager and telemarketer, how they worked their leads.

For the leads that came in during the period (``scope``: what the reader may see, e.g.
``analytics.filters.lead_scope``; merged leads never count), per owner:

- **leads** they own, and **handed off**: the leads a telemarketer passed to sales
  (``original_owner``);
- **responded** and the **median response time** (arrival → ``first_response_at``);
- **converted** (still converted at the time of reading) and the **conversion rate**;
- **deal value won**: the won deals of those leads closed in the period, per currency;
- **card completeness**: the share of the card's key fields filled in, per lead, averaged —
  the key fields are ``CARD_FIELDS`` and whatever the lead's current stage requires
  (``Stage.required_fields``); a choice still "unknown" is empty;
- **rejected**, and the rejection reasons (``RejectionReason``) counted.

The same figures for the previous period of equal length, for the comparison. A fixed
number of GROUP BY queries whatever the number of leads; the figures per (owner, stage) are
combined here (a few rows per person).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext

from galena.accounts.models import Profile
from galena.analytics.speed_measures import (
    MEDIAN,
    elapsed,
    grouped_percentiles,
    lead_condition_on,
    person_names,
    ratio,
)
from galena.clients.models import Deal, DealStageKind
from galena.leads.models import UNKNOWN, Lead, RejectionReason, Stage, StageKind

# the fields every card should have filled in, whatever its stage
CARD_FIELDS = (
    "first_name",
    "last_name",
    "company_name",
    "position",
    "region",
    "interest",
    "temperature",
    "fit",
)


@dataclass
class PersonFigures:
    """One person's figures for one period."""

    person_id: int
    leads: int = 0
    handed_off: int = 0
    responded: int = 0
    response_median: float | None = None  # seconds
    converted: int = 0
    rejected: int = 0
    completeness_sum: float = 0.0  # the leads' shares of key fields filled, summed
    deal_value: dict[str, Decimal] = field(default_factory=dict)  # per currency
    reasons: dict[str, int] = field(default_factory=dict)  # rejection reason code -> leads

    @property
    def conversion_rate(self) -> float | None:
        return ratio(self.converted, self.leads)

    @property
    def completeness(self) -> float | None:
        return ratio(self.completeness_sum, self.leads)


def filled(name: str) -> Q:
    """The condition that a lead's field counts as filled in (``leads.models.is_blank``)."""
    model_field = Lead._meta.get_field(name)
    condition = Q(**{f"{model_field.attname}__isnull": False})
    if model_field.get_internal_type() in ("CharField", "TextField"):
        condition &= ~Q(**{model_field.attname: ""})
    if model_field.choices:
        condition &= ~Q(**{model_field.attname: UNKNOWN})
    return condition


def stage_key_fields() -> dict[int, tuple[str, ...]]:
    """Per stage, the key fields a card in it should have: ``CARD_FIELDS`` and the stage's
    own required fields."""
    fields = {}
    for stage in Stage.objects.all():
        required = [name for name in stage.required_fields or () if name not in CARD_FIELDS]
        fields[stage.pk] = (*CARD_FIELDS, *required)
    return fields


def _arrived(scope: Q, start: dt.datetime, end: dt.datetime):
    return Lead.objects.filter(
        scope, created_at__gte=start, created_at__lt=end, merged_into__isnull=True
    ).order_by()


def team_period(*, scope: Q, start: dt.datetime, end: dt.datetime) -> dict[int, PersonFigures]:
    """Per person (by id), the figures of the leads in ``scope`` that came in during
    [start, end)."""
    people: dict[int, PersonFigures] = {}

    def person(pk: int) -> PersonFigures:
        if pk not in people:
            people[pk] = PersonFigures(person_id=pk)
        return people[pk]

    leads = _arrived(scope, start, end)
    owned = leads.filter(owner__isnull=False)
    key_fields = stage_key_fields()
    every_field = sorted({name for names in key_fields.values() for name in names})
    per_stage = owned.values("owner_id", "stage_id").annotate(
        leads=Count("pk"),
        responded=Count("pk", filter=Q(first_response_at__isnull=False)),
        converted=Count("pk", filter=Q(converted_at__isnull=False)),
        rejected=Count("pk", filter=Q(stage__kind=StageKind.LOST)),
        **{f"filled_{name}": Count("pk", filter=filled(name)) for name in every_field},
    )
    for row in per_stage:
        target = person(row["owner_id"])
        target.leads += row["leads"]
        target.responded += row["responded"]
        target.converted += row["converted"]
        target.rejected += row["rejected"]
        names = key_fields.get(row["stage_id"], CARD_FIELDS)
        target.completeness_sum += sum(row[f"filled_{name}"] for name in names) / len(names)

    medians = grouped_percentiles(
        owned.annotate(response=elapsed("first_response_at", "created_at")),
        key="owner_id",
        value="response",
        fractions=(MEDIAN,),
    )
    for pk, (median,) in medians.items():
        person(pk).response_median = median

    for row in (
        leads.filter(original_owner__isnull=False)
        .exclude(owner_id=F("original_owner_id"))
        .values("original_owner_id")
        .annotate(n=Count("pk"))
    ):
        person(row["original_owner_id"]).handed_off = row["n"]

    for row in (
        owned.filter(stage__kind=StageKind.LOST)
        .values("owner_id", "rejection_reason__code")
        .annotate(n=Count("pk"))
    ):
        code = row["rejection_reason__code"] or ""
        person(row["owner_id"]).reasons[code] = row["n"]

    won = (
        Deal.objects.filter(
            lead_condition_on(scope, "lead"),
            lead__merged_into__isnull=True,
            lead__owner__isnull=False,
            stage__kind=DealStageKind.WON,
            closed_at__gte=start,
            closed_at__lt=end,
        )
        .order_by()
        .values("lead__owner_id", "currency")
        .annotate(amount=Sum("amount"))
    )
    for row in won:
        value = person(row["lead__owner_id"]).deal_value
        currency = (row["currency"] or "").upper()
        value[currency] = value.get(currency, Decimal(0)) + row["amount"]
    return people


@dataclass
class TeamFigures:
    start: dt.datetime
    end: dt.datetime
    previous_start: dt.datetime
    current: dict[int, PersonFigures]
    previous: dict[int, PersonFigures]
    names: dict[int, str]
    roles: dict[int, str]
    reasons: list[tuple[str, str]]  # (code, label) of the reasons that occur, most first

    @property
    def people(self) -> list[int]:
        """Everyone with figures in either period, by name."""
        ids = set(self.current) | set(self.previous)
        return sorted(ids, key=lambda pk: (self.names.get(pk, "").casefold(), pk))


def previous_period(start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The period of equal length just before [start, end)."""
    return start - (end - start), start


def team_figures(
    *, scope: Q, start: dt.datetime, end: dt.datetime, people: set[int] | None = None
) -> TeamFigures:
    """The figures of this period and of the previous one of equal length, per person;
    only the persons in ``people`` when given (a manager sees their own row)."""
    previous_start, previous_end = previous_period(start, end)
    current = team_period(scope=scope, start=start, end=end)
    previous = team_period(scope=scope, start=previous_start, end=previous_end)
    if people is not None:
        current = {pk: row for pk, row in current.items() if pk in people}
        previous = {pk: row for pk, row in previous.items() if pk in people}
    ids = set(current) | set(previous)
    totals: dict[str, int] = defaultdict(int)
    for row in current.values():
        for code, n in row.reasons.items():
            totals[code] += n
    labels = {
        reason.code: reason.label for reason in RejectionReason.objects.filter(code__in=totals)
    }
    reasons = [
        (code, labels.get(code, code) if code else gettext("No reason given"))
        for code in sorted(totals, key=lambda code: (-totals[code], code))
    ]
    roles = dict(Profile.objects.filter(user_id__in=ids).values_list("user_id", "role"))
    return TeamFigures(
        start=start,
        end=end,
        previous_start=previous_start,
        current=current,
        previous=previous,
        names=person_names(ids),
        roles=roles,
        reasons=reasons,
    )
