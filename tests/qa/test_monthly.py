"""Rule 11 at the selector: hand-worked months, not-applicable left out, empty months null,
filters, the force's June column, and a query count independent of the data."""

from datetime import date
from decimal import Decimal

import pytest

from qa.models import Check, Grade
from qa.selectors import QaFilters, qa_monthly
from qa.services import review_record
from tests.factories import TeamFactory, UserFactory
from tests.qa.factories import WILTSHIRE_JUNE, closed_incident, drawn_sample, grades, utc, wiltshire_june

MAY, JUNE, JULY, AUGUST = date(2022, 5, 1), date(2022, 6, 1), date(2022, 7, 1), date(2022, 8, 1)
# One letter per grade keeps the hand-worked months readable.
G, O, RI, I, NA = Grade.GOOD, Grade.OUTSTANDING, Grade.REQUIRES_IMPROVEMENT, Grade.INADEQUATE, Grade.NOT_APPLICABLE  # noqa: E741
pytestmark = pytest.mark.django_db


def graded_month(supervisor, handler, month: date, grading: list[dict]) -> None:
    """Close one incident per grading in `month`, draw them all and grade them in order."""
    for day, _ in enumerate(grading, start=1):
        closed_incident(handler=handler, closed_at=utc(month.year, month.month, day, 12))
    items = list(
        drawn_sample(supervisor=supervisor, month=month, per_handler=len(grading)).items.order_by("incident__closed_at")
    )
    for item, data in zip(items, grading, strict=True):
        review_record(item=item, reviewer=supervisor, data=data)


def test_a_hand_worked_month(supervisor, handler):
    graded_month(
        supervisor,
        handler,
        JUNE,
        [
            grades(O, G, NA, Check.YES),
            grades(G, RI, G, Check.NO),
            grades(I, NA, RI, Check.NOT_APPLICABLE),
        ],
    )
    (june,) = qa_monthly(QaFilters(first=JUNE, last=JUNE))
    assert june.calls_assessed == 3
    assert june.vulnerability_pct == Decimal("66.7")  # 2 of 3
    assert june.prevention_pct == Decimal("50.0")  # 1 of 2: not applicable left out
    assert june.preservation_pct == Decimal("50.0")  # 1 of 2
    assert june.repeat_victim_check_pct == Decimal("50.0")  # yes 1 of 2
    assert june.as_api() == {
        "month": "2022-06",
        "calls_assessed": 3,
        "vulnerability_pct": 66.7,
        "prevention_pct": 50.0,
        "preservation_pct": 50.0,
        "repeat_victim_check_pct": 50.0,
    }


def test_one_in_eight_and_all_not_applicable(supervisor, handler):
    graded_month(
        supervisor,
        handler,
        JUNE,
        [grades(G, NA, NA, Check.NOT_APPLICABLE)] + [grades(RI, NA, NA, Check.NOT_APPLICABLE)] * 7,
    )
    (june,) = qa_monthly(QaFilters(first=JUNE, last=JUNE))
    assert june.vulnerability_pct == Decimal("12.5")
    assert june.prevention_pct is None  # every grade not applicable: nothing to divide
    assert june.repeat_victim_check_pct is None


def test_half_up_at_the_boundary(supervisor, handler):
    # 1 of 16 is 6.25%: half up gives 6.3 (half to even would give 6.2).
    graded_month(supervisor, handler, JUNE, [grades(G)] + [grades(I)] * 15)
    assert qa_monthly(QaFilters(first=JUNE, last=JUNE))[0].vulnerability_pct == Decimal("6.3")


def test_every_month_of_the_range_oldest_first_empty_ones_null(supervisor, handler):
    graded_month(supervisor, handler, JUNE, [grades()])
    graded_month(supervisor, handler, AUGUST, [grades(I)])
    rows = qa_monthly(QaFilters(first=MAY, last=AUGUST))
    assert [r.month for r in rows] == [MAY, JUNE, JULY, AUGUST]
    assert [r.calls_assessed for r in rows] == [0, 1, 0, 1]
    assert rows[0].as_api()["vulnerability_pct"] is None
    assert [r.vulnerability_pct for r in rows] == [None, 100, None, 0]


def test_team_and_handler_filters(supervisor, handler):
    other_handler = UserFactory(handler=True, team=supervisor.team)
    red = TeamFactory(name="Red Watch")
    red_supervisor = UserFactory(supervisor=True, team=red)
    red_handler = UserFactory(handler=True, team=red)
    closed_incident(handler=handler, closed_at=utc(2022, 6, 1, 12))
    closed_incident(handler=other_handler, closed_at=utc(2022, 6, 2, 12))
    closed_incident(handler=red_handler, closed_at=utc(2022, 6, 3, 12))
    for item in drawn_sample(supervisor=supervisor, month=JUNE).items.all():
        review_record(item=item, reviewer=supervisor, data=grades(G if item.handler == handler else I))
    for item in drawn_sample(supervisor=red_supervisor, month=JUNE).items.all():
        review_record(item=item, reviewer=red_supervisor, data=grades(I))

    def vulnerability(**filters) -> tuple:
        (row,) = qa_monthly(QaFilters(first=JUNE, last=JUNE, **filters))
        return row.calls_assessed, row.vulnerability_pct

    assert vulnerability() == (3, Decimal("33.3"))
    assert vulnerability(team=supervisor.team) == (2, Decimal("50.0"))
    assert vulnerability(team=red) == (1, Decimal("0.0"))
    assert vulnerability(handler=handler) == (1, Decimal("100.0"))
    assert vulnerability(team=red, handler=handler) == (0, None)


def test_the_forces_june_column(supervisor):
    """The seed's table: June 345 calls assessed, 49.1, 78.6, 70.2, 73.1 — from 345 graded
    items drawn and graded through the services (seven handlers, 50 per handler; one has
    only 45 eligible and gives all of them)."""
    wiltshire_june(supervisor)
    (row,) = qa_monthly(QaFilters(first=JUNE, last=JUNE))
    assert row.as_api() == WILTSHIRE_JUNE


@pytest.mark.parametrize("reviews", [1, 12])
def test_the_monthly_figures_cost_one_query_however_many_reviews(
    supervisor, handler, reviews, django_assert_num_queries
):
    graded_month(supervisor, handler, JUNE, [grades()] * reviews)
    filters = QaFilters(first=MAY, last=AUGUST, team=supervisor.team, handler=handler)
    with django_assert_num_queries(2):  # which months the summary answers for (none built), the aggregate
        rows = qa_monthly(filters)
    assert rows[1].calls_assessed == reviews
