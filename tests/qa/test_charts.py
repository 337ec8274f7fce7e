"""The dashboard's SVG charts are well-formed markup built from the figures: a gap where a month
has nothing graded, one marker per figure, a bar per month with its number."""

from datetime import date
from decimal import Decimal
from xml.etree import ElementTree  # our own markup, not untrusted input

from qa import charts
from qa.rules import MonthlyFigures

SVG = "{http://www.w3.org/2000/svg}"


def months(count: int) -> list[MonthlyFigures]:
    rows = []
    for index in range(count):
        month = date(2025 + (index + 2) // 12, (index + 2) % 12 + 1, 1)
        gap = index == 2
        rows.append(
            MonthlyFigures(
                month=month,
                calls_assessed=30 + index,
                vulnerability_pct=None if gap else Decimal("62.5"),
                prevention_pct=Decimal("70.0"),
                preservation_pct=Decimal(index * 9),
                repeat_victim_check_pct=Decimal("88.8"),
            )
        )
    return rows


def test_the_trend_is_well_formed_with_a_gap_for_a_month_without_figures():
    svg = ElementTree.fromstring(str(charts.trend(months(6))))  # noqa: S314 - markup we built
    assert svg.tag == f"{SVG}svg"
    lines = svg.findall(f"{SVG}polyline")
    # Vulnerability breaks at the gap (two runs); the other three run unbroken.
    assert len(lines) == 5
    markers = svg.findall(f"{SVG}circle")
    assert len(markers) == 5 + 1  # five months with a figure, and the legend's
    labels = [text.text for text in svg.findall(f"{SVG}text")]
    assert "Vulnerability 62.5" in labels
    assert "Mar 2025" in labels


def test_the_bars_label_each_month_with_its_number():
    svg = ElementTree.fromstring(str(charts.bars(months(4))))  # noqa: S314 - markup we built
    assert len(svg.findall(f"{SVG}rect")) == 4
    labels = [text.text for text in svg.findall(f"{SVG}text")]
    assert labels[:2] == ["30", "Mar 2025"]
