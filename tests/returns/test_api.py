"""API.md "Assessments": POST /api/assessments/{id}/return/ and GET /api/assessments/?returned_to=me."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from casework.services import assessment_record
from tests.factories import UserFactory, complete_answers, make_incident
from thrive.models import AssessmentReturn

pytestmark = pytest.mark.django_db

BODY = {"reason": "missing", "sections": ["prevention"], "feedback": "No prevention advice recorded."}


def url(assessment) -> str:
    return f"/api/assessments/{assessment.pk}/return/"


def test_return_answers_200_returned(api_client_for, supervisor, latest, handler):
    response = api_client_for(supervisor).post(url(latest), BODY, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "returned"
    assert body["id"] == latest.pk
    assert body["author"] == handler.username
    assert body["returned"]["sections"] == ["prevention"]
    assert body["returned"]["returned_by"] == supervisor.username


def test_return_without_credentials_is_401(latest):
    assert APIClient().post(url(latest), BODY, format="json").status_code == 401


@pytest.mark.parametrize("role", ["handler", "trainer", "analyst"])
def test_return_by_the_wrong_role_is_403(api_client_for, latest, role):
    response = api_client_for(UserFactory(**{role: True})).post(url(latest), BODY, format="json")
    assert response.status_code == 403


def test_return_by_another_teams_supervisor_is_403(api_client_for, other_supervisor, latest):
    assert api_client_for(other_supervisor).post(url(latest), BODY, format="json").status_code == 403
    assert not AssessmentReturn.objects.exists()


def test_return_of_an_unknown_assessment_is_404(api_client_for, supervisor):
    assert api_client_for(supervisor).post("/api/assessments/999999/return/", BODY, format="json").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reason": "nope"}, "reason"),
        ({"sections": ["tarot"]}, "sections"),
        ({"sections": "prevention"}, "sections"),
        ({"sections": []}, "sections"),
        ({"feedback": ""}, "feedback"),
        ({"reason": None}, "reason"),
    ],
)
def test_return_with_bad_input_is_400_naming_the_field(api_client_for, supervisor, latest, changes, field):
    response = api_client_for(supervisor).post(url(latest), {**BODY, **changes}, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_return_of_a_returned_draft_or_older_version_is_409(api_client_for, supervisor, handler, latest):
    client = api_client_for(supervisor)
    assert client.post(url(latest), BODY, format="json").status_code == 200
    again = client.post(url(latest), BODY, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_returned"

    incident = make_incident(handler=handler, assessed=True, versions=2)
    older = client.post(url(incident.assessments.get(version=1)), BODY, format="json")
    assert (older.status_code, older.json()["code"]) == (409, "not_latest_version")

    fresh = make_incident(handler=handler)
    draft = assessment_record(incident=fresh, author=handler, data={}, submit=False)
    refused = client.post(url(draft), BODY, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "assessment_not_submitted")


def test_the_returned_queue_lists_only_the_callers_open_returns(api_client_for, supervisor, handler, latest):
    api_client_for(supervisor).post(url(latest), BODY, format="json")
    someone_else = UserFactory(handler=True)
    theirs = make_incident(handler=someone_else, assessed=True)
    api_client_for(supervisor).post(url(theirs.assessments.get()), BODY, format="json")

    response = api_client_for(handler).get("/api/assessments/?returned_to=me")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["id"], row["status"], row["incident_reference"]) == (latest.pk, "returned", latest.incident.reference)
    assert row["returned"]["feedback"] == BODY["feedback"]

    # The revision clears it from the queue.
    assessment_record(incident=latest.incident, author=handler, data=complete_answers(), submit=True)
    assert api_client_for(handler).get("/api/assessments/?returned_to=me").json()["count"] == 0


def test_the_returned_queue_needs_returned_to_me_and_credentials(api_client_for, handler, trainer):
    assert api_client_for(handler).get("/api/assessments/").status_code == 400
    assert APIClient().get("/api/assessments/?returned_to=me").status_code == 401
    assert api_client_for(trainer).get("/api/assessments/?returned_to=me").status_code == 403


def test_the_returned_queue_costs_the_same_queries_however_long(api_client_for, supervisor, handler):
    client = api_client_for(handler)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/assessments/?returned_to=me").status_code == 200
        return len(ctx)

    for _ in range(2):
        incident = make_incident(handler=handler, assessed=True)
        api_client_for(supervisor).post(url(incident.assessments.get()), BODY, format="json")
    two = queries()
    for _ in range(3):
        incident = make_incident(handler=handler, assessed=True)
        api_client_for(supervisor).post(url(incident.assessments.get()), BODY, format="json")
    assert queries() == two
