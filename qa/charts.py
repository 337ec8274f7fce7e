"""Server-rendered SVG charts for the dashboard: no script, no chart library. Each series
has its own marker shape and dash pattern and is labelled at its end, so the chart reads
without colour; the table beside it carries every figure. The markup is built from
markup.Template constants, which escape every value that is not a number or a date."""

from django.utils.safestring import SafeString

from markup import Template, join, literal
from qa.rules import MonthlyFigures

WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 190, 16, 40

# (key, label, colour, dash pattern, marker); the colours and dashes are fixed attribute text.
SERIES = [
    ("vulnerability_pct", "Vulnerability", literal("#1d70b8"), literal(""), "circle"),
    ("prevention_pct", "Prevention", literal("#00703c"), literal("8 4"), "square"),
    ("preservation_pct", "Preservation", literal("#d4351c"), literal("2 3"), "triangle"),
    ("repeat_victim_check_pct", "Repeat victim check", literal("#4c2c92"), literal("12 3 2 3"), "diamond"),
]

CIRCLE = Template('<circle cx="{:.1f}" cy="{:.1f}" r="4.5" fill="{}"/>')
SQUARE = Template('<rect x="{:.1f}" y="{:.1f}" width="8" height="8" fill="{}"/>')
TRIANGLE = Template('<polygon points="{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}" fill="{}"/>')
DIAMOND = Template('<polygon points="{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}" fill="{}"/>')
GRID_LINE = Template('<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" stroke="#b1b4b6" stroke-width="1"/>')
TICK_LABEL = Template('<text x="{}" y="{:.1f}" text-anchor="end" font-size="12">{}</text>')
MONTH_LABEL = Template('<text x="{:.1f}" y="{}" text-anchor="middle" font-size="12">{:%b %Y}</text>')
AXIS_LABEL = Template('<text x="{}" y="{}" font-size="12">{}</text>')
TREND_OPEN = Template(
    '<svg class="app-chart" viewBox="0 0 {} {}" role="img" aria-labelledby="trend-title trend-desc" '
    'xmlns="http://www.w3.org/2000/svg" font-family="Arial, sans-serif">'
)
TREND_TITLE = literal(
    '<title id="trend-title">Trend of the four QA percentages by month</title>'
    '<desc id="trend-desc">Percentages good or outstanding for vulnerability, prevention and preservation, '
    "and the percentage with the repeat victim check done. The table above gives every figure.</desc>"
)
LINE = Template('<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"/>')
DASHED_LINE = Template('<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5" stroke-dasharray="{}"/>')
POINT = Template("{:.1f},{:.1f}")
END_LABEL = Template('<text x="{}" y="{:.1f}" font-size="12" fill="#0b0c0c">{}</text>')
LEGEND_LINE = Template('<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="2.5"/>')
DASHED_LEGEND_LINE = Template(
    '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="2.5" stroke-dasharray="{}"/>'
)
SVG_CLOSE = literal("</svg>")
BARS_OPEN = Template(
    '<svg class="app-chart" viewBox="0 0 {} {}" role="img" aria-labelledby="bars-title" '
    'xmlns="http://www.w3.org/2000/svg" font-family="Arial, sans-serif">'
    '<title id="bars-title">Calls assessed (graded sample items) by month</title>'
    '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#0b0c0c"/>'
)
# One month's bar, its number above and its month below.
BAR = Template(
    '<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="#505a5f"/>'
    '<text x="{:.1f}" y="{:.1f}" text-anchor="middle" font-size="12">{}</text>'
    '<text x="{:.1f}" y="{}" text-anchor="middle" font-size="12">{:%b %Y}</text>'
)


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span * index / (count - 1) if count > 1 else span / 2)


def _y(value: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / 100)


def _markers(kind: str, points: list[tuple[float, float]], colour: SafeString) -> SafeString:
    if kind == "circle":
        return CIRCLE.render_each((x, y, colour) for x, y in points)
    if kind == "square":
        return SQUARE.render_each((x - 4, y - 4, colour) for x, y in points)
    if kind == "triangle":
        return TRIANGLE.render_each((x, y - 5.5, x - 5, y + 4, x + 5, y + 4, colour) for x, y in points)
    return DIAMOND.render_each((x, y - 6, x + 5, y, x, y + 6, x - 5, y, colour) for x, y in points)


def _axes(rows: list[MonthlyFigures], *, top_label: str, ticks: list[tuple[float, str]]) -> list[SafeString]:
    parts = []
    for y, label in ticks:
        parts.append(GRID_LINE.render(LEFT, WIDTH - RIGHT, y, y))
        parts.append(TICK_LABEL.render(LEFT - 6, y + 4, label))
    for index, row in enumerate(rows):
        parts.append(MONTH_LABEL.render(_x(index, len(rows)), HEIGHT - BOTTOM + 18, row.month))
    parts.append(AXIS_LABEL.render(LEFT, TOP - 4, top_label))
    return parts


def trend(rows: list[MonthlyFigures]) -> SafeString:
    """The four percentages by month; a gap where a month has nothing graded."""
    parts = [
        TREND_OPEN.render(WIDTH, HEIGHT),
        TREND_TITLE,
        *_axes(rows, top_label="%", ticks=[(_y(v), str(v)) for v in (0, 25, 50, 75, 100)]),
    ]
    end_labels: list[tuple[float, str]] = []
    for key, label, colour, dash, marker in SERIES:
        values = [getattr(row, key) for row in rows]
        # Runs of months with a figure; a month with nothing graded breaks the line.
        segments: list[list[tuple[float, float]]] = [[]]
        for index, value in enumerate(values):
            if value is None:
                if segments[-1]:
                    segments.append([])
                continue
            segments[-1].append((_x(index, len(rows)), _y(float(value))))
        for seg in segments:
            if seg:
                points_attr = POINT.render_each(seg, " ")
                parts.append(
                    DASHED_LINE.render(points_attr, colour, dash) if dash else LINE.render(points_attr, colour)
                )
        parts.append(_markers(marker, [point for seg in segments for point in seg], colour))
        last = next((v for v in reversed(values) if v is not None), None)
        if last is not None:
            end_labels.append((_y(float(last)), f"{label} {last}"))
    # End labels, pushed apart so that close values do not overprint each other.
    placed: list[float] = []
    for y, text in sorted(end_labels):
        y = max(y, placed[-1] + 14) if placed else y
        placed.append(y)
        parts.append(END_LABEL.render(WIDTH - RIGHT + 12, y + 4, text))
    # A legend: the marker and line pattern of each series with its name.
    for position, (_, label, colour, dash, marker) in enumerate(SERIES):
        y = HEIGHT - 8
        x = LEFT + position * 150
        line = (x, x + 26, y - 4, y - 4, colour)
        parts.append(DASHED_LEGEND_LINE.render(*line, dash) if dash else LEGEND_LINE.render(*line))
        parts.append(_markers(marker, [(x + 13, y - 4)], colour))
        parts.append(AXIS_LABEL.render(x + 32, y, label))
    parts.append(SVG_CLOSE)
    return join(parts)


def bars(rows: list[MonthlyFigures]) -> SafeString:
    """Calls assessed by month, each bar labelled with its number."""
    top = max((row.calls_assessed for row in rows), default=0) or 1
    height = 220
    inner = height - TOP - BOTTOM
    width = WIDTH - RIGHT + 40
    step = (width - LEFT - 20) / max(len(rows), 1)
    bar_rows = []
    for index, row in enumerate(rows):
        bar_h = inner * row.calls_assessed / top
        x = LEFT + index * step + step * 0.2
        y = TOP + inner - bar_h
        label_x = x + step * 0.3
        bar_rows.append(
            (x, y, step * 0.6, bar_h, label_x, y - 4, row.calls_assessed, label_x, TOP + inner + 18, row.month)
        )
    return join(
        [
            BARS_OPEN.render(width, height, LEFT, width - 20, TOP + inner, TOP + inner),
            BAR.render_each(bar_rows),
            SVG_CLOSE,
        ]
    )
