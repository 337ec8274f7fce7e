"""Review issue 13, item 13: a supervisor's written feedback is for the handler (and the
team's supervisors), never for analysts: not on the dashboard's good-practice highlights,
the drill-down, the figures API or the exports."""

from datetime import date

import pytest
from django.utils.html import escape

from tests.qa.factories import closed_incident, drawn_sample, grade_items, grades, utc

pytestmark = pytest.mark.django_db

FEEDBACK = "Superb questioning of the caller about the ex-partner's threats."
RANGE = "from=2022-06&to=2022-06"


@pytest.fixture
def good_practice(handler, supervisor):
    closed_incident(handler=handler, closed_at=utc(2022, 6, 10, 12))
    sample = drawn_sample(supervisor=supervisor, month=date(2022, 6, 1))
    [review] = grade_items(list(sample.items.all()), supervisor, [grades(feedback=FEEDBACK, good_practice=True)])
    return review


def test_the_analysts_dashboard_names_good_practice_without_the_feedback(good_practice, analyst_client, handler):
    body = analyst_client.get(f"/qa/?{RANGE}&month=2022-06").content.decode()

    assert escape(handler.display_name) in body  # good practice is still credited
    assert "Superb questioning" not in body


def test_the_selector_behind_the_dashboard_carries_no_feedback(good_practice):
    from qa.selectors import QaFilters, month_highlights

    highlights = month_highlights(QaFilters(first=date(2022, 6, 1), last=date(2022, 6, 1)), month=date(2022, 6, 1))

    assert highlights["good_practice"]
    for entry in highlights["good_practice"]:
        fields = entry if isinstance(entry, dict) else vars(entry)
        assert FEEDBACK not in [str(value) for value in fields.values()]


@pytest.mark.parametrize(
    "url",
    [
        f"/qa/reviews/?{RANGE}&month=2022-06",
        f"/qa/compliance/?{RANGE}",
        f"/api/qa/monthly/?{RANGE}",
        f"/api/qa/compliance/?{RANGE}",
        f"/qa/export.csv?{RANGE}",
    ],
)
def test_no_other_analyst_route_carries_the_feedback(good_practice, analyst_client, url):
    response = analyst_client.get(url)

    assert response.status_code == 200
    assert "Superb questioning" not in response.content.decode()
