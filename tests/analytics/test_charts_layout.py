"""Charts make room for their texts: long value labels, many turned category labels and the
legend neither leave the picture nor overlap."""

import math
import re

from galena.analytics import charts

CHANNELS = [
    "Contextual ads",
    "Search (organic)",
    "Social networks",
    "Landing page / web form",
    "Quiz",
    "Callback widget",
    "Banner ads",
    "Referral programme",
    "E-mail campaign",
    "Inbound call",
]


def svg_height(chart) -> float:
    return float(re.search(r'viewBox="0 0 \d+ (\d+)"', chart.svg).group(1))


def test_value_labels_of_millions_fit_left_of_the_axis():
    chart = charts.bar_chart(["a", "b"], {"Revenue": [1_431_486, 20]}, unit="EUR")
    layout = charts._Layout.measure(["a", "b"], charts._axis_texts(2_000_000, "EUR"), legend=False)

    assert "2\u202f000\u202f000 EUR" in chart.svg
    assert layout.left >= charts.CHAR_WIDTH * len("2\u202f000\u202f000 EUR")


def test_turned_labels_stay_inside_and_the_legend_sits_below_them():
    chart = charts.bar_chart(CHANNELS, {"Leads": [1] * 10, "Clients": [0] * 10})
    layout = charts._Layout.measure(CHANNELS, charts._axis_texts(1, ""), legend=True)
    slot = (charts.WIDTH - layout.left - charts.MARGIN_RIGHT) / len(CHANNELS)
    longest = max(len(charts._short(label)) for label in CHANNELS)
    turned = math.radians(charts.ROTATION)

    assert layout.rotate
    # the first label, right-aligned under its bar and turned, starts inside the picture
    assert layout.left + slot / 2 - charts.CHAR_WIDTH * longest * math.cos(turned) >= 0
    # the legend starts below the lowest point of the turned labels
    lowest = layout.labels_bottom + 16 + charts.CHAR_WIDTH * longest * math.sin(turned)
    assert layout.legend_y >= lowest
    assert svg_height(chart) >= layout.legend_y + 10
    assert ">Clients</text>" in chart.svg


def test_a_single_series_has_no_legend_and_a_shorter_picture():
    one = charts.bar_chart(["a", "b"], {"Leads": [1, 2]})
    two = charts.bar_chart(["a", "b"], {"Leads": [1, 2], "Clients": [0, 1]})

    assert svg_height(one) < svg_height(two)
    assert ">Leads</text>" not in one.svg


def test_value_labels_that_would_overlap_are_left_to_the_table():
    months = ["May", "June", "July", "August", "September", "October"]
    # spend and revenue of similar size: side by side, their long labels would collide
    money = charts.bar_chart(
        months,
        {"Spend": [150_000.5] * 6, "Revenue": [157_423.9] * 6},
        unit=" EUR",
        title="Spend and revenue",
    )
    shares = charts.bar_chart(months, {"Leads": [10, 20, 30, 40, 50, 60]}, unit="%", title="x")

    money_labels = re.findall(r'text-anchor="middle" fill="#222">[^<]*EUR</text>', money.svg)
    share_labels = re.findall(r'text-anchor="middle" fill="#222">[^<]*%</text>', shares.svg)
    assert 6 <= len(money_labels) < 12  # not every bar's: they would overlap; the table has all
    assert [row[2] for row in money.rows] == ["157\u202f423.9  EUR"] * 6
    assert len(share_labels) == 6  # short labels: every bar keeps its own
