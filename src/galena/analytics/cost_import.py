"""Ad spend brought in per campaign and day: from a CSV file (the import page) or as JSON
rows (``POST /api/v1/analytics/spend``), checked the same way.

Every row names a campaign (its id, its name or its UTM campaign), a day and an amount;
the currency (the campaign's when left empty), clicks and impressions are optional. A row
with a problem is reported with its row, its column and what is wrong, and then nothing is
imported: the file is fixed and given again. Importing replaces what was stored for each
campaign and day the rows name, so the same file imported twice stores its money once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from galena.accounts.models import Role
from galena.accounts.roles import role_of
from galena.analytics.cost_rates import RateBook
from galena.analytics.filters import business_zone
from galena.core.errors import PermissionDenied, ValidationFailed
from galena.intake.importing.files import detect_encoding, sniff_delimiter
from galena.leads.models import Campaign, CampaignSpend

COLUMNS = ("campaign", "date", "amount", "currency", "clicks", "impressions")
REQUIRED = ("campaign", "date", "amount")
# the header names a file may use for each column (lower case)
HEADER_NAMES = {
    "campaign": {"campaign", "campaign id", "campaign_id", "campaign name", "utm_campaign"},
    "date": {"date", "day"},
    "amount": {"amount", "spend", "cost"},
    "currency": {"currency", "currency code"},
    "clicks": {"clicks"},
    "impressions": {"impressions", "impr.", "impr"},
}
IMPORT_ROLES = frozenset({Role.ADMIN, Role.MARKETER})
MAX_ROWS = 20_000
MAX_BYTES = 5 * 1024 * 1024
MAX_AMOUNT = Decimal("1e12")
CURRENCY = re.compile(r"^[A-Z]{3}$")


def may_import_spend(user) -> bool:
    return role_of(user) in IMPORT_ROLES


def require_spend_import(user) -> None:
    if not may_import_spend(user):
        raise PermissionDenied(_("Only admins and marketers import ad spend."))


@dataclass(frozen=True)
class RowError:
    row: int  # the file's line (the header is 1), or the JSON list's index
    column: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)s, %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass(frozen=True)
class SpendRow:
    row: int
    campaign: Campaign
    date: dt.date
    amount: Decimal
    currency: str
    clicks: int | None
    impressions: int | None


@dataclass
class SpendCheck:
    """What an import would do: the rows, the problems, what it replaces."""

    rows: list[SpendRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    replaced: int = 0  # stored rows the import would replace
    totals: dict[str, Decimal] = field(default_factory=dict)  # per currency
    missing_rates: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def days(self) -> int:
        return len({(row.campaign.pk, row.date) for row in self.rows})


@dataclass(frozen=True)
class SpendImported:
    created: int
    replaced: int
    days: int


# --- reading a file -----------------------------------------------------------------------


def spend_csv_decode(data: bytes) -> tuple[str, list[RowError]]:
    """The file's text in whatever common encoding it was saved, or why it cannot be read."""
    if len(data) > MAX_BYTES:
        return "", [RowError(1, _("file"), _("The file is larger than 5 MB: split it."))]
    try:
        text = data.decode(detect_encoding(data[: 1024 * 1024]))
    except (UnicodeDecodeError, LookupError):
        return "", [RowError(1, _("file"), _("The file is not text: save it as CSV."))]
    if "\x00" in text:
        return "", [RowError(1, _("file"), _("The file is not text: save it as CSV."))]
    return text.lstrip("\ufeff"), []


def spend_csv_read(text: str) -> tuple[list[dict[str, str]], list[RowError]]:
    """The rows of a CSV text as {column: text}, or the reasons it cannot be read."""
    if not text.strip():
        return [], [RowError(1, _("file"), _("The file is empty."))]
    reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text[:65536]))
    headers = next(reader, [])
    columns: dict[int, str] = {}
    for index, header in enumerate(headers):
        name = header.strip().lower()
        for column, names in HEADER_NAMES.items():
            if name in names and column not in columns.values():
                columns[index] = column
    missing = [column for column in REQUIRED if column not in columns.values()]
    if missing:
        return [], [
            RowError(
                1,
                column,
                _("The first row has no %(column)s column (it names: %(headers)s).")
                % {"column": column, "headers": ", ".join(h.strip() for h in headers) or "—"},
            )
            for column in missing
        ]
    rows: list[dict[str, str]] = []
    for values in reader:
        if not any(value.strip() for value in values):
            rows.append({})  # kept so row numbers stay the file's lines
            continue
        rows.append(
            {
                column: values[index] if index < len(values) else ""
                for index, column in columns.items()
            }
        )
        if len(rows) > MAX_ROWS:
            return [], [
                RowError(
                    1,
                    _("file"),
                    _("More than %(count)s rows: split the file.") % {"count": f"{MAX_ROWS:,}"},
                )
            ]
    return rows, []


# --- checking rows ------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _parse_date(value: str) -> dt.date | None:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def _parse_amount(value: str) -> Decimal | None:
    text = value.replace("\u00a0", "").replace(" ", "")
    if "," in text and "." in text:
        # 1,234.56 or 1.234,56: the last mark is the decimal one
        thousands = "," if text.rfind(".") > text.rfind(",") else "."
        text = text.replace(thousands, "").replace(",", ".")
    else:
        text = text.replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _parse_count(value: str) -> int | None:
    text = re.sub(r"[\s,.\u00a0]", "", value)
    return int(text) if text.isdigit() else None


class _Campaigns:
    """Finds campaigns by id, name or UTM campaign with three queries for any number of rows."""

    def __init__(self, values: set[str]):
        ids = {int(v) for v in values if v.isdigit()}
        lowered = {v.lower() for v in values}
        self.by_id = {c.pk: c for c in Campaign.objects.filter(pk__in=ids)}
        self.by_name: dict[str, list[Campaign]] = defaultdict(list)
        self.by_utm: dict[str, list[Campaign]] = defaultdict(list)
        candidates = Campaign.objects.all().only("id", "name", "utm_campaign", "currency", "region")
        for campaign in candidates:
            if campaign.name.lower() in lowered:
                self.by_name[campaign.name.lower()].append(campaign)
            if campaign.utm_campaign and campaign.utm_campaign.lower() in lowered:
                self.by_utm[campaign.utm_campaign.lower()].append(campaign)

    def find(self, value: str) -> tuple[Campaign | None, str]:
        if value.isdigit() and int(value) in self.by_id:
            return self.by_id[int(value)], ""
        for found in (self.by_name.get(value.lower(), []), self.by_utm.get(value.lower(), [])):
            if len(found) == 1:
                return found[0], ""
            if len(found) > 1:
                return None, _(
                    "%(count)s campaigns are called “%(value)s”: give the campaign's id (%(ids)s)."
                ) % {
                    "count": len(found),
                    "value": value,
                    "ids": ", ".join(str(c.pk) for c in found),
                }
        return None, _(
            "No campaign has the id, name or UTM campaign “%(value)s”: add it under Campaigns "
            "in the admin first, or correct the row."
        ) % {"value": value}


def spend_rows_check(raw_rows: list[dict[str, Any]], *, first_row: int = 2) -> SpendCheck:
    """Check rows given as {column: value} (row numbers start at ``first_row``): every
    problem with its row and column, the rows ready to write, what they would replace."""
    check = SpendCheck()
    campaigns = _Campaigns({_text(raw.get("campaign")) for raw in raw_rows if raw} - {""})
    today = timezone.localdate(timezone=business_zone())
    seen: dict[tuple[int, dt.date, str], int] = {}
    for offset, raw in enumerate(raw_rows):
        number = first_row + offset
        if not raw:
            continue
        problems: list[RowError] = []

        def refuse(column: str, message: str, number: int = number, problems=problems) -> None:
            problems.append(RowError(number, column, message))

        unknown = sorted(set(raw) - set(COLUMNS))
        for column in unknown:
            refuse(
                column,
                _("Not a column of spend rows; use: %(columns)s.")
                % {"columns": ", ".join(COLUMNS)},
            )
        campaign_value = _text(raw.get("campaign"))
        campaign = None
        if not campaign_value:
            refuse("campaign", _("Name the campaign: its id, name or UTM campaign."))
        else:
            campaign, problem = campaigns.find(campaign_value)
            if problem:
                refuse("campaign", problem)
        day_value = _text(raw.get("date"))
        day = _parse_date(day_value) if day_value else None
        if not day_value:
            refuse("date", _("Give the day, e.g. 2026-01-31."))
        elif day is None:
            refuse(
                "date",
                _("“%(value)s” is not a day: write it as 2026-01-31 or 31.01.2026.")
                % {"value": day_value},
            )
        elif day > today:
            refuse("date", _("%(day)s has not come yet.") % {"day": day.isoformat()})
        amount_value = _text(raw.get("amount"))
        amount = _parse_amount(amount_value) if amount_value else None
        if not amount_value:
            refuse("amount", _("Give the amount spent, e.g. 125.40."))
        elif amount is None:
            refuse(
                "amount",
                _("“%(value)s” is not an amount: write it as 1234.56.") % {"value": amount_value},
            )
        elif amount < 0:
            refuse("amount", _("Spend cannot be negative."))
        elif amount >= MAX_AMOUNT:
            refuse("amount", _("This amount is too large."))
        elif amount != amount.quantize(Decimal("0.01")):
            refuse("amount", _("Give at most two decimals."))
        currency = _text(raw.get("currency")).upper()
        if not currency and campaign is not None:
            currency = campaign.currency.upper()
        if currency and not CURRENCY.match(currency):
            refuse("currency", _("Give the currency as its three-letter code, e.g. EUR."))
        counts: dict[str, int | None] = {}
        for column in ("clicks", "impressions"):
            value = _text(raw.get(column))
            counts[column] = _parse_count(value) if value else None
            if value and counts[column] is None:
                refuse(
                    column,
                    _("“%(value)s” is not a whole number of zero or more.") % {"value": value},
                )
        if not problems and campaign is not None and day is not None and amount is not None:
            key = (campaign.pk, day, currency)
            if key in seen:
                refuse(
                    "date",
                    _(
                        "Row %(row)s already gives the %(currency)s spend of %(campaign)s on %(day)s."
                    )
                    % {
                        "row": seen[key],
                        "campaign": campaign.name,
                        "currency": currency,
                        "day": day.isoformat(),
                    },
                )
            else:
                seen[key] = number
        if problems:
            check.errors.extend(problems)
            continue
        check.rows.append(
            SpendRow(
                number, campaign, day, amount, currency, counts["clicks"], counts["impressions"]
            )
        )
    if not check.rows and not check.errors:
        check.errors.append(RowError(first_row, _("file"), _("There are no rows to import.")))
    if check.rows:
        _describe(check)
    return check


def _days_by_campaign(rows: list[SpendRow]) -> dict[int, set[dt.date]]:
    days: dict[int, set[dt.date]] = defaultdict(set)
    for row in rows:
        days[row.campaign.pk].add(row.date)
    return days


def _describe(check: SpendCheck) -> None:
    """What the import replaces, its totals, and which money will lack a rate."""
    replaced = 0
    for campaign_id, days in _days_by_campaign(check.rows).items():
        replaced += CampaignSpend.objects.filter(campaign_id=campaign_id, date__in=days).count()
    check.replaced = replaced
    totals: dict[str, Decimal] = defaultdict(Decimal)
    without_rate: dict[str, list[dt.date]] = defaultdict(list)
    book = RateBook.load()
    for row in check.rows:
        totals[row.currency] += row.amount
        if book.rate_on(row.currency, row.date) is None:
            without_rate[row.currency].append(row.date)
    check.totals = dict(sorted(totals.items()))
    check.missing_rates = [
        _(
            "No rate from %(currency)s to %(base)s for %(first)s to %(last)s yet: the cost report "
            "will name this money and leave it out until the rate is added."
        )
        % {
            "currency": currency,
            "base": book.base,
            "first": min(days).isoformat(),
            "last": max(days).isoformat(),
        }
        for currency, days in sorted(without_rate.items())
    ]


# --- writing ------------------------------------------------------------------------------


def file_error_key(error: RowError) -> str:
    return f"row {error.row}, {error.column}"


def json_error_key(error: RowError) -> str:
    return f"rows.{error.row}.{error.column}"


@transaction.atomic
def campaign_spend_import(
    *,
    user,
    raw_rows: list[dict[str, Any]],
    first_row: int = 2,
    error_key: Callable[[RowError], str] = file_error_key,
) -> SpendImported:
    """Store spend rows, replacing what was stored for each campaign and day they name;
    refuses (ValidationFailed, one entry per problem) and writes nothing if a row is wrong."""
    require_spend_import(user)
    check = spend_rows_check(raw_rows, first_row=first_row)
    if check.errors:
        raise ValidationFailed({error_key(e): e.message for e in check.errors})
    days = _days_by_campaign(check.rows)
    # imports touching the same campaigns wait for each other instead of colliding
    list(
        Campaign.objects.select_for_update()
        .filter(pk__in=sorted(days))
        .order_by("pk")
        .values_list("pk")
    )
    replaced = 0
    for campaign_id, campaign_days in days.items():
        replaced += CampaignSpend.objects.filter(
            campaign_id=campaign_id, date__in=campaign_days
        ).delete()[0]
    CampaignSpend.objects.bulk_create(
        [
            CampaignSpend(
                campaign=row.campaign,
                date=row.date,
                amount=row.amount,
                currency=row.currency,
                clicks=row.clicks,
                impressions=row.impressions,
            )
            for row in check.rows
        ],
        batch_size=1000,
    )
    return SpendImported(created=len(check.rows), replaced=replaced, days=check.days)
