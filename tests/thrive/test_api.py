"""GET /api/prompt-sets/current/ (API.md "Prompt wording")."""

from rest_framework.test import APIClient

from tests.factories import UserFactory


def test_the_current_prompt_set_has_the_documented_shape(handler, api_client_for):
    response = api_client_for(handler).get("/api/prompt-sets/current/")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 1
    assert body["published_at"]
    keys = [section["key"] for section in body["sections"]]
    assert keys == [
        "threat",
        "harm",
        "risk",
        "investigation",
        "vulnerability",
        "engagement",
        "scene_preservation",
        "prevention",
        "decision",
    ]
    for section in body["sections"]:
        assert {"key", "title", "guidance", "prompts"} <= set(section)
        assert isinstance(section["prompts"], list)
        assert section["prompts"]
    labels = [p["label"] for s in body["sections"] for p in s["prompts"]]
    assert "Please detail the advice given to the victim" in labels
    assert "Voice of the child" in labels


def test_the_current_prompt_set_is_readable_by_every_role(db, api_client_for):
    for role in ["trainer", "analyst", "supervisor"]:
        client = api_client_for(UserFactory(**{role: True}))
        assert client.get("/api/prompt-sets/current/").status_code == 200


def test_the_current_prompt_set_needs_authentication(db):
    assert APIClient().get("/api/prompt-sets/current/").status_code == 401
