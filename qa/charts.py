# ruff: noqa: E501 - one SVG element per line reads better than wrapped f-strings
"""Server-rendered SVG charts for the dashboard: no script, no chart library. Each series
has its own marker shape and dash pattern and is labelled at its end, so the chart reads
without colour; the table beside it carries every figure."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from qa.rules import MonthlyFigures

WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 190, 16, 40

# (key, label, colour, dash pattern, marker)
SERIES = [
    ("vulnerability_pct", "Vulnerability", "#1d70b8", "", "circle"),
    ("prevention_pct", "Prevention", "#00703c", "8 4", "square"),
    ("preservation_pct", "Preservation", "#d4351c", "2 3", "triangle"),
    ("repeat_victim_check_pct", "Repeat victim check", "#4c2c92", "12 3 2 3", "diamond"),
]


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span * index / (count - 1) if count > 1 else span / 2)


def _y(value: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / 100)


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}"/>'
    if kind == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if kind == "triangle":
        return (
            f'<polygon points="{x:.1f},{y - 5.5:.1f} {x - 5:.1f},{y + 4:.1f} {x + 5:.1f},{y + 4:.1f}" fill="{colour}"/>'
        )
    return f'<polygon points="{x:.1f},{y - 6:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 6:.1f} {x - 5:.1f},{y:.1f}" fill="{colour}"/>'


def _axes(rows: list[MonthlyFigures], *, top_label: str, ticks: list[tuple[float, str]]) -> list[str]:
    parts = []
    for y, label in ticks:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#b1b4b6" stroke-width="1"/>'
        )
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12">{escape(label)}</text>')
    for index, row in enumerate(rows):
        x = _x(index, len(rows))
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" font-size="12">{row.month:%b %Y}</text>'
        )
    parts.append(f'<text x="{LEFT}" y="{TOP - 4}" font-size="12">{escape(top_label)}</text>')
    return parts


def trend(rows: list[MonthlyFigures]) -> SafeString:
    """The four percentages by month; a gap where a month has nothing graded."""
    parts = [
        f'<svg class="app-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="trend-title trend-desc" '
        'xmlns="http://www.w3.org/2000/svg" font-family="Arial, sans-serif">',
        '<title id="trend-title">Trend of the four QA percentages by month</title>',
        '<desc id="trend-desc">Percentages good or outstanding for vulnerability, prevention and preservation, '
        "and the percentage with the repeat victim check done. The table above gives every figure.</desc>",
        *_axes(rows, top_label="%", ticks=[(_y(v), str(v)) for v in (0, 25, 50, 75, 100)]),
    ]
    end_labels: list[tuple[float, str]] = []
    for key, label, colour, dash, marker in SERIES:
        points = [(index, getattr(row, key)) for index, row in enumerate(rows)]
        segment: list[str] = []
        segments: list[list[str]] = []
        for index, value in points:
            if value is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{_x(index, len(rows)):.1f},{_y(float(value)):.1f}")
        if segment:
            segments.append(segment)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        for seg in segments:
            parts.append(
                f'<polyline points="{" ".join(seg)}" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
            )
        for index, value in points:
            if value is not None:
                parts.append(_marker(marker, _x(index, len(rows)), _y(float(value)), colour))
        last = next(((i, v) for i, v in reversed(points) if v is not None), None)
        if last is not None:
            end_labels.append((_y(float(last[1])), f"{label} {last[1]}"))
    # End labels, pushed apart so that close values do not overprint each other.
    placed: list[float] = []
    for y, text in sorted(end_labels):
        y = max(y, placed[-1] + 14) if placed else y
        placed.append(y)
        parts.append(
            f'<text x="{WIDTH - RIGHT + 12}" y="{y + 4:.1f}" font-size="12" fill="#0b0c0c">{escape(text)}</text>'
        )
    # A legend: the marker and line pattern of each series with its name.
    for position, (_, label, colour, dash, marker) in enumerate(SERIES):
        y = HEIGHT - 8
        x = LEFT + position * 150
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{x}" x2="{x + 26}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
        )
        parts.append(_marker(marker, x + 13, y - 4, colour))
        parts.append(f'<text x="{x + 32}" y="{y}" font-size="12">{escape(label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built here from numbers and escaped labels


def bars(rows: list[MonthlyFigures]) -> SafeString:
    """Calls assessed by month, each bar labelled with its number."""
    top = max((row.calls_assessed for row in rows), default=0) or 1
    height = 220
    inner = height - TOP - BOTTOM
    width = WIDTH - RIGHT + 40
    step = (width - LEFT - 20) / max(len(rows), 1)
    parts = [
        f'<svg class="app-chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="bars-title" '
        'xmlns="http://www.w3.org/2000/svg" font-family="Arial, sans-serif">',
        '<title id="bars-title">Calls assessed (graded sample items) by month</title>',
        f'<line x1="{LEFT}" x2="{width - 20}" y1="{TOP + inner}" y2="{TOP + inner}" stroke="#0b0c0c"/>',
    ]
    for index, row in enumerate(rows):
        bar_h = inner * row.calls_assessed / top
        x = LEFT + index * step + step * 0.2
        y = TOP + inner - bar_h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.6:.1f}" height="{bar_h:.1f}" fill="#505a5f"/>')
        parts.append(
            f'<text x="{x + step * 0.3:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="12">{row.calls_assessed}</text>'
        )
        parts.append(
            f'<text x="{x + step * 0.3:.1f}" y="{TOP + inner + 18}" text-anchor="middle" font-size="12">'
            f"{row.month:%b %Y}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built here from numbers and escaped labels
