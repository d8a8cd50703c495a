"""The calibration report's page and its CSV files: does the score predict who buys?

For heads of sales and admins. The figures come from ``selectors.calibration_report_for``;
this module reads the period and the band choice from the URL (``?from=…&to=…`` or
``?days=90``, ``&bands=quintiles`` or ``&bands=custom&edges=10,25,50``), lays the charts out
as inline SVG (no script, no external file) and writes the CSV files with cells a
spreadsheet will not run as formulas.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from galena.core.spreadsheets import spreadsheet_safe
from galena.core.views import page
from galena.scoring import calibration, selectors
from galena.scoring.calibration import Report

BAND_CHOICES = [
    (calibration.BAND_THRESHOLDS, gettext_lazy("Cold, warm, hot (the thresholds)")),
    (calibration.BAND_QUINTILES, gettext_lazy("Fifths of the scores")),
    (calibration.BAND_DECILES, gettext_lazy("Tenths of the scores")),
    (calibration.BAND_CUSTOM, gettext_lazy("Edges of my own")),
]
CSV_TABLES = ("bands", "lost")
CSV_LOST_LIMIT = 100_000
PROFILE_ATTRIBUTES_SHOWN = 8


class CalibrationForm(forms.Form):
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    days = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "")] + [(str(d), str(d)) for d in selectors.PERIOD_PRESETS],
        widget=forms.HiddenInput,
    )
    bands = forms.ChoiceField(
        label=gettext_lazy("Score bands"), required=False, choices=BAND_CHOICES
    )
    edges = forms.CharField(
        label=gettext_lazy("Band edges"),
        required=False,
        max_length=200,
        help_text=gettext_lazy(
            "For edges of your own: scores where a band starts, e.g. 10, 25, 50."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "calibration-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_prefix(self, field_name: str) -> str:
        # the URL says ?from=…&to=…, like the API
        return {"date_from": "from", "date_to": "to"}.get(field_name, field_name)

    def clean_edges(self) -> tuple[int, ...]:
        try:
            return calibration.parse_edges(self.cleaned_data.get("edges") or "")
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The period starts after it ends."))
        if start and end and (end - start).days >= selectors.MAX_PERIOD_DAYS:
            raise forms.ValidationError(_("Choose a period of five years at most."))
        if data.get("bands") == calibration.BAND_CUSTOM and not data.get("edges"):
            self.add_error("edges", _("Give the scores where the bands start, e.g. 10, 25, 50."))
        return data


def _choices(form: CalibrationForm) -> tuple[selectors.Period, calibration.Options]:
    if not form.is_bound or not form.is_valid():
        return selectors.Period.last(), calibration.Options()
    data = form.cleaned_data
    start, end = data["date_from"], data["date_to"]
    if start or end:
        period = selectors.Period.of(start, end, days=data["days"])
    else:
        period = selectors.Period.last(data["days"] or selectors.DEFAULT_DAYS)
    options = calibration.Options(
        band_mode=data["bands"] or calibration.BAND_THRESHOLDS, edges=data["edges"]
    )
    return period, options


# --- charts ---------------------------------------------------------------------------

CHART_SIZE = 300
CHART_PAD = 34


def _point(x: float, y: float) -> tuple[float, float]:
    """A (0..1, 0..1) value in the square chart's coordinates (y grows upwards)."""
    inner = CHART_SIZE - 2 * CHART_PAD
    return round(CHART_PAD + x * inner, 1), round(CHART_SIZE - CHART_PAD - y * inner, 1)


def _polyline(points: Iterable[tuple[float, float]]) -> str:
    return " ".join(f"{x},{y}" for x, y in (_point(a, b) for a, b in points))


def _axes() -> dict[str, Any]:
    ticks = []
    for step in range(0, 11, 2):
        value = step / 10
        x, bottom = _point(value, 0)
        left, y = _point(0, value)
        ticks.append(
            {
                "label": f"{step * 10}",
                "x": x,
                "y": y,
                "below": round(bottom + 12, 1),  # the x-axis labels' baseline
                "left": round(left - 4, 1),  # the y-axis labels' right end
                "middle": round(y + 3, 1),  # the y-axis labels' baseline
            }
        )
    low_x, low_y = _point(0, 0)
    high_x, high_y = _point(1, 1)
    return {
        "size": CHART_SIZE,
        "ticks": ticks,
        "x0": low_x,
        "y0": low_y,
        "x1": high_x,
        "y1": high_y,
        "label_y": CHART_SIZE - 6,
        "mid": round((low_x + high_x) / 2, 1),
        "middle_y": round((low_y + high_y) / 2, 1),
    }


def _reliability_series(reliability: calibration.Reliability | None, name: str) -> dict | None:
    if reliability is None or reliability.status != calibration.OK:
        return None
    points = []
    for found in reliability.bins:
        x, y = _point(found.mean_predicted, found.observed.rate or 0.0)
        _x, low = _point(0, found.observed.low or 0.0)
        _x, high = _point(0, found.observed.high or 0.0)
        points.append({"x": x, "y": y, "low": low, "high": high, "bin": found})
    line = _polyline((b.mean_predicted, b.observed.rate or 0.0) for b in reliability.bins)
    return {"name": name, "points": points, "line": line}


def reliability_chart(report: Report) -> dict[str, Any] | None:
    series = [
        _reliability_series(report.model_reliability, "model"),
        _reliability_series(report.score_mapping.reliability, "score"),
    ]
    series = [found for found in series if found is not None]
    if not series:
        return None
    return {"axes": _axes(), "diagonal": _polyline([(0, 0), (1, 1)]), "series": series}


def roc_chart(report: Report) -> dict[str, Any] | None:
    lines = [
        {"key": found.key, "label": found.label, "points": _polyline(found.curve)}
        for found in report.discrimination
        if found.status == calibration.OK and found.key in ("score", "model")
    ]
    if not lines:
        return None
    return {"axes": _axes(), "diagonal": _polyline([(0, 0), (1, 1)]), "lines": lines}


def _bar(share: float | None) -> str:
    return "0" if share is None else f"{max(0.0, min(1.0, share)) * 100:.1f}"


# --- the page -------------------------------------------------------------------------


_RULE_ORDER = {
    calibration.RULE_REVERSE: 0,
    calibration.RULE_REMOVE: 1,
    calibration.RULE_RAISE: 2,
    calibration.RULE_LOWER: 2,
    calibration.RULE_UNPROVEN: 3,
    calibration.RULE_OK: 3,
}


def _rule_rows(report: Report, user) -> list[dict[str, Any]]:
    """The rule checks, those to act on first (the largest changes first), each with the
    rule's admin page for staff (when the admin has it)."""
    rows = []
    checks = sorted(
        report.rules.checks,
        key=lambda check: (
            _RULE_ORDER.get(check.status, 4),
            -abs((check.suggested_points or 0) - check.points) if check.suggests_change else 0,
        ),
    )
    for check in checks:
        link = ""
        if user.is_staff:
            try:
                link = reverse("admin:scoring_scorerule_change", args=[check.rule_id])
            except NoReverseMatch:
                link = ""
        rows.append({"check": check, "link": link})
    return rows


def _query(period: selectors.Period, options: calibration.Options, **extra: str) -> str:
    query = QueryDict(mutable=True)
    query["from"] = period.start.isoformat()
    query["to"] = period.end.isoformat()
    if options.band_mode != calibration.BAND_THRESHOLDS:
        query["bands"] = options.band_mode
    if options.edges:
        query["edges"] = ",".join(str(edge) for edge in options.edges)
    query.update(extra)
    return query.urlencode()


def _presets(period: selectors.Period, options: calibration.Options) -> list[dict[str, Any]]:
    found = []
    for days in selectors.PERIOD_PRESETS:
        last = selectors.Period.last(days)
        query = QueryDict(mutable=True)
        query["days"] = str(days)
        if options.band_mode != calibration.BAND_THRESHOLDS:
            query["bands"] = options.band_mode
        if options.edges:
            query["edges"] = ",".join(str(edge) for edge in options.edges)
        found.append(
            {
                "days": days,
                "query": query.urlencode(),
                "current": last == period,
            }
        )
    return found


def _profile_rows(report: Report) -> list[dict[str, Any]]:
    rows = []
    for attribute in report.profile.attributes[:PROFILE_ATTRIBUTES_SHOWN]:
        rows.append(
            {
                "attribute": attribute,
                "values": [
                    {
                        "share": value,
                        "won_bar": _bar(value.won_share),
                        "all_bar": _bar(value.all_share),
                    }
                    for value in attribute.values[: calibration.PROFILE_VALUES_SHOWN]
                ],
            }
        )
    return rows


def _band_rows(report: Report) -> list[dict[str, Any]]:
    return [
        {
            "band": band,
            "bar": _bar(band.win_rate.rate),
            "low": _bar(band.win_rate.low),
            "width": f"{max(0.0, (band.win_rate.high or 0) - (band.win_rate.low or 0)) * 100:.1f}",
        }
        for band in report.bands
    ]


@page
@require_GET
def calibration_report(request: HttpRequest) -> HttpResponse:
    """Does the score predict who buys: win rates by score band, ranking and reliability,
    lost high-scored leads and why, the clients' profile, activity and deal value, and the
    rules whose points do not line up with outcomes."""
    selectors.require_calibration_access(request.user)
    params = request.GET
    asked = any(name in params for name in ("from", "to", "days", "bands", "edges"))
    form = CalibrationForm(params if asked else None)
    period, options = _choices(form)
    table = params.get("table", "")
    if params.get("format") == "csv" and table in CSV_TABLES:
        # the file lists every lost high-scored lead the reader may open, not the page's top
        whole = dataclasses.replace(options, lost_limit=CSV_LOST_LIMIT)
        report = selectors.calibration_report_for(user=request.user, period=period, options=whole)
        return _csv(report, period, table)
    report = selectors.calibration_report_for(user=request.user, period=period, options=options)
    if not form.is_bound or (form.is_valid() and not (params.get("from") or params.get("to"))):
        # show the period the figures are for in the date fields
        form = CalibrationForm(
            initial={
                "date_from": period.start,
                "date_to": period.end,
                "bands": options.band_mode,
                "edges": ", ".join(str(edge) for edge in options.edges),
            }
        )
    discrimination = {found.key: found for found in report.discrimination}
    context = {
        "section": "scoring",
        "form": form,
        "period": period,
        "options": options,
        "report": report,
        "discrimination": discrimination,
        "band_rows": _band_rows(report),
        "presets": _presets(period, options),
        "bands_csv": _query(period, options, format="csv", table="bands"),
        "lost_csv": _query(period, options, format="csv", table="lost"),
        "reliability_chart": reliability_chart(report),
        "roc_chart": roc_chart(report),
        "profile_rows": _profile_rows(report),
        "rule_rows": _rule_rows(report, request.user),
        "changing_rules": [c for c in report.rules.checks if c.suggests_change],
    }
    return render(request, "scoring/calibration.html", context)


# --- CSV ------------------------------------------------------------------------------


def cell(value: Any) -> str:
    """A CSV cell: numbers as they are, text that cannot run as a spreadsheet formula."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return spreadsheet_safe(value)


def _percent(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.1f}"


class _Line:
    def write(self, text: str) -> str:
        return text


def _rows(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    writer = csv.writer(_Line())
    return [writer.writerow(header), *(writer.writerow([cell(v) for v in row]) for row in rows)]


def _csv(report: Report, period: selectors.Period, table: str) -> HttpResponse:
    if table == "bands":
        lines = _rows(
            [
                "band",
                "name",
                "score_from",
                "score_below",
                "closed",
                "won",
                "lost",
                "win_rate_percent",
                "win_rate_low_percent",
                "win_rate_high_percent",
                "share_of_won_percent",
                "lift",
            ],
            (
                [
                    band.label,
                    band.name,
                    "" if band.low is None else band.low,
                    "" if band.high is None else band.high,
                    band.closed,
                    band.won,
                    band.lost,
                    _percent(band.win_rate.rate),
                    _percent(band.win_rate.low),
                    _percent(band.win_rate.high),
                    _percent(band.share_of_won),
                    "" if band.lift is None else round(band.lift, 3),
                ]
                for band in report.bands
            ),
        )
    else:
        lines = _rows(
            [
                "lead_id",
                "name",
                "owner",
                "score",
                "predicted_percent",
                "lost_on",
                "reason",
                "reason_from",
            ],
            (
                [
                    lead.id,
                    lead.name,
                    lead.owner,
                    lead.score,
                    _percent(lead.probability),
                    timezone.localtime(lead.closed_at).date().isoformat() if lead.closed_at else "",
                    lead.reason,
                    lead.reason_source,
                ]
                for lead in report.lost.leads
            ),
        )
    response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    name = "score-bands" if table == "bands" else "lost-high-scored"
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-{period.start}-{period.end}.csv"'
    )
    return response
