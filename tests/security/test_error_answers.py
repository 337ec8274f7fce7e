"""Review finding 16: every error under /api/ is JSON; the schema documents the error answers;
pages are never cached; a refused request is logged in one line; free text refuses text that
was not UTF-8 and bidirectional controls, with one message everywhere."""

import io
import json
import logging
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import get_resolver

from incidents.models import Incident, LogEntry
from tests.factories import TeamFactory, UserFactory, make_incident
from thrive.models import Assessment
from victims.models import PreventionAdvice, Victim

pytestmark = pytest.mark.django_db

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", RLO, "\u2066", "\u2067", "\u2068", "\u2069"]


@pytest.fixture
def people(client_for: Any, api_client_for: Any) -> dict[str, Any]:
    team = TeamFactory(name="Errors Watch")
    users = {
        "handler": UserFactory(handler=True, team=team),
        "supervisor": UserFactory(supervisor=True, team=team),
        "trainer": UserFactory(trainer=True),
        "analyst": UserFactory(analyst=True),
    }
    return {
        "users": users,
        "page": {role: client_for(user) for role, user in users.items()},
        "api": {role: api_client_for(user) for role, user in users.items()},
        "incident": make_incident(handler=users["handler"], assessed=True),
    }


def _is_json_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return json.loads(response.content)


# --- Every error under /api/ is JSON --------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/nothing-here/", "/api/incidents/a/b/c/", "/api/"])
def test_an_unknown_api_url_is_a_json_404(people: dict[str, Any], url: str) -> None:
    body = _is_json_error(people["api"]["handler"].get(url), 404)
    assert body["code"] == "not_found"
    _is_json_error(Client().get(url), 404)


def test_an_unknown_page_is_still_a_page_404(people: dict[str, Any]) -> None:
    response = people["page"]["handler"].get("/nothing-here/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_a_method_not_allowed_is_a_json_405(people: dict[str, Any]) -> None:
    _is_json_error(people["api"]["handler"].delete("/api/incidents/"), 405)


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_a_body_too_large_is_a_json_413(people: dict[str, Any], settings: Any, content_type: str) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    if content_type == "application/json":
        body = json.dumps({"channel": "999", "summary": "x" * 20_000})
    else:
        body = "summary=" + "x" * 20_000
    before = Incident.objects.count()
    response = people["api"]["handler"].post("/api/incidents/", data=body, content_type=content_type)
    assert _is_json_error(response, 413)["code"] == "request_too_large"
    assert Incident.objects.count() == before


def test_a_page_form_too_large_is_a_413(people: dict[str, Any], settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    reference = people["incident"].reference
    response = people["page"]["handler"].post(f"/incidents/{reference}/notes/", {"text": "x" * 20_000})
    assert response.status_code == 413


def test_an_unhandled_error_under_api_is_json() -> None:
    handler = get_resolver().resolve_error_handler(500)
    response = handler(RequestFactory().get("/api/incidents/"))
    body = _is_json_error(response, 500)
    assert body["code"] == "server_error"
    page = handler(RequestFactory().get("/incidents/"))
    assert page.status_code == 500
    assert not page["Content-Type"].startswith("application/json")


def test_a_locked_out_account_gets_a_json_429_under_api(settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    UserFactory(handler=True, username="locked-out", password="right-password-123")
    client = Client()
    for _ in range(3):
        response = client.post(
            "/api/auth/token/", {"username": "locked-out", "password": "wrong"}, content_type="application/json"
        )
    body = _is_json_error(response, 429)
    assert body["code"] == "login_locked"
    assert response["Retry-After"] == "3600"
    page = client.post("/login/", {"username": "locked-out", "password": "wrong"})
    assert page.status_code == 429
    assert b"locked" in page.content
    assert not page["Content-Type"].startswith("application/json")


# --- The schema documents the error answers -------------------------------------------------


def test_every_operation_documents_its_error_answers(people: dict[str, Any]) -> None:
    schema = people["api"]["handler"].get("/api/schema/?format=json").json()
    assert "ApiError" in schema["components"]["schemas"]
    checked = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            wanted = {"400", "401", "403", "404"} | ({"409", "413"} if method != "get" else set())
            missing = wanted - set(operation["responses"])
            assert not missing, f"{method.upper()} {path} lacks {sorted(missing)}"
            error = operation["responses"]["403"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/ApiError"}
            checked += 1
    assert checked >= 15


# --- Cache-Control --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("client", "url"),
    [
        ("page", "/incidents/{ref}/"),
        ("page", "/victims/incidents/{ref}/link/"),
        ("page", "/"),
        ("api", "/api/incidents/{ref}/"),
        ("api", "/api/incidents/{ref}/victims/"),
        ("api", "/api/nothing-here/"),
    ],
)
def test_signed_in_answers_are_never_stored(people: dict[str, Any], client: str, url: str) -> None:
    response = people[client]["handler"].get(url.format(ref=people["incident"].reference))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_login_page_is_not_stored_either() -> None:
    assert "no-store" in Client().get("/login/")["Cache-Control"]


# --- Logging --------------------------------------------------------------------------------


def test_a_403_is_logged_in_one_line_without_a_traceback(people: dict[str, Any]) -> None:
    handlers = [
        h for h in logging.getLogger().handlers if any(type(f).__name__ == "ClientErrorsOneLine" for f in h.filters)
    ]
    assert handlers, "the console handler carries the one-line filter"
    stream = io.StringIO()
    old = handlers[0].setStream(stream)
    try:
        response = people["page"]["trainer"].get(f"/incidents/{people['incident'].reference}/")
        assert response.status_code == 403
        people["api"]["trainer"].get("/api/incidents/")
    finally:
        handlers[0].setStream(old)
    lines = [line for line in stream.getvalue().splitlines() if line.strip()]
    assert lines, "the 403 is logged"
    assert all("Forbidden" in line for line in lines), lines
    assert "Traceback" not in stream.getvalue()


# --- Free text ------------------------------------------------------------------------------


def _api_writes(people: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any], str]]:
    ref = people["incident"].reference
    assessment = Assessment.objects.get(incident=people["incident"])
    return {
        "incident summary": (
            "handler",
            "/api/incidents/",
            {"channel": "999", "category": "theft", "grading": "priority", "summary": "{}"},
            "summary",
        ),
        "victim name": ("handler", f"/api/incidents/{ref}/victims/", {"name": "{}", "phone": "07700 900123"}, "name"),
        "assessment answer": (
            "handler",
            f"/api/incidents/{ref}/assessments/",
            {"submit": False, "threat": "{}"},
            "threat",
        ),
        "return feedback": (
            "supervisor",
            f"/api/assessments/{assessment.pk}/return/",
            {"reason": "poor_quality", "sections": ["threat"], "feedback": "{}"},
            "feedback",
        ),
        "close reason": (
            "handler",
            f"/api/incidents/{ref}/close/",
            {"closure_code": "duplicate", "exemption_reason": "{}"},
            "exemption_reason",
        ),
    }


def _fill(body: dict[str, Any], text: str) -> dict[str, Any]:
    return {k: (text.join(v.split("{}")) if isinstance(v, str) and "{}" in v else v) for k, v in body.items()}


@pytest.mark.parametrize(
    "bad",
    [f"Ignore {RLO}this", "lone \ud800 surrogate", "Replaced \ufffd byte", "a\x00b", "bell\x07", "\x1b[31mred"],
)
@pytest.mark.parametrize(
    "write", ["incident summary", "victim name", "assessment answer", "return feedback", "close reason"]
)
def test_free_text_through_the_api_refuses_bidi_controls_and_text_that_was_not_utf8(
    people: dict[str, Any], write: str, bad: str
) -> None:
    role, url, body, field = _api_writes(people)[write]
    counts = (Incident.objects.count(), Victim.objects.count(), Assessment.objects.count(), LogEntry.objects.count())
    response = people["api"][role].post(url, data=json.dumps(_fill(body, bad)), content_type="application/json")
    errors = _is_json_error(response, 400)
    assert field in errors, errors
    after = (Incident.objects.count(), Victim.objects.count(), Assessment.objects.count(), LogEntry.objects.count())
    assert after == counts


@pytest.mark.parametrize("char", BIDI)
def test_every_bidi_control_is_refused_in_a_log_note_as_a_form_error(people: dict[str, Any], char: str) -> None:
    reference = people["incident"].reference
    before = LogEntry.objects.count()
    response = people["page"]["handler"].post(f"/incidents/{reference}/notes/", {"text": f"Caller said {char}abc"})
    assert response.status_code == 400
    assert "bidirectional control characters" in response.content.decode()
    assert LogEntry.objects.count() == before


@pytest.mark.parametrize("char", ["\x07", "\x1b", "\x08", "\x7f", "\x85"])
def test_a_control_character_in_a_log_note_is_refused_but_lines_and_tabs_are_kept(
    people: dict[str, Any], char: str
) -> None:
    # A terminal escape or a bell in a note is nothing a person typed: it rings or recolours
    # the terminal of whoever reads an export, and hides text from the page.
    reference = people["incident"].reference
    before = LogEntry.objects.count()
    response = people["page"]["handler"].post(f"/incidents/{reference}/notes/", {"text": f"Caller said{char} abc"})
    assert response.status_code == 400
    assert "control characters" in response.content.decode()
    assert LogEntry.objects.count() == before
    response = people["page"]["handler"].post(
        f"/incidents/{reference}/notes/", {"text": "Caller said:\r\n\tdoor forced"}
    )
    assert response.status_code == 302
    assert LogEntry.objects.count() == before + 1


def test_a_form_body_that_is_not_utf8_is_refused_with_a_clear_message(people: dict[str, Any]) -> None:
    reference = people["incident"].reference
    before = LogEntry.objects.count()
    response = people["page"]["handler"].post(
        f"/incidents/{reference}/notes/", data=b"text=caf%E9+latin-1", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "not valid UTF-8" in response.content.decode()
    assert LogEntry.objects.count() == before


def test_a_json_body_that_is_not_utf8_is_a_400(people: dict[str, Any]) -> None:
    response = people["api"]["handler"].post(
        "/api/incidents/", data=b'{"summary": "caf\xe9"}', content_type="application/json"
    )
    assert "UTF-8" in _is_json_error(response, 400)["detail"].upper()


def test_the_advice_editor_refuses_bidi_controls(people: dict[str, Any], client_for: Any) -> None:
    trainer = people["page"]["trainer"]
    advice = PreventionAdvice.objects.first()
    response = trainer.post(
        f"/victims/advice/{advice.pk}/",
        {"title": "Burglary", "url": "https://example.org/x", "message": f"Lock {RLO}the door", "active": "true"},
    )
    assert response.status_code == 400
    assert "bidirectional control characters" in response.content.decode()


def test_right_to_left_text_itself_is_welcome(people: dict[str, Any]) -> None:
    reference = people["incident"].reference
    response = people["page"]["handler"].post(f"/incidents/{reference}/notes/", {"text": "Caller said مرحبا שלום"})
    assert response.status_code == 302
    assert LogEntry.objects.filter(text="Caller said مرحبا שלום").exists()
