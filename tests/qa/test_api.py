"""API.md "Quality assurance" to the letter, and the exports agreeing with it."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from qa.models import ExportRecord, Grade, Review, Sample
from qa.services import review_record
from tests.factories import TeamFactory, UserFactory
from tests.qa.factories import closed_incident, drawn_sample, grades, utc

JUNE = date(2022, 6, 1)
pytestmark = pytest.mark.django_db
COLUMNS = [
    "month",
    "calls_assessed",
    "vulnerability_pct",
    "prevention_pct",
    "preservation_pct",
    "repeat_victim_check_pct",
]


@pytest.fixture
def june_closed(handler):
    return [closed_incident(handler=handler, closed_at=utc(2022, 6, day, 12)) for day in (1, 2, 3, 4)]


def test_post_sample(api_client_for, supervisor, handler, june_closed):
    response = api_client_for(supervisor).post(
        "/api/qa/samples/", {"month": "2022-06", "per_handler": 3, "seed": 42}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["month"] == "2022-06"
    assert isinstance(body["id"], int)
    assert len(body["items"]) == 3
    item = body["items"][0]
    assert set(item) >= {"id", "incident_reference", "assessment_id", "handler"}
    assert item["handler"] == "handler"
    assert item["incident_reference"] in {i.reference for i in june_closed}
    again = api_client_for(supervisor).post("/api/qa/samples/", {"month": "2022-06", "seed": 1}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "sample_exists"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"month": "June"}, "month"),
        ({"month": "2022-13"}, "month"),
        ({}, "month"),
        ({"month": "2022-06", "per_handler": 0}, "per_handler"),
        ({"month": "2022-06", "seed": "x"}, "seed"),
        ({"month": "2022-06", "team": "Nowhere"}, "team"),
        ({"month": "2999-01"}, "month"),
    ],
)
def test_post_sample_bad_input_is_400_by_field(api_client_for, supervisor, payload, field):
    response = api_client_for(supervisor).post("/api/qa/samples/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_post_sample_roles(api_client_for, analyst, handler, supervisor):
    assert APIClient().post("/api/qa/samples/", {"month": "2022-06"}, format="json").status_code == 401
    for user in (analyst, handler):
        assert api_client_for(user).post("/api/qa/samples/", {"month": "2022-06"}, format="json").status_code == 403
    TeamFactory(name="Red Watch")
    other_team = api_client_for(supervisor).post(
        "/api/qa/samples/", {"month": "2022-06", "team": "Red Watch"}, format="json"
    )
    assert other_team.status_code == 403
    assert not Sample.objects.exists()


def test_post_review(api_client_for, supervisor, june_closed):
    item = drawn_sample(supervisor=supervisor, month=JUNE).items.first()
    payload = {
        "sample_item": item.pk,
        "vulnerability": "good",
        "prevention": "outstanding",
        "preservation": "not_applicable",
        "repeat_victim_check": "yes",
        "feedback": "Well done.",
        "good_practice": True,
    }
    client = api_client_for(supervisor)
    response = client.post("/api/qa/reviews/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["sample_item"] == item.pk
    assert response.json()["version"] == 1
    second = client.post("/api/qa/reviews/", payload, format="json")
    assert second.status_code == 409
    assert second.json()["code"] == "already_reviewed"
    assert Review.objects.count() == 1


def test_post_review_bad_input_and_roles(api_client_for, supervisor, analyst, june_closed):
    item = drawn_sample(supervisor=supervisor, month=JUNE).items.first()
    good = {**grades(), "sample_item": item.pk}
    client = api_client_for(supervisor)
    assert set(client.post("/api/qa/reviews/", {**good, "vulnerability": "fine"}, format="json").json()) == {
        "vulnerability"
    }
    assert "sample_item" in client.post("/api/qa/reviews/", {**good, "sample_item": 999999}, format="json").json()
    assert client.post("/api/qa/reviews/", {**good, "themes": [999]}, format="json").status_code == 400
    assert APIClient().post("/api/qa/reviews/", good, format="json").status_code == 401
    assert api_client_for(analyst).post("/api/qa/reviews/", good, format="json").status_code == 403
    # Another team's supervisor gets the same answer as for an id that does not exist, so the
    # API does not tell which ids are real.
    outsider = api_client_for(UserFactory(supervisor=True, team=TeamFactory(name="Red Watch")))
    theirs = outsider.post("/api/qa/reviews/", good, format="json")
    unknown = outsider.post("/api/qa/reviews/", {**good, "sample_item": 999999}, format="json")
    assert (theirs.status_code, theirs.json()) == (400, unknown.json())
    assert unknown.json()["sample_item"] == ["There is no sample item with this id in a sample you grade"]
    assert not Review.objects.exists()


@pytest.fixture
def graded_june(supervisor, june_closed):
    items = list(drawn_sample(supervisor=supervisor, month=JUNE).items.order_by("id"))
    for item, data in zip(
        items, [grades(), grades(Grade.INADEQUATE), grades(Grade.GOOD, Grade.NOT_APPLICABLE)], strict=True
    ):
        review_record(item=item, reviewer=supervisor, data=data)


def test_get_monthly(api_client_for, analyst, graded_june):
    response = api_client_for(analyst).get("/api/qa/monthly/?from=2022-05&to=2022-07")
    assert response.status_code == 200
    assert response.json() == [
        {
            "month": "2022-05",
            "calls_assessed": 0,
            "vulnerability_pct": None,
            "prevention_pct": None,
            "preservation_pct": None,
            "repeat_victim_check_pct": None,
        },
        {
            "month": "2022-06",
            "calls_assessed": 3,
            "vulnerability_pct": 66.7,
            "prevention_pct": 100.0,
            "preservation_pct": 100.0,
            "repeat_victim_check_pct": 100.0,
        },
        {
            "month": "2022-07",
            "calls_assessed": 0,
            "vulnerability_pct": None,
            "prevention_pct": None,
            "preservation_pct": None,
            "repeat_victim_check_pct": None,
        },
    ]
    assert list(response.json()[0]) == COLUMNS


def test_get_monthly_filters_and_errors(api_client_for, analyst, supervisor, handler, graded_june):
    client = api_client_for(analyst)
    by_team = client.get("/api/qa/monthly/?from=2022-06&to=2022-06&team=Blue Watch&handler=handler").json()
    assert by_team[0]["calls_assessed"] == 3
    assert client.get("/api/qa/monthly/?from=2022-06&to=2022-06&handler=nobody").status_code == 400
    assert set(client.get("/api/qa/monthly/?from=2022-6&to=x").json()) == {"from", "to"}
    assert "to" in client.get("/api/qa/monthly/?from=2022-07&to=2022-06").json()
    assert "to" in client.get("/api/qa/monthly/?from=2000-01&to=2022-06").json()
    assert api_client_for(supervisor).get("/api/qa/monthly/?from=2022-06&to=2022-06").status_code == 200
    assert api_client_for(handler).get("/api/qa/monthly/").status_code == 403
    assert APIClient().get("/api/qa/monthly/").status_code == 401


def test_exports_match_the_api(api_client_for, analyst, graded_june):
    client = api_client_for(analyst)
    query = "?from=2022-05&to=2022-07&team=Blue Watch"
    api_rows = client.get("/api/qa/monthly/" + query).json()

    csv_response = client.get("/qa/export.csv" + query)
    assert csv_response.status_code == 200
    assert csv_response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(csv_response.content.decode())))
    assert lines[0] == COLUMNS
    expected = [["" if row[c] is None else str(row[c]) for c in COLUMNS] for row in api_rows]
    assert lines[1:] == expected

    xlsx_response = client.get("/qa/export.xlsx" + query)
    assert xlsx_response.status_code == 200
    book = load_workbook(io.BytesIO(xlsx_response.content))
    sheet = book["QA monthly"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == COLUMNS
    assert values[1:] == [[row[c] for c in COLUMNS] for row in api_rows]
    assert sheet.cell(3, 3).number_format == "0.0"
    assert {r.format for r in ExportRecord.objects.filter(user=analyst)} == {"csv", "xlsx"}
    assert ExportRecord.objects.first().filters == {"from": "2022-05", "to": "2022-07", "team": "Blue Watch"}


def test_exports_refuse_anonymous_wrong_role_and_bad_filters(api_client_for, handler, analyst):
    assert APIClient().get("/qa/export.csv").status_code == 401
    assert api_client_for(handler).get("/qa/export.xlsx").status_code == 403
    assert api_client_for(analyst).get("/qa/export.csv?from=bad").status_code == 400
    assert not ExportRecord.objects.exists()
