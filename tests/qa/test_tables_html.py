"""The analysts' figure tables drawn in Python (qa.tables_html): what the analyst reads in each
cell, the drill-down links, the dashes, and every name escaped."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from qa.models import Grade
from qa.rules import MonthlyFigures
from qa.services import review_record
from qa.tables_html import compliance_table, qa_monthly_table, victims_code_body
from qa.victims_code import CodeFigures
from tests.qa.factories import closed_incident, drawn_sample, grades, utc

HOSTILE = '<script>alert("x")</script> & Co'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co"

MAY = MonthlyFigures(date(2022, 5, 1), 0, None, None, None, None)
JUNE = MonthlyFigures(date(2022, 6, 1), 4, Decimal("75.0"), None, Decimal("100.0"), Decimal("50.0"))


def _line(html: str, measure: str) -> str:
    return html.split(f'data-measure="{measure}"')[1].split("</tr>")[0]


def test_each_figure_links_to_the_reviews_behind_it():
    html = qa_monthly_table([MAY, JUNE], "Performance trends", drill="from=2022-05&to=2022-06")
    vulnerability = _line(html, "vulnerability_pct")
    assert (
        '<td class="govuk-table__cell govuk-table__cell--numeric" data-month="2022-06"><a class="govuk-link" '
        f'href="{reverse("qa:drilldown")}?from=2022-05&amp;to=2022-06&amp;month=2022-06&amp;measure=vulnerability'
        '&amp;outcome=good">75.0<span class="govuk-visually-hidden">: show the reviews behind Good / outstanding '
        "vulnerability assessment (%), June 2022</span></a></td>"
    ) in vulnerability
    # Calls assessed links to the month's reviews, whatever their grades.
    calls = _line(html, "calls_assessed")
    assert 'month=2022-06">4<' in calls
    assert "measure=" not in calls


def test_a_measure_with_nothing_graded_is_a_dash_that_says_so():
    html = qa_monthly_table([MAY, JUNE], "Performance trends", drill="from=2022-05&to=2022-06")
    prevention = _line(html, "prevention_pct")
    assert prevention.count('<span aria-hidden="true">–</span><span class="govuk-visually-hidden">no graded items') == 2
    assert "<a " not in prevention


def test_without_a_drill_down_the_figures_are_plain():
    html = qa_monthly_table([JUNE], "QA figures, last six months, all teams")
    assert "<a " not in html
    assert 'data-month="2022-06">100.0</td>' in _line(html, "preservation_pct")
    assert 'Jun<br><span class="govuk-body-s">2022</span>' in html


def test_names_and_captions_are_escaped():
    assert ESCAPED in qa_monthly_table([JUNE], HOSTILE)
    html = compliance_table([JUNE], [(HOSTILE, [1], False), ("Exempt: " + HOSTILE, [None], True)])
    assert HOSTILE not in html
    assert f'<th scope="row" class="govuk-table__header">{ESCAPED}</th>' in html
    assert f'<th scope="row" class="govuk-table__header govuk-!-font-weight-regular">Exempt: {ESCAPED}</th>' in html
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">–</td>' in html
    body = victims_code_body([CodeFigures("handler", "x", HOSTILE, 3, 2, 1)])
    assert ESCAPED in body
    assert HOSTILE not in body
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">33.3%</td>' in body


def test_a_victims_code_table_with_nobody_says_so():
    assert "No victims of crime in these months." in victims_code_body([])
    body = victims_code_body([CodeFigures("month", "2026-06", "June 2026", 0, 0, 0)])
    assert body.endswith('<td class="govuk-table__cell govuk-table__cell--numeric">–</td>\n</tr>\n')


@pytest.mark.django_db
def test_the_dashboard_draws_the_table_with_its_filters_in_each_link(analyst_client, supervisor, handler):
    closed_incident(handler=handler, closed_at=utc(2022, 6, 2, 12))
    item = drawn_sample(supervisor=supervisor, month=date(2022, 6, 1)).items.get()
    review_record(item=item, reviewer=supervisor, data=grades(prevention=Grade.NOT_APPLICABLE))
    body = analyst_client.get(reverse("qa:dashboard"), {"from": "2022-05", "to": "2022-06"}).content.decode()
    table = body.split('id="qa-monthly"')[1].split("</table>")[0]
    assert "?from=2022-05&amp;to=2022-06&amp;month=2022-06&amp;measure=vulnerability&amp;outcome=good" in table
    assert 'data-month="2022-05"><span aria-hidden="true">–</span>' in _line(table, "vulnerability_pct")
    assert 'data-month="2022-06"><span aria-hidden="true">–</span>' in _line(table, "prevention_pct")
