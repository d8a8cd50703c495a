"""Charts drawn on the server as SVG: no script, no external service.

Every text that reaches the markup is escaped; each chart has a ``<title>`` and a
description for screen readers, a ``<title>`` on every bar and point (the value on hover),
axis labels and values, and its numbers as a table (``Chart.headers``/``Chart.rows``) that
the page shows under it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import count

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Colour-blind-safe palette (Okabe–Ito), readable on white.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999")
WIDTH, HEIGHT = 720, 300
MARGIN_RIGHT, MARGIN_TOP = 16, 16
PLOT_HEIGHT = 220  # the value axis' length, whatever the labels around it need
CHAR_WIDTH = 6.6  # an average character at font-size 12, for room around the plot
ROTATION = 35  # degrees a long row of category labels is turned
LEGEND_ROW = 22
_ids = count(1)


@dataclass(frozen=True)
class _Layout:
    """Room for the value labels on the left, the category labels (turned when there are
    many) and the legend below: measured from the texts, so none is cut or overlaps."""

    left: float
    height: int
    rotate: bool
    labels_bottom: float  # where the category labels start (below the plot)
    legend_y: float

    @property
    def bottom(self) -> float:
        return MARGIN_TOP + PLOT_HEIGHT

    @classmethod
    def measure(cls, labels: Sequence[str], value_texts: Sequence[str], *, legend: bool) -> _Layout:
        rotate = len(labels) > 8
        longest = max((len(_short(label)) for label in labels), default=0)
        left = max(48.0, CHAR_WIDTH * max((len(t) for t in value_texts), default=0) + 14)
        if rotate:
            angle = math.radians(ROTATION)
            slot = (WIDTH - left - MARGIN_RIGHT) / max(len(labels), 1)
            # the first label, turned and right-aligned under its bar, must not leave the left edge
            reach = CHAR_WIDTH * longest * math.cos(angle) - slot / 2 + 4
            left = max(left, reach)
            label_room = CHAR_WIDTH * longest * math.sin(angle) + 24
        else:
            label_room = 28
        labels_bottom = MARGIN_TOP + PLOT_HEIGHT
        legend_y = labels_bottom + label_room + 12
        height = math.ceil(legend_y + (LEGEND_ROW if legend else 0) - (0 if legend else 12))
        return cls(left, height, rotate, labels_bottom, legend_y)


@dataclass
class Chart:
    title: str
    svg: SafeString
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def _number(value: float, unit: str = "") -> str:
    if value is None:
        return "—"
    if float(value).is_integer():
        text = f"{int(value):,}".replace(",", "\u202f")
    else:
        text = f"{value:,.1f}".replace(",", "\u202f")
    return f"{text}{unit}" if unit in ("%", " %") else (f"{text} {unit}" if unit else text)


def _nice_ceiling(value: float) -> float:
    """A round axis maximum at or above ``value``: 1, 2, 2.5 or 5 × 10ⁿ."""
    if value <= 0:
        return 1
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent


def _short(label: str, limit: int = 18) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _open(title: str, description: str, height: int = HEIGHT) -> tuple[str, list[str]]:
    number = next(_ids)
    title_id, desc_id = f"chart-title-{number}", f"chart-desc-{number}"
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
    ]
    return title_id, parts


def _axis_texts(maximum: float, unit: str) -> list[str]:
    return [_number(maximum * step / 5, unit) for step in range(6)]


def _axes(parts: list[str], maximum: float, unit: str, layout: _Layout) -> float:
    """Draws the value axis with five gridlines; returns pixels per unit."""
    top, bottom, left = MARGIN_TOP, layout.bottom, layout.left
    scale = (bottom - top) / maximum
    for step, text in enumerate(_axis_texts(maximum, unit)):
        y = bottom - maximum * step / 5 * scale
        parts.append(
            f'<line x1="{left:.1f}" x2="{WIDTH - MARGIN_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#ddd" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end" fill="#444">'
            f"{escape(text)}</text>"
        )
    parts.append(f'<line x1="{left:.1f}" x2="{left:.1f}" y1="{top}" y2="{bottom}" stroke="#888"/>')
    return scale


def _category_labels(parts: list[str], labels: Sequence[str], slot: float, layout: _Layout) -> None:
    step = max(1, math.ceil(len(labels) / 24))
    for index, label in enumerate(labels):
        if index % step:
            continue
        x = layout.left + slot * (index + 0.5)
        y = layout.labels_bottom + 16
        transform = f' transform="rotate(-{ROTATION} {x:.1f} {y:.1f})"' if layout.rotate else ""
        anchor = "end" if layout.rotate else "middle"
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="#222"{transform}>'
            f"<title>{escape(label)}</title>{escape(_short(label))}</text>"
        )


def _legend(parts: list[str], names: Sequence[str], layout: _Layout) -> None:
    if len(names) < 2:
        return
    x = layout.left
    y = layout.legend_y + 10
    for index, name in enumerate(names):
        colour = PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="{y}" fill="#222">{escape(_short(name, 24))}</text>')
        x += 24 + 7 * min(len(name), 24)


def _table(labels: Sequence[str], series: dict[str, Sequence[float]], unit: str):
    headers = ["", *series.keys()]
    rows = [
        [label, *(_number(values[index], unit) for values in series.values())]
        for index, label in enumerate(labels)
    ]
    return headers, rows


def _empty(title: str) -> Chart:
    _, parts = _open(title, "No figures for this period.", height=60)
    parts.append('<text x="12" y="34" fill="#666">—</text></svg>')
    return Chart(title=title, svg=mark_safe("".join(parts)))


def _room_for(
    placed: list[tuple[float, float, float, float]], centre: float, baseline: float, text: str
) -> bool:
    """Whether a value label centred at ``centre`` on ``baseline`` overlaps none placed so
    far; if not, it is placed. A label with no room is left out: the chart's table has it."""
    half = CHAR_WIDTH * len(text) / 2
    box = (centre - half, centre + half, baseline - 12, baseline + 2)
    for left, right, top, bottom in placed:
        if box[0] < right and left < box[1] and box[2] < bottom and top < box[3]:
            return False
    placed.append(box)
    return True


def bar_chart(
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    unit: str = "",
    title: str = "",
) -> Chart:
    """Grouped vertical bars: one group per label, one bar per series."""
    labels = [str(label) for label in labels]
    series = {str(name): [value or 0 for value in values] for name, values in series.items()}
    if not labels or not series:
        return _empty(title)
    maximum = _nice_ceiling(max((max(values, default=0) for values in series.values()), default=0))
    description = "; ".join(
        f"{label}: "
        + ", ".join(f"{name} {_number(values[index], unit)}" for name, values in series.items())
        for index, label in enumerate(labels)
    )
    layout = _Layout.measure(labels, _axis_texts(maximum, unit), legend=len(series) > 1)
    _, parts = _open(title, description, height=layout.height)
    scale = _axes(parts, maximum, unit, layout)
    slot = (WIDTH - layout.left - MARGIN_RIGHT) / len(labels)
    bar_width = slot * 0.8 / len(series)
    bottom = layout.bottom
    show_values = len(labels) * len(series) <= 24
    bars = []
    for index, label in enumerate(labels):
        for number, (name, values) in enumerate(series.items()):
            value = values[index]
            height = value * scale
            x = layout.left + slot * index + slot * 0.1 + bar_width * number
            colour = PALETTE[number % len(PALETTE)]
            tip = f"{label} — {name}: {_number(value, unit)}"
            parts.append(
                f'<rect x="{x:.1f}" y="{bottom - height:.1f}" width="{bar_width:.1f}" '
                f'height="{height:.1f}" fill="{colour}"><title>{escape(tip)}</title></rect>'
            )
            bars.append((x, bottom - height, _number(value, unit)))
    # a value label goes over its bar where it covers no other bar and no label before it
    placed = [(x, x + bar_width, top, bottom) for x, top, _text in bars]
    for x, top, text in bars if show_values else ():
        if _room_for(placed, x + bar_width / 2, top - 4, text):
            parts.append(
                f'<text x="{x + bar_width / 2:.1f}" y="{top - 4:.1f}" '
                f'text-anchor="middle" fill="#222">{escape(text)}</text>'
            )
    _category_labels(parts, labels, slot, layout)
    _legend(parts, list(series), layout)
    parts.append("</svg>")
    headers, rows = _table(labels, series, unit)
    return Chart(title=title, svg=mark_safe("".join(parts)), headers=headers, rows=rows)


def line_chart(
    labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    unit: str = "",
    title: str = "",
) -> Chart:
    """One line per series over the labels (months, days); a missing value breaks the line."""
    labels = [str(label) for label in labels]
    series = {str(name): list(values) for name, values in series.items()}
    if not labels or not series:
        return _empty(title)
    present = [value for values in series.values() for value in values if value is not None]
    maximum = _nice_ceiling(max(present, default=0))
    description = "; ".join(
        f"{name}: "
        + ", ".join(
            f"{label} {_number(value, unit)}" for label, value in zip(labels, values, strict=False)
        )
        for name, values in series.items()
    )
    layout = _Layout.measure(labels, _axis_texts(maximum, unit), legend=len(series) > 1)
    _, parts = _open(title, description, height=layout.height)
    scale = _axes(parts, maximum, unit, layout)
    slot = (WIDTH - layout.left - MARGIN_RIGHT) / len(labels)
    bottom = layout.bottom
    for number, (name, values) in enumerate(series.items()):
        colour = PALETTE[number % len(PALETTE)]
        segments: list[list[str]] = [[]]
        points = []
        for index, value in enumerate(values):
            if value is None:
                segments.append([])
                continue
            x = layout.left + slot * (index + 0.5)
            y = bottom - value * scale
            segments[-1].append(f"{x:.1f},{y:.1f}")
            tip = f"{name} — {labels[index]}: {_number(value, unit)}"
            points.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(tip)}</title></circle>"
            )
        for segment in segments:
            if len(segment) > 1:
                parts.append(
                    f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"/>'
                )
        parts.extend(points)
    _category_labels(parts, labels, slot, layout)
    _legend(parts, list(series), layout)
    parts.append("</svg>")
    headers, rows = _table(labels, series, unit)
    return Chart(title=title, svg=mark_safe("".join(parts)), headers=headers, rows=rows)


def funnel_chart(steps: Sequence[tuple[str, float]], *, title: str = "") -> Chart:
    """Horizontal bars, widest first, each with its count and its share of the first step."""
    steps = [(str(label), value or 0) for label, value in steps]
    if not steps:
        return _empty(title)
    first = steps[0][1]
    widest = max(value for _, value in steps) or 1
    row_height, label_width = 36, 150
    height = row_height * len(steps) + 16
    description = "; ".join(f"{label}: {_number(value)}" for label, value in steps)
    _, parts = _open(title, description, height=height)
    usable = WIDTH - label_width - 140
    for index, (label, value) in enumerate(steps):
        bar = usable * value / widest
        x = label_width + (usable - bar) / 2
        y = 8 + index * row_height
        share = f"{value * 100 / first:.1f} %" if first else "—"
        tip = f"{label}: {_number(value)} ({share})"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 19}" text-anchor="end" fill="#222">'
            f"{escape(_short(label, 22))}</text>"
        )
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="{max(bar, 1):.1f}" height="{row_height - 8}" '
            f'fill="{PALETTE[0]}" opacity="{1 - index * 0.1:.2f}"><title>{escape(tip)}</title></rect>'
        )
        parts.append(
            f'<text x="{label_width + usable + 8}" y="{y + 19}" fill="#222">'
            f"{escape(_number(value))} · {escape(share)}</text>"
        )
    parts.append("</svg>")
    headers = ["", "", "%"]
    rows = [
        [label, _number(value), f"{value * 100 / first:.1f} %" if first else "—"]
        for label, value in steps
    ]
    return Chart(title=title, svg=mark_safe("".join(parts)), headers=headers, rows=rows)


def histogram(buckets: Sequence[tuple[str, float]], *, title: str = "", unit: str = "") -> Chart:
    """A distribution: one bar per bucket (e.g. "0–1 d", "1–3 d"), touching bars."""
    labels = [str(label) for label, _ in buckets]
    return bar_chart(labels, {title or "": [value for _, value in buckets]}, unit=unit, title=title)
