"""The incident list and creation API (incidents/api.py), to the letter of API.md. The
routes that compose an incident with its assessments (detail, close, assessments) are
casework's: tests/casework/test_api.py."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from incidents.models import Incident
from tests.casework.test_api import _post_assessment
from tests.factories import UserFactory, make_incident

NEW_INCIDENT = {
    "channel": "999",
    "category": "domestic_abuse",
    "grading": "immediate",
    "summary": "Caller says her ex-partner is outside.",
    "location": "2 Low Road",
}


@pytest.fixture
def api(handler, api_client_for):
    return api_client_for(handler)


def _time(text: str):
    parsed = datetime.fromisoformat(text)
    assert parsed.tzinfo is not None, "times carry their offset"
    return parsed


# --- POST /api/incidents/ ------------------------------------------------------------------------


def test_create_answers_201_with_the_documented_fields(api, handler):
    response = api.post("/api/incidents/", NEW_INCIDENT, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "open"
    assert body["handler"] == handler.username
    incident = Incident.objects.get(reference=body["reference"])
    assert _time(body["opened_at"]) == incident.opened_at
    assert _time(body["rethrive_due_at"]) == incident.rethrive_due_at
    assert incident.rethrive_due_at - incident.opened_at == timedelta(hours=3, minutes=30)


def test_create_keeps_the_time_a_cad_system_sends(api):
    opened = (timezone.now() - timedelta(minutes=20)).replace(microsecond=0)
    response = api.post("/api/incidents/", {**NEW_INCIDENT, "opened_at": opened.isoformat()}, format="json")
    assert response.status_code == 201
    assert Incident.objects.get(reference=response.json()["reference"]).opened_at == opened


def test_a_supervisor_may_create(supervisor, api_client_for):
    assert api_client_for(supervisor).post("/api/incidents/", NEW_INCIDENT, format="json").status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "alien_abduction"}, "category"),
        ({"grading": "whenever"}, "grading"),
        ({"channel": "pigeon"}, "channel"),
        ({"summary": "x" * 2001}, "summary"),
        ({"opened_at": (timezone.now() + timedelta(days=1)).isoformat()}, "opened_at"),
        ({"opened_at": "yesterday-ish"}, "opened_at"),
        ({"summary": None}, "summary"),
    ],
)
def test_create_refuses_bad_input_with_400_keyed_by_field(api, change, field):
    response = api.post("/api/incidents/", {**NEW_INCIDENT, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Incident.objects.exists()


def test_create_refuses_a_future_opened_at_sent_as_a_fresh_time(api):
    future = (timezone.now() + timedelta(minutes=10)).isoformat()
    response = api.post("/api/incidents/", {**NEW_INCIDENT, "opened_at": future}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["opened_at"]


@pytest.mark.parametrize("role", ["trainer", "analyst"])
def test_create_is_forbidden_to_trainers_and_analysts(role, api_client_for):
    user = UserFactory(**{role: True})
    response = api_client_for(user).post("/api/incidents/", NEW_INCIDENT, format="json")
    assert response.status_code == 403


def test_anonymous_gets_401(db):
    client = APIClient()
    assert client.post("/api/incidents/", NEW_INCIDENT, format="json").status_code == 401
    assert client.get("/api/incidents/").status_code == 401


def test_a_bad_token_gets_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/incidents/").status_code == 401


@pytest.mark.parametrize("body", [[1, 2, 3], "just a string", 42, None])
def test_create_never_500s_on_junk_bodies(api, body):
    response = api.post("/api/incidents/", body, format="json")
    assert response.status_code == 400


def test_create_never_500s_on_broken_json(api):
    response = api.post("/api/incidents/", "{not json", content_type="application/json")
    assert response.status_code == 400


# --- GET /api/incidents/ ---------------------------------------------------------------------------


def test_the_list_is_paginated(api, handler):
    for _ in range(3):
        make_incident(handler=handler)
    body = api.get("/api/incidents/").json()
    assert set(body) >= {"count", "next", "previous", "results"}
    assert body["count"] == 3
    assert body["next"] is None
    assert body["previous"] is None
    assert {"reference", "status", "opened_at", "handler", "rethrive_due_at"} <= set(body["results"][0])


def test_the_list_has_a_next_page_past_fifty(api, handler):
    for _ in range(51):
        make_incident(handler=handler)
    body = api.get("/api/incidents/").json()
    assert body["count"] == 51
    assert len(body["results"]) == 50
    assert "page=2" in body["next"]
    second = api.get("/api/incidents/?page=2").json()
    assert len(second["results"]) == 1
    assert second["previous"] is not None


def test_a_page_past_the_end_is_404_not_500(api, handler):
    make_incident(handler=handler)
    assert api.get("/api/incidents/?page=99").status_code == 404
    assert api.get("/api/incidents/?page=junk").status_code == 404


def test_the_list_filters_by_status(api, handler):
    open_one = make_incident(handler=handler)
    closed = make_incident(handler=handler, closed=True)
    assert [r["reference"] for r in api.get("/api/incidents/?status=open").json()["results"]] == [open_one.reference]
    assert [r["reference"] for r in api.get("/api/incidents/?status=closed").json()["results"]] == [closed.reference]


def test_the_list_filters_overdue(api, handler):
    overdue = make_incident(handler=handler, opened_at=timezone.now() - timedelta(hours=5))
    make_incident(handler=handler, opened_at=timezone.now() - timedelta(hours=1))
    body = api.get("/api/incidents/?overdue=true").json()
    assert [r["reference"] for r in body["results"]] == [overdue.reference]
    assert body["results"][0]["overdue"] is True


def test_the_list_filters_by_handler_and_team(api, handler):
    from tests.factories import TeamFactory

    other = UserFactory(handler=True, team=TeamFactory(name="Red Watch"))
    mine = make_incident(handler=handler)
    theirs = make_incident(handler=other)
    by_handler = api.get(f"/api/incidents/?handler={other.username}").json()["results"]
    assert [r["reference"] for r in by_handler] == [theirs.reference]
    by_team = api.get("/api/incidents/?team=Blue Watch").json()["results"]
    assert [r["reference"] for r in by_team] == [mine.reference]


@pytest.mark.parametrize("role", ["trainer", "analyst"])
def test_the_list_is_forbidden_to_trainers_and_analysts(role, api_client_for):
    assert api_client_for(UserFactory(**{role: True})).get("/api/incidents/").status_code == 403


# --- Junk that once reached the database ----------------------------------------------------------


def test_an_opened_at_a_century_ago_is_400_not_a_clashing_reference(api):
    first = api.post("/api/incidents/", {**NEW_INCIDENT, "opened_at": "2000-01-01T10:00:00Z"}, format="json")
    assert first.status_code == 201
    response = api.post("/api/incidents/", {**NEW_INCIDENT, "opened_at": "1900-01-01T10:00:00Z"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["opened_at"]


def test_null_characters_are_400_not_500(api, handler):
    response = api.post("/api/incidents/", {**NEW_INCIDENT, "summary": "a\x00b"}, format="json")
    assert response.status_code == 400
    incident = make_incident(handler=handler)
    response = _post_assessment(api, incident, {"submit": False, "threat": "knife\x00"})
    assert response.status_code == 400
    assert list(response.json()) == ["threat"]
    response = _post_assessment(api, incident, {"submit": False, "prevention": {"advice": "\x00"}})
    assert response.status_code == 400
    assert list(response.json()) == ["prevention"]


@pytest.mark.parametrize("param", ["q", "handler", "team", "status", "reference"])
def test_list_filters_with_null_characters_are_not_500(api, handler, param):
    make_incident(handler=handler)
    response = api.get("/api/incidents/", {param: "ab\x00c"})
    # Refused before any view runs (config.http.RefuseNulMiddleware, docs/SECURITY.md): 400.
    assert response.status_code == 400
    assert response.json()["code"] == "null_character"
