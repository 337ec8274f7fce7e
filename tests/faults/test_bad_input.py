"""Bad input everywhere (issue 9): script, Unicode, control characters, NUL, oversized fields,
wrong types, unknown enum values, dates out of range and broken JSON to each write endpoint:
a 400 naming the problem (or the 409/403/404 the contract gives), never a 500, and nothing
saved half-way. Script typed into a field is escaped on the incident page; the XLSX export
writes no formula a filter value could smuggle in."""

import io
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from incidents.models import Incident, LogEntry
from qa.models import Review, Sample
from tests.factories import TeamFactory, UserFactory, complete_answers, make_incident
from thrive.models import Assessment, PromptSet
from victims.models import Text, Victim

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"
JUNK_STRINGS = [
    SCRIPT,
    "\x00",
    "a\x00b",
    "\x07\x1b[31m\r\n\t\x7f",
    "\ud7ff\ufeff\u202e\U0001f4a9 Zoë",
    "x" * 100_001,
    '=HYPERLINK("http://evil.example","x")',
    "9999-12-31T25:61:00Z",
]
JUNK_VALUES: list[Any] = [*JUNK_STRINGS, None, True, 1e308, -1, 2**70, [], {}, ["a"], {"a": "b"}]
DATES = ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2999-01-01T00:00:00+00:00", "not a date", "2024-02-30", 17]


def _counts() -> dict[str, int]:
    models = (Incident, LogEntry, Assessment, Victim, Text, PromptSet, Sample, Review)
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def world(api_client_for: Any) -> dict[str, Any]:
    team = TeamFactory(name="Bad Input Watch")
    handler = UserFactory(handler=True, team=team)
    supervisor = UserFactory(supervisor=True, team=team)
    trainer = UserFactory(trainer=True)
    incident = make_incident(handler=handler, assessed=True)
    return {
        "handler": api_client_for(handler),
        "supervisor": api_client_for(supervisor),
        "trainer": api_client_for(trainer),
        "incident": incident,
        "assessment": incident.assessments.get(),
    }


def _endpoints(world: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Each write endpoint: (who, URL, a valid body to spoil one field of)."""
    ref = world["incident"].reference
    return {
        "incident": (
            "handler",
            "/api/incidents/",
            {"channel": "999", "category": "theft", "grading": "priority", "summary": "s", "location": "l"},
        ),
        "assessment": ("handler", f"/api/incidents/{ref}/assessments/", {"submit": True, **complete_answers()}),
        "close": ("handler", f"/api/incidents/{ref}/close/", {"closure_code": "crime_recorded"}),
        "victim": ("handler", f"/api/incidents/{ref}/victims/", {"name": "Ann Example", "phone": "07700 900123"}),
        "return": (
            "supervisor",
            f"/api/assessments/{world['assessment'].pk}/return/",
            {"reason": "poor_quality", "sections": ["prevention"], "feedback": "More on prevention."},
        ),
        "sample": ("supervisor", "/api/qa/samples/", {"month": "2022-06", "per_handler": 3, "seed": 42}),
        "review": ("supervisor", "/api/qa/reviews/", {"sample_item": 1, "vulnerability": "good"}),
        "prompt_set": ("trainer", "/api/prompt-sets/", {"change_summary": "c", "sections": []}),
    }


ENDPOINTS = ["incident", "assessment", "close", "victim", "return", "sample", "review", "prompt_set"]
FIELDS = {
    "incident": ["channel", "category", "grading", "summary", "location", "opened_at"],
    "assessment": ["threat", "children_involved", "risk_level", "scene_preservation", "prevention", "submitted_at"],
    "close": ["closure_code", "closed_at", "exemption_reason"],
    "victim": ["name", "date_of_birth", "phone", "address", "postcode"],
    "return": ["reason", "sections", "feedback"],
    "sample": ["month", "per_handler", "seed", "team"],
    "review": ["sample_item", "vulnerability", "repeat_victim_check", "feedback", "good_practice"],
    "prompt_set": ["change_summary", "sections"],
}
CASES = [(endpoint, field) for endpoint in ENDPOINTS for field in FIELDS[endpoint]]


def _post(world: dict[str, Any], endpoint: str, body: Any, **kwargs: Any) -> Any:
    who, url, _ = _endpoints(world)[endpoint]
    return world[who].post(url, body, **kwargs)


@pytest.mark.parametrize(("endpoint", "field"), CASES, ids=[f"{e}-{f}" for e, f in CASES])
def test_junk_in_each_field_is_refused_cleanly(world: dict[str, Any], endpoint: str, field: str) -> None:
    _, _, valid = _endpoints(world)[endpoint]
    values = DATES if field.endswith(("_at", "date_of_birth")) else JUNK_VALUES
    for value in values:
        before = _counts()
        response = _post(world, endpoint, {**valid, field: value}, format="json")
        assert response.status_code < 500, (endpoint, field, repr(value)[:80], response.content[:300])
        if response.status_code >= 400:
            assert response["Content-Type"].startswith("application/json")
            assert _counts() == before, (endpoint, field, repr(value)[:80])  # nothing saved half-way


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    "raw",
    [b"{", b"[]", b"null", b'"text"', b"\xff\xfe", b'{"a": NaN}', b"1" * 5000, b'{"summary": "\\u0000"}'],
    ids=["truncated", "list", "null", "string", "not-utf8", "nan", "number", "nul-escape"],
)
def test_broken_json_is_a_400(world: dict[str, Any], endpoint: str, raw: bytes) -> None:
    before = _counts()
    response = _post(world, endpoint, raw, content_type="application/json")
    assert 400 <= response.status_code < 500, (endpoint, raw[:20], response.status_code, response.content[:300])
    assert _counts() == before


def test_script_is_stored_as_typed_and_shown_escaped(world: dict[str, Any], client_for: Any) -> None:
    response = _post(
        world,
        "incident",
        {"channel": "999", "category": "theft", "grading": "priority", "summary": SCRIPT, "location": SCRIPT},
        format="json",
    )
    assert response.status_code == 201, response.content
    reference = response.json()["reference"]
    incident = Incident.objects.get(reference=reference)
    assert incident.summary == SCRIPT
    page = client_for(incident.handler).get(f"/incidents/{reference}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1)"])
def test_exports_write_no_formula(analyst_client: Any, name: str) -> None:
    team = TeamFactory(name=name)
    month = f"{timezone.localdate():%Y-%m}"
    params = {"from": month, "to": month, "team": team.name}
    response = analyst_client.get("/qa/export.xlsx", params)
    assert response.status_code == 200, response.content[:300]
    book = load_workbook(io.BytesIO(response.content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), (sheet.title, cell.value)
    csv = analyst_client.get("/qa/export.csv", params)
    assert csv.status_code == 200
    for line in csv.content.decode().splitlines():
        for value in line.split(","):
            assert not value.lstrip('"').startswith(("=", "+", "-", "@", "\t", "\r")), line
