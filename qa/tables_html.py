"""The analysts' figure tables (the QA table, the exemption audit, compliance and the Victims'
Code), built in Python with markup.Template, which escapes every value it is given.

Months across and a figure in each cell: a year's table is a hundred cells, each a template
lookup, a localised number and, on the QA table, a drill-down URL and a date filter. Drawn by
template tags they were most of the QA dashboard's and the compliance page's CPU at force
scale (docs/BENCHMARKS.md, issue 18). The markup is what the template partials drew.
"""

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.safestring import SafeString

from markup import Template, join, literal
from qa.rules import COLUMNS, MonthlyFigures

_HEAD = '<th scope="col" class="govuk-table__header govuk-table__header--numeric">'
# The QA table's month heading breaks the year onto a line of its own; the others keep it inline.
QA_MONTH_HEAD = Template(_HEAD + '{:%b}<br><span class="govuk-body-s">{:%Y}</span></th>')
MONTH_HEAD = Template(_HEAD + '{:%b} <span class="govuk-body-s">{:%Y}</span></th>')
ROW_HEAD = Template('<th scope="row" class="govuk-table__header">{}</th>')
BREAKDOWN_HEAD = Template('<th scope="row" class="govuk-table__header govuk-!-font-weight-regular">{}</th>')
CELL = Template('<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>')
DASH = literal("–")

QA_LINE = Template('<tr class="govuk-table__row" data-measure="{}">\n{}{}\n</tr>\n')
QA_CELL = Template('<td class="govuk-table__cell govuk-table__cell--numeric" data-month="{}">{}</td>')
QA_NONE = literal('<span aria-hidden="true">–</span><span class="govuk-visually-hidden">no graded items</span>')
QA_DRILL = Template(
    '<a class="govuk-link" href="{}?{}&amp;month={}{}">{}'
    '<span class="govuk-visually-hidden">: show the reviews behind {}, {:%B %Y}</span></a>'
)
QA_MEASURE = Template("&amp;measure={}&amp;outcome=good")
QA_TABLE = Template(
    '<div class="app-table-scroll">\n<table class="govuk-table app-qa-table" id="qa-monthly">\n'
    '<caption class="govuk-table__caption govuk-table__caption--m">{}</caption>\n'
    '<thead class="govuk-table__head">\n<tr class="govuk-table__row">\n'
    '<th scope="col" class="govuk-table__header">Measure</th>\n{}\n</tr>\n</thead>\n'
    '<tbody class="govuk-table__body">\n{}</tbody>\n</table>\n</div>'
)

LINE = Template('<tr class="govuk-table__row">\n{}\n{}\n</tr>\n')
# A table of measures down and months across, in a region that scrolls sideways.
MONTHS_TABLE = Template(
    '<div class="app-table-scroll" role="region" aria-label="{}" tabindex="0">\n<table class="govuk-table"{}>\n'
    '<caption class="govuk-table__caption govuk-table__caption--m">{}</caption>\n'
    '<thead class="govuk-table__head">\n<tr class="govuk-table__row">\n'
    '<th scope="col" class="govuk-table__header">Measure</th>\n{}\n</tr>\n</thead>\n'
    '<tbody class="govuk-table__body">\n{}</tbody>\n</table>\n</div>'
)
EXEMPTION_ID = literal(' id="exemption-audit"')
NO_ID = literal("")


def _cell(value: Any) -> SafeString:
    return CELL.render(DASH if value is None else value)


def qa_monthly_table(rows: Sequence[MonthlyFigures], caption: str, drill: str | None = None) -> SafeString:
    """The QA figures as the force's published table reads: a line per measure, months across.
    `drill`, the dashboard's query string, links each figure to the reviews behind it."""
    url = reverse("qa:drilldown") if drill else ""
    heads = QA_MONTH_HEAD.render_each((row.month, row.month) for row in rows)
    lines = []
    for key, label in COLUMNS:
        if key == "month":
            continue
        measure_part = "" if key == "calls_assessed" else QA_MEASURE.render(key.removesuffix("_pct"))
        cells = []
        for row in rows:
            value = getattr(row, key)
            if value is None:
                content = QA_NONE
            elif drill:
                content = QA_DRILL.render(url, drill, row.month_label, measure_part, value, label, row.month)
            else:
                content = value
            cells.append(QA_CELL.render(row.month_label, content))
        lines.append(QA_LINE.render(key, ROW_HEAD.render(label), join(cells)))
    return QA_TABLE.render(caption, heads, join(lines))


def months_table(
    months: Iterable[date],
    lines: Iterable[tuple[str, Sequence[Any], bool]],
    *,
    caption: str,
    region: str,
    table_id: SafeString = NO_ID,
) -> SafeString:
    """Measures down, months across: `lines` are (label, a value per month, a breakdown line?),
    a breakdown line's label in regular weight under the line it breaks down; None is a dash."""
    heads = MONTH_HEAD.render_each((month, month) for month in months)
    body = join(
        LINE.render((BREAKDOWN_HEAD if breakdown else ROW_HEAD).render(label), join([_cell(v) for v in cells]))
        for label, cells, breakdown in lines
    )
    return MONTHS_TABLE.render(region, table_id, caption, heads, body)


def exemption_table(rows: Sequence[Any], table: Iterable[tuple[str, Sequence[Any]]]) -> SafeString:
    """The exemption audit's months (qa.exemptions), apart from the QA measures."""
    return months_table(
        [row.month for row in rows],
        ((label, cells, False) for label, cells in table),
        caption="Exemption audit",
        region="Exemption audit by month",
        table_id=EXEMPTION_ID,
    )


def compliance_table(rows: Sequence[Any], table: Iterable[tuple[str, Sequence[Any], bool]]) -> SafeString:
    """Compliance over every incident (qa.compliance), each exempt code under the exempt share."""
    return months_table([row.month for row in rows], table, caption="Compliance by month", region="Compliance by month")


CODE_LINE = Template(
    '<tr class="govuk-table__row">\n<th scope="row" class="govuk-table__header">{}</th>\n'
    '<td class="govuk-table__cell govuk-table__cell--numeric">{:d}</td>\n'
    '<td class="govuk-table__cell govuk-table__cell--numeric">{:d}</td>\n'
    '<td class="govuk-table__cell govuk-table__cell--numeric">{:d}</td>\n'
    '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>\n</tr>\n'
)
CODE_EMPTY = literal(
    '<tr class="govuk-table__row"><td class="govuk-table__cell" colspan="5">'
    "No victims of crime in these months.</td></tr>\n"
)
PERCENT = Template("{}%")


def victims_code_body(lines: Sequence[Any]) -> SafeString:
    """The rows of one of the Victims' Code tables (qa.victims_code.CodeFigures)."""
    if not lines:
        return CODE_EMPTY
    return CODE_LINE.render_each(
        (
            line.name,
            line.victims_of_crime,
            line.recorded,
            line.all_given,
            DASH if (pct := line.all_given_pct) is None else PERCENT.render(pct),
        )
        for line in lines
    )
