"""The API routes casework composes (casework/api.py), to the letter of API.md: an
incident's detail, closing it (rule 1), recording its assessments and reading one."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from casework.services import assessment_record
from incidents.models import Status
from tests.factories import UserFactory, complete_answers, make_incident
from thrive.models import Assessment


@pytest.fixture
def api(handler, api_client_for):
    return api_client_for(handler)


# --- GET /api/incidents/{reference}/ -------------------------------------------------------------


def test_detail_has_status_assessments_newest_last_victims_texts_and_due(api, handler):
    incident = make_incident(handler=handler, assessed=True, versions=2)
    body = api.get(f"/api/incidents/{incident.reference}/").json()
    assert body["reference"] == incident.reference
    assert body["status"] == "open"
    assert body["victims"] == [] or isinstance(body["victims"], list)
    assert isinstance(body["texts"], list)
    assert body["rethrive_due_at"] is not None
    assert [a["version"] for a in body["assessments"]] == [1, 2]
    for item in body["assessments"]:
        assert item["status"] == "submitted"
        assert item["author"] == handler.username
        assert item["submitted_at"]


def test_detail_of_an_unknown_reference_is_404(api):
    assert api.get("/api/incidents/999999-9999/").status_code == 404


def test_detail_is_forbidden_to_an_analyst(api_client_for, handler):
    incident = make_incident(handler=handler)
    response = api_client_for(UserFactory(analyst=True)).get(f"/api/incidents/{incident.reference}/")
    assert response.status_code == 403


# --- POST /api/incidents/{reference}/close/ ------------------------------------------------------


def test_close_answers_200_closed(api, handler):
    incident = make_incident(handler=handler, assessed=True)
    response = api.post(
        f"/api/incidents/{incident.reference}/close/", {"closure_code": "crime_recorded"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert response.json()["closure_code"] == "crime_recorded"


def test_close_without_an_assessment_is_409_assessment_required(api, handler):
    incident = make_incident(handler=handler)
    response = api.post(
        f"/api/incidents/{incident.reference}/close/", {"closure_code": "crime_recorded"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "assessment_required"
    assert response.json()["detail"]
    incident.refresh_from_db()
    assert incident.status == Status.OPEN


def test_close_twice_is_409_already_closed(api, handler):
    incident = make_incident(handler=handler, closed=True)
    response = api.post(
        f"/api/incidents/{incident.reference}/close/", {"closure_code": "crime_recorded"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "already_closed"


def test_an_exempt_close_needs_the_exemption_reason(api, handler):
    incident = make_incident(handler=handler)
    response = api.post(f"/api/incidents/{incident.reference}/close/", {"closure_code": "duplicate"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["exemption_reason"]


def test_an_exempt_close_with_a_reason_closes_without_an_assessment(api, handler):
    incident = make_incident(handler=handler)
    response = api.post(
        f"/api/incidents/{incident.reference}/close/",
        {"closure_code": "duplicate", "exemption_reason": "Same as the call before"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "closed"


@pytest.mark.parametrize("when", ["future", "before_assessment"])
def test_close_times_out_of_order_are_400_naming_closed_at(api, handler, when):
    incident = make_incident(handler=handler, assessed=True)
    submitted = incident.assessments.get().submitted_at
    closed_at = timezone.now() + timedelta(hours=1) if when == "future" else submitted - timedelta(minutes=1)
    response = api.post(
        f"/api/incidents/{incident.reference}/close/",
        {"closure_code": "crime_recorded", "closed_at": closed_at.isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["closed_at"]


def test_close_with_an_unknown_code_is_400(api, handler):
    incident = make_incident(handler=handler, assessed=True)
    response = api.post(f"/api/incidents/{incident.reference}/close/", {"closure_code": "nope"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["closure_code"]


def test_close_of_an_unknown_incident_is_404(api):
    response = api.post("/api/incidents/010101-0001/close/", {"closure_code": "crime_recorded"}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [[1, 2], "closed", {"closure_code": ["crime_recorded"]}, {"closure_code": {"x": 1}}, {"closed_at": 5}],
)
def test_close_never_500s_on_junk(api, handler, body):
    incident = make_incident(handler=handler, assessed=True)
    response = api.post(f"/api/incidents/{incident.reference}/close/", body, format="json")
    assert response.status_code == 400


def test_close_is_forbidden_to_an_analyst(api_client_for, handler):
    incident = make_incident(handler=handler, assessed=True)
    response = api_client_for(UserFactory(analyst=True)).post(
        f"/api/incidents/{incident.reference}/close/", {"closure_code": "crime_recorded"}, format="json"
    )
    assert response.status_code == 403


# --- POST /api/incidents/{reference}/assessments/ ----------------------------------------------


def _post_assessment(api, incident, body):
    return api.post(f"/api/incidents/{incident.reference}/assessments/", body, format="json")


def test_a_complete_assessment_is_201_submitted(api, handler):
    incident = make_incident(handler=handler)
    response = _post_assessment(api, incident, {"submit": True, **complete_answers()})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "submitted"
    assert body["version"] == 1
    assert body["prompt_set_version"] == 1
    assert Assessment.objects.get(pk=body["id"]).is_submitted


def test_submit_defaults_to_true(api, handler):
    incident = make_incident(handler=handler)
    response = _post_assessment(api, incident, complete_answers())
    assert response.status_code == 201
    assert response.json()["status"] == "submitted"


def test_submit_false_keeps_a_draft_with_nothing_required(api, handler):
    incident = make_incident(handler=handler)
    response = _post_assessment(api, incident, {"submit": False})
    assert response.status_code == 201
    assert response.json()["status"] == "draft"
    assert response.json()["version"] == 1


def test_an_incomplete_submission_is_400_keyed_by_section_names(api, handler):
    incident = make_incident(handler=handler)
    body = complete_answers(threat="", scene_preservation={"csi_required": ""}, prevention={"advice": ""})
    response = _post_assessment(api, incident, {"submit": True, **body})
    assert response.status_code == 400
    assert set(response.json()) == {"threat", "scene_preservation", "prevention"}
    assert not incident.assessments.exists()


def test_an_empty_submission_names_every_section(api, handler):
    incident = make_incident(handler=handler)
    response = _post_assessment(api, incident, {"submit": True})
    assert response.status_code == 400
    assert {
        "threat",
        "harm",
        "risk",
        "investigation",
        "vulnerability",
        "engagement",
        "risk_level",
        "grading",
        "rationale",
        "scene_preservation",
        "prevention",
    } <= set(response.json())


def test_children_involved_without_the_voice_of_the_child_is_400(api, handler):
    incident = make_incident(handler=handler)
    response = _post_assessment(api, incident, complete_answers(children_involved=True, voice_of_child=""))
    assert response.status_code == 400
    assert list(response.json()) == ["voice_of_child"]


def test_posting_again_makes_the_next_version(api, handler):
    incident = make_incident(handler=handler)
    first = _post_assessment(api, incident, complete_answers()).json()
    second = _post_assessment(api, incident, complete_answers(threat="Changed")).json()
    assert (first["version"], second["version"]) == (1, 2)
    assert Assessment.objects.get(pk=first["id"]).answers["threat"] != "Changed"


def test_submitted_at_out_of_order_is_400_naming_it(api, handler):
    incident = make_incident(handler=handler)
    before = (incident.opened_at - timedelta(minutes=1)).isoformat()
    response = _post_assessment(api, incident, {**complete_answers(), "submitted_at": before})
    assert response.status_code == 400
    assert list(response.json()) == ["submitted_at"]
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    response = _post_assessment(api, incident, {**complete_answers(), "submitted_at": future})
    assert response.status_code == 400
    assert list(response.json()) == ["submitted_at"]


def test_an_assessment_on_a_closed_incident_is_409(api, handler):
    incident = make_incident(handler=handler, closed=True)
    response = _post_assessment(api, incident, complete_answers())
    assert response.status_code == 409
    assert response.json()["code"] == "already_closed"


def test_an_assessment_for_an_unknown_incident_is_404(api):
    assert api.post("/api/incidents/010101-0001/assessments/", complete_answers(), format="json").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        [1, 2, 3],
        "a string",
        {"submit": "perhaps"},
        {"submit": False, "children_involved": "sometimes"},
        {"submit": False, "scene_preservation": "all fine"},
        {"submit": False, "prevention": "leaflet"},
        {"submit": False, "prevention": {"send_link": "maybe"}},
        {"submit": False, "threat": {"nested": "object"}},
        {"submit": False, "threat": ["a", "list"]},
        {"submit": False, "risk_level": 7},
        {"submit": True, **complete_answers(scene_preservation="yes")},
        {"submit": True, **complete_answers(prevention=None)},
        {"submit": False, "submitted_at": "soonish"},
    ],
)
def test_assessments_never_500_on_junk(api, handler, body):
    incident = make_incident(handler=handler)
    response = _post_assessment(api, incident, body)
    assert response.status_code == 400, response.content


def test_assessments_are_forbidden_to_a_trainer(api_client_for, handler):
    incident = make_incident(handler=handler)
    response = api_client_for(UserFactory(trainer=True)).post(
        f"/api/incidents/{incident.reference}/assessments/", complete_answers(), format="json"
    )
    assert response.status_code == 403


def test_assessments_need_authentication(handler):
    incident = make_incident(handler=handler)
    response = APIClient().post(f"/api/incidents/{incident.reference}/assessments/", complete_answers(), format="json")
    assert response.status_code == 401


# --- GET /api/assessments/{id}/ -----------------------------------------------------------------


def test_an_assessment_reads_with_its_answers_and_wording(api, handler):
    incident = make_incident(handler=handler)
    assessment = assessment_record(incident=incident, author=handler, data=complete_answers(), submit=True)
    response = api.get(f"/api/assessments/{assessment.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 1
    assert body["status"] == "submitted"
    assert body["answers"]["threat"] == complete_answers()["threat"]
    assert body["answers"]["scene_preservation"]["forensic_opportunities"] == "yes"
    keys = [section["key"] for section in body["prompts"]]
    assert keys[:6] == ["threat", "harm", "risk", "investigation", "vulnerability", "engagement"]
    assert body["prompts"][0]["prompts"][0]["label"] == "What is the threat?"


def test_an_unknown_assessment_is_404(api):
    assert api.get("/api/assessments/999999/").status_code == 404


def test_an_assessment_is_forbidden_to_an_analyst(api_client_for, handler):
    assessment = make_incident(handler=handler, assessed=True).assessments.get()
    assert api_client_for(UserFactory(analyst=True)).get(f"/api/assessments/{assessment.pk}/").status_code == 403
