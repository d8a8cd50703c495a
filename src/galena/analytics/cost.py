"""The cost report: what the leads cost and what they brought back.

Per channel, source, campaign, region or month: ad spend (``leads.CampaignSpend``) in the
base currency, the leads that arrived, the qualified leads and clients they became, the
revenue of their won deals, cost per lead / qualified lead / client (CPA) and ROI.

How figures are attributed (the same rules in the page, the API and the exports):
- Spend counts on its day; leads on the day they arrived, in the business time zone.
  Qualified leads, clients and revenue are what those leads became up to today, whenever
  it happened: a deal won in March on a lead from January is January's revenue, so each
  period's ROI is what that period's money brought back.
- A campaign's spend and its leads always land in the same row: a lead with a campaign
  counts under the campaign's source, channel and region (the market the money was
  spent on); a lead without one under its own source, channel and region (no spend).
- Merged leads and pseudo-leads (held or refused by the quality checks) never count, as
  in the funnel. Qualified: the lead reached the
  qualified stage or became a client. Client: converted and not reopened. Revenue: won
  deals made from the lead, converted on the day they were won.
- Money is converted at the rate valid on its day (``cost_rates``); money without a
  rate is left out and named in the notes and the row's "Not converted" column.
- A role that sees part of the leads (a head of sales: their team; a team or owner
  slice) gets each campaign's spend shared out by the part of its leads they see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, DateField, F, Q, Sum, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import formats
from django.utils.translation import gettext as _

from galena.analytics.cost_rates import Converted, RateBook, cents, sum_in_base
from galena.analytics.facts import (
    COST_DIMENSIONS,
    COST_PAIRS,
    attribute_slices,
    fact_plan,
    facts_refresh,
    stored_value,
)
from galena.analytics.filters import (
    GROUP_BY_LABELS,
    ReportFilter,
    business_zone,
    lead_scope,
    require_report,
    sees_whole_business,
)
from galena.analytics.models import Dimension, FactKind, Grain, LeadFact, RevenueFact
from galena.analytics.tables import Column, ReportTable
from galena.clients.models import Deal, DealStageKind
from galena.leads.models import Campaign, CampaignSpend, Channel, Lead, QualityStatus, Source

CODE = "cost"
GROUP_BY = ("channel", "source", "campaign", "region", "month")
# leads the quality checks held or refused are not leads (the funnel's rule)
PSEUDO_LEADS = (QualityStatus.QUARANTINED, QualityStatus.REJECTED)


# --- attribution: the row a lead, a deal or a day's spend belongs to -----------------------


def lead_key(group_by: str, prefix: str = "") -> Any:
    """The expression giving a lead's row (``prefix`` "lead__" from a deal)."""
    p = prefix
    with_campaign = Q(**{f"{p}campaign__isnull": False})
    if group_by == "campaign":
        return F(f"{p}campaign_id")
    if group_by == "source":
        return Coalesce(F(f"{p}campaign__source_id"), F(f"{p}source_id"))
    if group_by == "channel":
        return Case(
            When(with_campaign, then=F(f"{p}campaign__source__channel")), default=F(f"{p}channel")
        )
    if group_by == "region":
        return Case(When(with_campaign, then=F(f"{p}campaign__region")), default=F(f"{p}region"))
    if group_by == "month":
        return TruncMonth(f"{p}created_at", tzinfo=business_zone())
    raise ValueError(f"The cost report cannot group by {group_by!r}")


def spend_key(group_by: str) -> Any:
    if group_by == "campaign":
        return F("campaign_id")
    if group_by == "source":
        return F("campaign__source_id")
    if group_by == "channel":
        return F("campaign__source__channel")
    if group_by == "region":
        return F("campaign__region")
    if group_by == "month":
        return TruncMonth("date")
    raise ValueError(f"The cost report cannot group by {group_by!r}")


def _attribution_slices(f: ReportFilter, prefix: str = "") -> Q:
    """The filter's channel, source, campaign and region, on the lead's attribution."""
    p = prefix
    condition = Q()
    with_campaign = Q(**{f"{p}campaign__isnull": False})
    without_campaign = Q(**{f"{p}campaign__isnull": True})
    if f.campaign_id is not None:
        condition &= Q(**{f"{p}campaign_id": f.campaign_id})
    if f.source_id is not None:
        condition &= (with_campaign & Q(**{f"{p}campaign__source_id": f.source_id})) | (
            without_campaign & Q(**{f"{p}source_id": f.source_id})
        )
    if f.channel:
        condition &= (with_campaign & Q(**{f"{p}campaign__source__channel": f.channel})) | (
            without_campaign & Q(**{f"{p}channel": f.channel})
        )
    if f.region:
        condition &= (with_campaign & Q(**{f"{p}campaign__region": f.region})) | (
            without_campaign & Q(**{f"{p}region": f.region})
        )
    return condition


def _spend_slices(f: ReportFilter) -> Q:
    condition = Q(date__gte=f.date_from, date__lte=f.date_to)
    if f.campaign_id is not None:
        condition &= Q(campaign_id=f.campaign_id)
    if f.source_id is not None:
        condition &= Q(campaign__source_id=f.source_id)
    if f.channel:
        condition &= Q(campaign__source__channel=f.channel)
    if f.region:
        condition &= Q(campaign__region=f.region)
    return condition


def _without_attribution(f: ReportFilter) -> ReportFilter:
    return f.with_changes(channel="", source_id=None, campaign_id=None, region="")


def _arrived(f: ReportFilter, prefix: str = "") -> Q:
    """Arrived in the period, not a pseudo-lead (as the funnel counts them), in the
    filter's channel, source, campaign and region."""
    arrived = Q(**{f"{prefix}created_at__gte": f.start_at(), f"{prefix}created_at__lt": f.end_at()})
    pseudo = Q(**{f"{prefix}quality_status__in": PSEUDO_LEADS})
    return arrived & ~pseudo & _attribution_slices(f, prefix)


def leads_condition(user, f: ReportFilter, prefix: str = "") -> Q:
    """The leads of the report: the role's and the filter's that arrived in the period."""
    return lead_scope(user, _without_attribution(f), prefix=prefix) & _arrived(f, prefix)


def sees_all_leads(user, f: ReportFilter) -> bool:
    """Whether the user's figures cover every lead (so spend needs no sharing out)."""
    return sees_whole_business(user) and f.team_id is None and f.owner_id is None


def _normal_key(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(business_zone()).date().replace(day=1)
    if isinstance(value, dt.date):
        return value.replace(day=1)
    return value


# --- the query layer ------------------------------------------------------------------------


@dataclass
class CostLine:
    """One row's figures; money in the base currency."""

    key: Any
    spend: Converted = field(default_factory=Converted)
    leads: int = 0
    qualified: int = 0
    clients: int = 0
    revenue: Converted = field(default_factory=Converted)

    @property
    def cost_per_lead(self) -> Decimal | None:
        return _per(self.spend.amount, self.leads)

    @property
    def cost_per_qualified(self) -> Decimal | None:
        return _per(self.spend.amount, self.qualified)

    @property
    def cost_per_client(self) -> Decimal | None:
        return _per(self.spend.amount, self.clients)

    @property
    def roi(self) -> float | None:
        """(revenue − spend) / spend in per cent; None without spend."""
        if not self.spend.amount:
            return None
        value = (self.revenue.amount - self.spend.amount) * 100 / self.spend.amount
        return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _per(amount: Decimal, count: int) -> Decimal | None:
    return cents(amount / count) if count else None


QUALIFIED = Q(qualified_at__isnull=False) | Q(converted_at__isnull=False)
CLIENT = Q(converted_at__isnull=False)


def cost_lines(user, f: ReportFilter, *, book: RateBook | None = None) -> list[CostLine]:
    """The report's rows for ``f.group_by``, unsorted; the user's role is checked."""
    require_report(user, CODE)
    group_by = f.group_by if f.group_by in GROUP_BY else "channel"
    zone = business_zone()
    book = book or RateBook.load()
    lines: dict[Any, CostLine] = {}

    def line(key: Any) -> CostLine:
        key = _normal_key(key)
        if key not in lines:
            lines[key] = CostLine(key=key)
        return lines[key]

    # leads per row and campaign, in one pass: the campaign is what shares spend out when
    # the reader sees part of the leads (then every lead is read, those in sight counted)
    whole = sees_all_leads(user, f)
    facts = _CostFacts.plan(user, f, group_by)
    if facts is not None:
        counts = _fact_lead_rows(facts, whole=whole)
    else:
        counts = _base_lead_rows(user, f, group_by, whole=whole)
    in_sight_leads: dict[tuple, int] = {}
    all_leads: dict[tuple, int] = {}
    for row in counts:
        key = (_normal_key(row["report_key"]), row["campaign_id"])
        all_leads[key] = row.get("everyone", row["leads"])
        if not row["leads"]:
            continue
        target = line(row["report_key"])
        target.leads += row["leads"]
        target.qualified += row["qualified"]
        target.clients += row["clients"]
        in_sight_leads[key] = row["leads"]

    spend = sum_in_base(
        CampaignSpend.objects.filter(_spend_slices(f)),
        keys={"report_key": spend_key(group_by), "report_campaign": F("campaign_id")},
        amount="amount",
        currency="currency",
        day="date",
        day_is_moment=False,
        book=book,
        zone=zone,
        start=f.date_from,
        end=f.date_to,
    )
    for (key, campaign), total in spend.items():
        if whole:
            line(key).spend.add(total)
            continue
        key = _normal_key(key)
        mine = in_sight_leads.get((key, campaign), 0)
        if mine:
            line(key).spend.add(total, Decimal(mine) / Decimal(all_leads[(key, campaign)]))

    if facts is not None:
        for key, total in facts.revenue(book=book).items():
            line(key).revenue.add(total)
        return list(lines.values())
    revenue = sum_in_base(
        # a deal of a lead that arrived in the period was won after the period began
        Deal.objects.filter(
            leads_condition(user, f, prefix="lead__"),
            stage__kind=DealStageKind.WON,
            closed_at__gte=f.start_at(),
        ),
        keys={"report_key": lead_key(group_by, prefix="lead__")},
        amount="amount",
        currency="currency",
        day="closed_at",
        day_is_moment=True,
        book=book,
        zone=zone,
    )
    for (key,), total in revenue.items():
        line(key).revenue.add(total)
    return list(lines.values())


def _base_lead_rows(user, f: ReportFilter, group_by: str, *, whole: bool):
    """Leads, qualified and clients per report key and campaign, read from the leads (with
    ``everyone``: every lead of the key, when the reader sees part of them)."""
    if whole:
        figures = {
            "leads": Count("created_at"),
            "qualified": Count("created_at", filter=QUALIFIED),
            "clients": Count("created_at", filter=CLIENT),
        }
        condition = leads_condition(user, f)
    else:
        in_sight = lead_scope(user, _without_attribution(f))
        figures = {
            "leads": Count("created_at", filter=in_sight),
            "qualified": Count("created_at", filter=in_sight & QUALIFIED),
            "clients": Count("created_at", filter=in_sight & CLIENT),
            "everyone": Count("created_at"),
        }
        condition = _arrived(f) & Q(merged_into__isnull=True)
    return (
        Lead.objects.filter(condition)
        .order_by()
        .annotate(report_key=lead_key(group_by))
        .values("report_key", "campaign_id")
        .annotate(**figures)
    )


# the facts' dimension holding each grouping's attribution (docs/decisions/0006)
FACT_DIMENSIONS = {
    "channel": Dimension.COST_CHANNEL,
    "source": Dimension.COST_SOURCE,
    "region": Dimension.COST_REGION,
    "campaign": Dimension.CAMPAIGN,
    "month": Dimension.CAMPAIGN,
}
# the facts' dimension answering one slice grouped by another attribution
PAIR_DIMENSIONS = {frozenset(pair): dimension for dimension, pair in COST_PAIRS.items()}
# the facts' dimension answering a filter's slice, and the campaign's attribute it compares
SLICE_FACT_DIMENSIONS = {
    Dimension.CHANNEL: Dimension.COST_CHANNEL,
    Dimension.SOURCE: Dimension.COST_SOURCE,
    Dimension.REGION: Dimension.COST_REGION,
    Dimension.CAMPAIGN: Dimension.CAMPAIGN,
}


def _fact_lead_rows(facts: _CostFacts, *, whole: bool) -> list[dict[str, Any]]:
    """``_base_lead_rows`` from the daily facts."""
    everyone = facts.leads(Grain.WHOLE, Q())
    in_sight = everyone if whole else facts.leads(facts.plan_.grain, facts.plan_.scope)
    nothing = {"leads": 0, "qualified": 0, "clients": 0}
    return [
        {
            "report_key": key,
            "campaign_id": campaign,
            **in_sight.get((key, campaign), nothing),
            "everyone": everyone[(key, campaign)]["leads"],
        }
        for key, campaign in everyone
        if everyone[(key, campaign)]["leads"]
    ]


@dataclass
class _CostFacts:
    """The cost report's leads and revenue from the daily facts (decision 0006): rows per
    campaign and the lead's own attribution, put in the report's rows here."""

    plan_: Any
    filter_: ReportFilter
    group_by: str
    dimension: str
    # the fact column holding the lead's own value of each cost dimension the rows carry
    columns: dict[str, str]
    campaigns: dict[int, dict[str, Any]]
    slice_: Q  # the filter's channel, source, campaign or region slice on the fact rows

    @classmethod
    def plan(cls, user, f: ReportFilter, group_by: str) -> _CostFacts | None:
        """None when the facts cannot answer: two slices at once. One slice grouped by
        another attribution reads the pair of them (``facts.COST_PAIRS``)."""
        plan = fact_plan(user, f, group_by="month")
        if plan is None:
            return None
        grouped = FACT_DIMENSIONS[group_by]
        slices = attribute_slices(f)  # at most one: fact_plan answered
        sliced = SLICE_FACT_DIMENSIONS[slices[0][0]] if slices else None
        if sliced in (None, Dimension.CAMPAIGN, grouped) or grouped == Dimension.CAMPAIGN:
            # a campaign's rows are in every dimension; by month or campaign, the slice's own
            dimension = grouped if sliced in (None, Dimension.CAMPAIGN) else sliced
        else:
            dimension = PAIR_DIMENSIONS[frozenset((sliced, grouped))]
        if dimension in COST_PAIRS:
            first, second = COST_PAIRS[dimension]
            columns = {first: "value", second: "other_value"}
        elif dimension in COST_DIMENSIONS:
            columns = {dimension: "value"}
        else:
            columns = {}
        facts_refresh([FactKind.LEAD])
        # a campaign's leads count under its source, channel and region (keyed as the
        # lead's fields: COST_DIMENSIONS' values)
        campaigns = {}
        if columns:
            campaigns = {
                pk: {"channel": channel, "source_id": source, "region": region}
                for pk, source, channel, region in Campaign.objects.values_list(
                    "pk", "source_id", "source__channel", "region"
                )
            }
        slice_ = Q()
        if sliced == Dimension.CAMPAIGN:
            slice_ = Q(campaign_id=slices[0][1])
        elif sliced is not None:
            attribute = COST_DIMENSIONS[sliced]
            value = slices[0][1]
            slice_ = Q(campaign_id__isnull=True, **{columns[sliced]: str(value)}) | Q(
                campaign_id__in=[pk for pk, names in campaigns.items() if names[attribute] == value]
            )
        return cls(plan, f, group_by, dimension, columns, campaigns, slice_)

    def key(self, row: dict[str, Any]) -> Any:
        """The report's row of a fact: by month, by campaign, or by the attribution."""
        if self.group_by == "month":
            return row["fact_month"]
        campaign_id = row["fact_campaign"]
        if self.group_by == "campaign":
            return campaign_id
        grouped = FACT_DIMENSIONS[self.group_by]
        if campaign_id is not None:
            return self.campaigns.get(campaign_id, {}).get(COST_DIMENSIONS[grouped])
        own = row["fact_value" if self.columns[grouped] == "value" else "fact_other"]
        return stored_value(Dimension.SOURCE if self.group_by == "source" else self.group_by, own)

    def _rows(self, model, grain: int, scope: Q, **more: Any):
        return model.objects.filter(
            scope,
            self.slice_,
            grain=grain,
            dimension=self.dimension,
            day__gte=self.filter_.date_from,
            day__lte=self.filter_.date_to,
            **more,
        ).order_by()

    def _keys(self) -> dict[str, Any]:
        keys = {
            "fact_campaign": F("campaign_id"),
            "fact_value": F("value"),
            "fact_other": F("other_value"),
        }
        if self.group_by == "month":
            keys["fact_month"] = TruncMonth("day", output_field=DateField())
        return keys

    def leads(self, grain: int, scope: Q) -> dict[tuple, dict[str, int]]:
        """Leads, qualified and clients per (report key, campaign)."""
        out: dict[tuple, dict[str, int]] = {}
        rows = (
            self._rows(LeadFact, grain, scope)
            .values(**self._keys())
            .annotate(n_leads=Sum("leads"), n_qualified=Sum("qualified"), n_clients=Sum("clients"))
        )
        for row in rows:
            key = self.key(row)
            target = out.setdefault(
                (key, row["fact_campaign"]), {"leads": 0, "qualified": 0, "clients": 0}
            )
            target["leads"] += row["n_leads"]
            target["qualified"] += row["n_qualified"]
            target["clients"] += row["n_clients"]
        return out

    def revenue(self, *, book: RateBook) -> dict[Any, Converted]:
        """The won deals' money per report key, each day's at that day's rate."""
        sums = sum_in_base(
            # a deal of a lead that arrived in the period was won after the period began
            self._rows(
                RevenueFact,
                self.plan_.grain,
                self.plan_.scope,
                closed__gte=self.filter_.date_from,
            ),
            keys=self._keys(),
            amount="amount",
            currency="currency",
            day="closed",
            day_is_moment=False,
            book=book,
            zone=business_zone(),
            start=self.filter_.date_from,  # the rates' CASE only from the period on
        )
        out: dict[Any, Converted] = {}
        names = list(self._keys())
        for values, total in sums.items():
            out.setdefault(self.key(dict(zip(names, values, strict=True))), Converted()).add(total)
        return out


# --- the table ------------------------------------------------------------------------------


@dataclass
class CostTable(ReportTable):
    """The report's table, with the notes about money left out for want of a rate apart,
    for the page to show them before the figures."""

    missing_rates: list[str] = field(default_factory=list)


def _labels(group_by: str, keys: list[Any]) -> dict[Any, str]:
    if group_by == "channel":
        names = dict(Channel.choices)
        return {key: str(names.get(key, key)) if key else _("No channel") for key in keys}
    if group_by == "source":
        names = dict(Source.objects.filter(pk__in=[k for k in keys if k]).values_list("pk", "name"))
        return {key: names.get(key, "?") if key else _("No source") for key in keys}
    if group_by == "campaign":
        names = dict(
            Campaign.objects.filter(pk__in=[k for k in keys if k]).values_list("pk", "name")
        )
        return {key: names.get(key, "?") if key else _("No campaign") for key in keys}
    if group_by == "region":
        return {key: key if key else _("No region") for key in keys}
    return {key: formats.date_format(key, "YEAR_MONTH_FORMAT") if key else "—" for key in keys}


def _sort_key(group_by: str, line: CostLine) -> tuple:
    if group_by == "month":
        return (line.key or dt.date.min,)
    return (-line.spend.amount, -line.leads, str(line.key))


def unconverted_text(money: Converted) -> str:
    return ", ".join(
        f"{formats.number_format(item.amount, 2, force_grouping=True)} {item.currency}"
        for item in sorted(money.unconverted.values(), key=lambda i: i.currency)
    )


def _columns(group_by: str, base: str) -> list[Column]:
    return [
        Column("label", str(GROUP_BY_LABELS.get(group_by, group_by)), "text"),
        Column("spend", _("Spend (%(currency)s)") % {"currency": base}, "money"),
        Column("leads", _("Leads"), "int"),
        Column("cost_per_lead", _("Cost per lead"), "money"),
        Column("qualified", _("Qualified"), "int"),
        Column("cost_per_qualified", _("Cost per qualified lead"), "money"),
        Column("clients", _("Clients"), "int"),
        Column("cost_per_client", _("Cost per client (CPA)"), "money"),
        Column("revenue", _("Revenue (%(currency)s)") % {"currency": base}, "money"),
        Column("roi", _("ROI, %"), "percent"),
        Column("not_converted", _("Not converted (no rate)"), "text"),
    ]


def _row(label: str, line: CostLine) -> dict[str, Any]:
    return {
        "key": line.key.isoformat() if isinstance(line.key, dt.date) else line.key,
        "label": label,
        "spend": cents(line.spend.amount),
        "leads": line.leads,
        "cost_per_lead": line.cost_per_lead,
        "qualified": line.qualified,
        "cost_per_qualified": line.cost_per_qualified,
        "clients": line.clients,
        "cost_per_client": line.cost_per_client,
        "revenue": cents(line.revenue.amount),
        "roi": line.roi,
        "not_converted": " / ".join(
            part
            for part in (
                unconverted_text(line.spend)
                and _("spend %(money)s") % {"money": unconverted_text(line.spend)},
                unconverted_text(line.revenue)
                and _("revenue %(money)s") % {"money": unconverted_text(line.revenue)},
            )
            if part
        ),
    }


def _total(lines: list[CostLine]) -> CostLine:
    total = CostLine(key=None)
    for line in lines:
        total.spend.add(line.spend)
        total.revenue.add(line.revenue)
        total.leads += line.leads
        total.qualified += line.qualified
        total.clients += line.clients
    return total


def _missing_rate_notes(total: CostLine, base: str) -> list[str]:
    notes = []
    for what, money in ((_("spend"), total.spend), (_("revenue"), total.revenue)):
        for item in sorted(money.unconverted.values(), key=lambda i: i.currency):
            notes.append(
                _(
                    "No rate from %(currency)s to %(base)s for %(amount)s %(currency)s of "
                    "%(what)s dated %(first)s to %(last)s: that money is left out of the "
                    "figures. Add the rate valid on %(first)s under Currency rates in the "
                    "admin."
                )
                % {
                    "currency": item.currency,
                    "base": base,
                    "amount": formats.number_format(item.amount, 2, force_grouping=True),
                    "what": what,
                    "first": item.first_day.isoformat(),
                    "last": item.last_day.isoformat(),
                }
            )
    return notes


def cost_table(user, f: ReportFilter, *, book: RateBook | None = None) -> ReportTable:
    """The cost report as a table: one row per ``f.group_by`` value, totals, notes."""
    group_by = f.group_by if f.group_by in GROUP_BY else "channel"
    f = f.with_changes(group_by=group_by)
    base = (book.base if book else settings.ANALYTICS_BASE_CURRENCY).upper()
    lines = cost_lines(user, f, book=book)
    lines.sort(key=lambda line: _sort_key(group_by, line))
    labels = _labels(group_by, [line.key for line in lines])
    total = _total(lines)
    missing = _missing_rate_notes(total, base)
    notes = list(missing)
    notes.append(
        _(
            "Money in %(base)s, converted at the rate valid on each day of spend and on the "
            "day each deal was won. Leads count on the day they arrived (%(zone)s); "
            "qualified leads, clients and revenue are what those leads became up to today."
        )
        % {"base": base, "zone": settings.TIME_ZONE}
    )
    notes.append(
        _(
            "A lead with a campaign counts under the campaign's source, channel and region, "
            "with the campaign's spend; a lead without one under its own, without spend."
        )
    )
    if not sees_all_leads(user, f):
        notes.append(
            _(
                "These figures cover part of the leads (your team's, or the chosen team or "
                "owner): each campaign's spend is shared out by the part of its leads shown."
            )
        )
    totals = _row(_("Total"), total)
    totals.pop("key")
    return CostTable(
        code=CODE,
        title=_("Cost and return"),
        columns=_columns(group_by, base),
        rows=[_row(labels[line.key], line) for line in lines],
        totals=totals,
        notes=notes,
        missing_rates=missing,
    )


# --- seasonality: the same month across years -----------------------------------------------


def seasonality_table(user, f: ReportFilter, *, book: RateBook | None = None) -> CostTable:
    """Spend, leads and cost per lead per calendar month, one column group per year of the
    period: how January compares with the Januaries before it."""
    base = (book.base if book else settings.ANALYTICS_BASE_CURRENCY).upper()
    lines = {
        line.key: line for line in cost_lines(user, f.with_changes(group_by="month"), book=book)
    }
    years = list(range(f.date_from.year, f.date_to.year + 1))
    columns = [Column("label", _("Month"), "text")]
    for year in years:
        columns += [
            Column(f"spend_{year}", _("Spend %(year)s") % {"year": year}, "money"),
            Column(f"leads_{year}", _("Leads %(year)s") % {"year": year}, "int"),
            Column(f"cost_per_lead_{year}", _("Cost per lead %(year)s") % {"year": year}, "money"),
        ]
    rows = []
    for month in range(1, 13):
        row: dict[str, Any] = {
            "key": month,
            "label": formats.date_format(dt.date(2000, month, 1), "F"),
        }
        for year in years:
            line = lines.get(dt.date(year, month, 1))
            row[f"spend_{year}"] = cents(line.spend.amount) if line else None
            row[f"leads_{year}"] = line.leads if line else None
            row[f"cost_per_lead_{year}"] = line.cost_per_lead if line else None
        rows.append(row)
    total = _total(list(lines.values()))
    missing = _missing_rate_notes(total, base)
    notes = list(missing)
    notes.append(
        _("Money in %(base)s. Choose a period of two or three years to compare seasons.")
        % {"base": base}
    )
    return CostTable(
        code="cost-seasonality",
        title=_("Cost by season"),
        columns=columns,
        rows=rows,
        totals=None,
        notes=notes,
        missing_rates=missing,
    )


def chart_series(
    table: ReportTable,
) -> tuple[list[str], dict[str, list[float]], dict[str, list[float | None]]]:
    """Labels, spend against revenue, and cost per lead / client, from the table's rows."""
    labels = [row["label"] for row in table.rows]
    money = {
        _("Spend"): [float(row["spend"] or 0) for row in table.rows],
        _("Revenue"): [float(row["revenue"] or 0) for row in table.rows],
    }
    costs = {
        _("Cost per lead"): [
            float(row["cost_per_lead"]) if row["cost_per_lead"] is not None else None
            for row in table.rows
        ],
        _("Cost per client"): [
            float(row["cost_per_client"]) if row["cost_per_client"] is not None else None
            for row in table.rows
        ],
    }
    return labels, money, costs
