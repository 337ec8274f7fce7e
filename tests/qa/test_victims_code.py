"""Rule 14's figures (qa.victims_code): a hand-worked June 2026 of victims of crime, per
month, team and handler, on the compliance page, through the API and in the exports."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from accounts.models import Team
from audit.models import AuditEvent
from qa.models import ExportRecord
from qa.selectors import QaFilters
from qa.victims_code import (
    victims_code_by_handler,
    victims_code_by_team,
    victims_code_figures,
    victims_code_monthly,
)
from tests.factories import TeamFactory, UserFactory, make_incident
from victims.models import Victim
from victims.services import victim_link
from victims.victims_code import victims_code_record

pytestmark = pytest.mark.django_db

JUNE = date(2026, 6, 1)
JULY = date(2026, 7, 1)
ALL = {"told_what_happens_next": "yes", "written_acknowledgement_offered": "yes", "support_information": "yes"}
QUERY = "?from=2026-06&to=2026-07"


def _victim(handler, *, category="burglary_dwelling", month=JUNE, answers=None):
    incident = make_incident(handler=handler, category=category)
    victim = victim_link(incident=incident, actor=handler, name="A Person", phone="07700 900123")
    if answers is not None:
        victims_code_record(victim=victim, actor=handler, **answers)
    Victim.objects.filter(pk=victim.pk).update(linked_month=month)  # as if linked that month
    return victim


@pytest.fixture
def june(db):
    """Blue Watch's Ann: 3 victims of crime in June, 2 with all three given, 1 unrecorded;
    Red Watch's Bob: 2 in June, 1 recorded with a "no" (not given), 1 all given; a victim of
    anti-social behaviour (not a crime) and one of July don't count in June."""
    blue = Team.objects.get_or_create(name="Blue Watch")[0]
    red = TeamFactory(name="Red Watch")
    ann = UserFactory(handler=True, username="ann", full_name="Ann Able", team=blue)
    bob = UserFactory(handler=True, username="bob", full_name="Bob Baker", team=red)
    _victim(ann, answers=ALL)
    _victim(ann, category="theft", answers=ALL)
    _victim(ann)
    _victim(bob, answers={**ALL, "told_what_happens_next": "no"})
    _victim(bob, category="domestic_abuse", answers=ALL)
    _victim(bob, category="asb")
    _victim(bob, month=JULY, answers=ALL)
    return ann, bob


def _filters(**params):
    return QaFilters.from_params({"from": "2026-06", "to": "2026-07", **params}, today=date(2026, 8, 15))


def test_per_month_the_share_of_victims_of_crime_with_all_three(june):
    june_row, july_row = victims_code_monthly(_filters())
    assert (june_row.key, june_row.victims_of_crime, june_row.recorded, june_row.all_given) == ("2026-06", 5, 4, 3)
    assert june_row.all_given_pct == Decimal("60.0")
    assert june_row.name == "June 2026"
    assert (july_row.victims_of_crime, july_row.all_given, july_row.all_given_pct) == (1, 1, Decimal("100.0"))


def test_per_team_and_per_handler_with_counts(june):
    teams = {
        row.name: (row.victims_of_crime, row.recorded, row.all_given, row.all_given_pct)
        for row in victims_code_by_team(_filters())
    }
    assert teams == {"Blue Watch": (3, 2, 2, Decimal("66.7")), "Red Watch": (3, 3, 2, Decimal("66.7"))}
    handlers = {row.name: (row.key, row.victims_of_crime, row.all_given) for row in victims_code_by_handler(_filters())}
    assert handlers == {"Ann Able": ("ann", 3, 2), "Bob Baker": ("bob", 3, 2)}


def test_the_filters_narrow_the_figures(june):
    (june_row, _) = victims_code_monthly(_filters(team="Red Watch"))
    assert (june_row.victims_of_crime, june_row.all_given) == (2, 1)
    (june_row, _) = victims_code_monthly(_filters(handler="ann"))
    assert (june_row.victims_of_crime, june_row.all_given) == (3, 2)


def test_a_month_without_victims_of_crime_has_no_percentage(db):
    (row,) = victims_code_monthly(QaFilters.from_params({"from": "2026-05", "to": "2026-05"}, today=date(2026, 8, 1)))
    assert (row.victims_of_crime, row.all_given_pct) == (0, None)


def test_the_figures_cost_the_same_queries_however_many_victims(june, django_assert_num_queries):
    # Which months the monthly summary answers for (qa.summary), an aggregate per breakdown
    # (counted live here: no month is built), the teams' and the handlers' names.
    filters = _filters()
    with django_assert_num_queries(6):
        victims_code_figures(filters)
    for _ in range(3):
        _victim(UserFactory(handler=True), answers=ALL)
    with django_assert_num_queries(6):
        victims_code_figures(filters)


def test_the_compliance_page_shows_the_code_by_month_team_and_handler(june, analyst, client_for):
    page = client_for(analyst).get("/qa/compliance/" + QUERY).content.decode()
    block = page.split('id="victims-code"')[1]
    assert "Victims' Code" in block.split("</h2>")[0] or "Victims' Code" in page
    for label in ("June 2026", "Blue Watch", "Red Watch", "Ann Able", "Bob Baker", "60.0%", "66.7%"):
        assert label in block, label
    assert "Victims of crime" in block
    assert "ann</th>" not in block  # names, not usernames


def test_the_api_gives_the_three_breakdowns(june, analyst, api_client_for):
    body = api_client_for(analyst).get("/api/qa/victims-code/" + QUERY).json()
    assert [row["key"] for row in body["months"]] == ["2026-06", "2026-07"]
    assert body["months"][0] == {
        "breakdown": "month",
        "key": "2026-06",
        "name": "June 2026",
        "victims_of_crime": 5,
        "recorded": 4,
        "all_given": 3,
        "all_given_pct": 60.0,
    }
    assert {row["key"] for row in body["teams"]} == {"Blue Watch", "Red Watch"}
    assert {row["key"] for row in body["handlers"]} == {"ann", "bob"}


def test_the_api_refuses_bad_filters_and_other_roles(june, handler, analyst, api_client_for, client):
    assert api_client_for(analyst).get("/api/qa/victims-code/?from=2026-13").status_code == 400
    assert api_client_for(handler).get("/api/qa/victims-code/").status_code == 403
    assert client.get("/api/qa/victims-code/").status_code == 401


def test_the_csv_has_a_line_per_month_team_and_handler_and_is_recorded(june, analyst, api_client_for):
    response = api_client_for(analyst).get("/qa/victims-code.csv" + QUERY)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    assert lines[0] == ["breakdown", "key", "name", "victims_of_crime", "recorded", "all_given", "all_given_pct"]
    assert lines[1] == ["month", "2026-06", "June 2026", "5", "4", "3", "60.0"]
    assert [line[0] for line in lines[1:]] == ["month", "month", "team", "team", "handler", "handler"]
    record = ExportRecord.objects.get(user=analyst)
    assert record.filters["table"] == "victims_code"
    assert AuditEvent.objects.filter(object_type="qa_export", object_id=str(record.pk)).exists()


def test_the_xlsx_has_a_victims_code_sheet_and_keeps_the_qa_sheet_as_it_was(june, analyst, api_client_for):
    response = api_client_for(analyst).get("/qa/export.xlsx" + QUERY)
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "QA monthly"
    sheet = book["Victims' Code"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["breakdown", "key", "name"]
    assert rows[1] == ["month", "2026-06", "June 2026", 5, 4, 3, 60.0]
    assert sheet.cell(2, 7).number_format == "0.0"


def test_the_qa_csv_keeps_api_md_columns(june, analyst, api_client_for):
    lines = list(csv.reader(io.StringIO(api_client_for(analyst).get("/qa/export.csv" + QUERY).content.decode())))
    assert "victims_of_crime" not in lines[0]
