"""Review finding 14: hostile input answers a clear 4xx, never a 500.

JSON nested a thousand deep, a NUL in a path reference or a filter, a NUL typed into a form,
a superscript digit or a 5,000-digit number where a whole number is expected."""

from typing import Any

import pytest
from django.test import Client

from tests.factories import TeamFactory, UserFactory, make_incident
from thrive.models import PromptSet, PromptSetStatus
from victims.models import PreventionAdvice

pytestmark = pytest.mark.django_db

DEEP = "[" * 1000 + "]" * 1000  # 2 KB


@pytest.fixture
def people(client_for: Any, api_client_for: Any) -> dict[str, Any]:
    team = TeamFactory(name="Hostile Watch")
    handler = UserFactory(handler=True, team=team)
    users = {
        "handler": handler,
        "supervisor": UserFactory(supervisor=True, team=team),
        "trainer": UserFactory(trainer=True),
        "analyst": UserFactory(analyst=True),
        "admin": UserFactory(admin=True),
    }
    return {
        "users": users,
        "page": {role: client_for(user) for role, user in users.items()},
        "api": {role: api_client_for(user) for role, user in users.items()},
        "incident": make_incident(handler=handler, assessed=True),
    }


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("handler", "/api/incidents/{ref}/assessments/"),
        ("trainer", "/api/prompt-sets/"),
        ("handler", "/api/incidents/"),
        ("supervisor", "/api/qa/samples/"),
    ],
)
@pytest.mark.parametrize("body", [DEEP, '{"a":' * 1000 + "1" + "}" * 1000])
def test_json_nested_a_thousand_deep_is_a_400(people: dict[str, Any], role: str, url: str, body: str) -> None:
    response = people["api"][role].post(
        url.format(ref=people["incident"].reference), data=body, content_type="application/json"
    )
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert "nested" in response.json()["detail"]


def test_json_nested_within_the_limit_is_still_read(people: dict[str, Any]) -> None:
    body = '{"summary": ' + "[" * 20 + "]" * 20 + "}"
    response = people["api"]["handler"].post("/api/incidents/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "summary" in response.json()  # parsed, then refused by the serializer by name


@pytest.mark.parametrize(
    ("client", "role", "url"),
    [
        ("api", "handler", "/api/incidents/a%00/"),
        ("api", "handler", "/api/incidents/a%00/texts/"),
        ("api", "handler", "/api/incidents/?team=a%00"),
        ("api", "analyst", "/api/qa/monthly/?team=a%00"),
        ("page", "handler", "/incidents/a%00/"),
        ("page", "handler", "/incidents/?q=a%00"),
        ("page", "handler", "/thrive/incidents/a%00/assessment/"),
        ("page", "handler", "/victims/incidents/a%00/link/"),
        ("page", "analyst", "/qa/?team=a%00"),
        ("page", "analyst", "/qa/export.csv?team=a%00"),
        ("page", "analyst", "/qa/export.xlsx?handler=a%00"),
        ("page", "admin", "/audit/?person=a%00"),
        ("page", "supervisor", "/thrive/reviews/?handler=a%00"),
        ("page", "handler", "/%00"),
    ],
)
def test_a_nul_in_the_path_or_query_string_is_a_400(people: dict[str, Any], client: str, role: str, url: str) -> None:
    response = people[client][role].get(url)
    assert response.status_code == 400, response.content[:300]
    if url.startswith(("/api/", "/qa/export")):  # DRF views: JSON, as the schema says
        assert "null" in response.json()["detail"].lower()
    else:
        assert b"null character" in response.content.lower()


def test_a_nul_reaches_no_view_even_anonymously() -> None:
    assert Client().get("/api/incidents/a%00/").status_code == 400
    assert Client().get("/incidents/?q=%00").status_code == 400


@pytest.mark.parametrize("reference", ["a%C2%B2", "%EF%BC%91", "a%20b", "a.b"])
def test_a_reference_that_is_not_plain_ascii_is_not_found(people: dict[str, Any], reference: str) -> None:
    assert people["api"]["handler"].get(f"/api/incidents/{reference}/").status_code == 404
    assert people["page"]["handler"].get(f"/incidents/{reference}/").status_code == 404


def test_a_nul_typed_into_the_advice_editor_is_a_form_error(people: dict[str, Any]) -> None:
    advice = PreventionAdvice.objects.first()
    before = advice.message
    response = people["page"]["trainer"].post(
        f"/victims/advice/{advice.pk}/",
        {"title": "Bur\x00glary", "url": "https://example.org/x", "message": "Lock\x00 the door", "active": "true"},
    )
    assert response.status_code == 400
    assert b"null character" in response.content.lower()
    advice.refresh_from_db()
    assert advice.message == before


@pytest.mark.parametrize("version", ["%C2%B2", "1" * 5000, "-1", "%EF%BC%91"])
def test_training_page_ignores_a_version_that_is_not_a_plain_number(people: dict[str, Any], version: str) -> None:
    response = people["page"]["trainer"].get(f"/thrive/training/?version={version}")
    # A version that is not a plain number is ignored: the page shows the newest published one.
    assert response.status_code == 200
    assert response.context["chosen"] == response.context["versions"][0]


@pytest.mark.parametrize("team", ["1" * 5000, "²", "9" * 25])
def test_the_reminder_refuses_a_team_that_is_not_a_sane_number(people: dict[str, Any], team: str) -> None:
    published = PromptSet.objects.filter(status=PromptSetStatus.PUBLISHED).first()
    response = people["page"]["trainer"].post("/thrive/training/remind/", {"prompt_set": published.pk, "team": team})
    assert response.status_code == 400


@pytest.mark.parametrize("prompt_set", ["abc", "1" * 5000, "²"])
def test_the_reminder_refuses_a_prompt_set_that_is_not_a_number(people: dict[str, Any], prompt_set: str) -> None:
    response = people["page"]["trainer"].post("/thrive/training/remind/", {"prompt_set": prompt_set})
    # Bad input, like the team beside it: 400 naming the field (a well-formed id that names no
    # published version is "not found", 404, below).
    assert response.status_code == 400
    assert b"prompt_set" in response.content


def test_the_reminder_for_a_version_that_is_not_published_is_not_found(people: dict[str, Any]) -> None:
    draft = PromptSet.objects.exclude(status=PromptSetStatus.PUBLISHED).order_by("-pk").first()
    unknown = draft.pk if draft else PromptSet.objects.order_by("-pk").first().pk + 1000
    response = people["page"]["trainer"].post("/thrive/training/remind/", {"prompt_set": unknown})
    assert response.status_code == 404


def test_a_nul_in_the_advice_link_is_a_form_error(people: dict[str, Any]) -> None:
    advice = PreventionAdvice.objects.first()
    before = advice.url
    response = people["page"]["trainer"].post(
        f"/victims/advice/{advice.pk}/",
        {"title": "Burglary", "url": "https://example.org/a\x00b", "message": "Lock the door", "active": "true"},
    )
    assert response.status_code == 400
    assert b"null character" in response.content.lower()
    advice.refresh_from_db()
    assert advice.url == before


def test_a_nul_in_a_wording_change_summary_is_a_form_error_when_saving_or_publishing(people: dict[str, Any]) -> None:
    trainer = people["page"]["trainer"]
    response = trainer.post("/thrive/wording/drafts/new/")
    assert response.status_code == 302
    draft = PromptSet.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
    for url in (f"/thrive/wording/drafts/{draft.pk}/", f"/thrive/wording/drafts/{draft.pk}/publish/"):
        response = trainer.post(url, {"change_summary": "Harm hint\x00 reworded"})
        assert response.status_code == 400, url
        assert b"null character" in response.content.lower()
    draft.refresh_from_db()
    assert draft.status == PromptSetStatus.DRAFT
    assert "\x00" not in draft.change_summary


def test_a_nul_in_the_wording_family_is_refused_plainly(people: dict[str, Any]) -> None:
    drafts = PromptSet.objects.filter(status=PromptSetStatus.DRAFT).count()
    response = people["page"]["trainer"].post("/thrive/wording/drafts/new/", {"family": "thrive\x00sp"})
    assert response.status_code == 302
    assert response["Location"] == "/thrive/wording/"
    assert PromptSet.objects.filter(status=PromptSetStatus.DRAFT).count() == drafts


def test_a_nul_in_the_sample_team_is_a_form_error(people: dict[str, Any]) -> None:
    response = people["page"]["admin"].post("/qa/samples/new/", {"month": "2026-10", "team": "Hostile\x00Watch"})
    assert response.status_code == 400
    assert b"Choose a team from the list" in response.content
