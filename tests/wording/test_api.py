"""API.md "Prompt wording": current, draft, change a draft, publish; 401, 403, 409."""

import pytest
from django.core import mail
from rest_framework.test import APIClient

from tests.wording.conftest import reworded

pytestmark = pytest.mark.django_db


def test_current_has_the_documented_shape(api_client_for, handler, v1):
    body = api_client_for(handler).get("/api/prompt-sets/current/").json()
    assert body["version"] == v1.version
    assert body["published_at"]
    assert {"key", "title", "guidance", "prompts"} <= set(body["sections"][0])


def test_fetch_edit_post_back_publish(
    api_client_for, trainer, handler, supervisor, v1, eager_tasks, django_capture_on_commit_callbacks
):
    client = api_client_for(trainer)
    current = client.get("/api/prompt-sets/current/").json()
    created = client.post(
        "/api/prompt-sets/",
        {"change_summary": "Harm hint widened.", "sections": reworded(current["sections"])},
        format="json",
    )
    assert created.status_code == 201
    assert created.json() == {"version": 2, "status": "draft"}
    patched = client.patch(
        "/api/prompt-sets/2/", {"change_summary": "Harm hint widened to sexual harm."}, format="json"
    )
    assert patched.status_code == 200
    assert patched.json()["status"] == "draft"
    with django_capture_on_commit_callbacks(execute=True):
        published = client.post("/api/prompt-sets/2/publish/")
    assert published.status_code == 200
    assert published.json() == {"version": 2, "status": "published"}
    assert len(mail.outbox) == 2
    assert api_client_for(handler).get("/api/prompt-sets/current/").json()["version"] == 2


def test_a_published_version_cannot_be_changed_or_published_again(api_client_for, trainer, v1):
    client = api_client_for(trainer)
    changed = client.patch(f"/api/prompt-sets/{v1.version}/", {"change_summary": "x"}, format="json")
    assert (changed.status_code, changed.json()["code"]) == (409, "already_published")
    again = client.post(f"/api/prompt-sets/{v1.version}/publish/")
    assert (again.status_code, again.json()["code"]) == (409, "already_published")


def test_a_draft_with_bad_sections_is_400(api_client_for, trainer, v1):
    client = api_client_for(trainer)
    assert client.post("/api/prompt-sets/", {"change_summary": "x", "sections": []}, format="json").status_code == 400
    client.post("/api/prompt-sets/", {"change_summary": "x", "sections": v1.sections}, format="json")
    bad = client.patch("/api/prompt-sets/2/", {"sections": [{"key": "no title"}]}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()) == {"sections[0].title", "sections[0].key", "sections[0].prompts"}


def test_roles_and_credentials(api_client_for, handler, supervisor, v1):
    for user in (handler, supervisor):
        client = api_client_for(user)
        assert (
            client.post(
                "/api/prompt-sets/", {"change_summary": "x", "sections": v1.sections}, format="json"
            ).status_code
            == 403
        )
        assert client.patch(f"/api/prompt-sets/{v1.version}/", {}, format="json").status_code == 403
        assert client.post(f"/api/prompt-sets/{v1.version}/publish/").status_code == 403
    assert APIClient().post(f"/api/prompt-sets/{v1.version}/publish/").status_code == 401
    assert APIClient().get("/api/prompt-sets/current/").status_code == 401


def test_an_unknown_version_is_404(api_client_for, trainer, v1):
    assert api_client_for(trainer).post("/api/prompt-sets/99/publish/").status_code == 404
    assert api_client_for(trainer).get("/api/prompt-sets/99/").status_code == 404


def test_the_api_keeps_one_draft_at_a_time_as_the_editor_does(api_client_for, trainer, v1):
    """One draft service for page and API: a second POST while a draft is open is refused
    (409 draft_open), and the open draft keeps its words; the editor's page then carries
    on with that same draft."""
    from thrive.models import PromptSet, PromptSetStatus
    from thrive.wording import prompt_set_draft_start

    client = api_client_for(trainer)
    sections = client.get("/api/prompt-sets/current/").json()["sections"]
    first = client.post(
        "/api/prompt-sets/", {"change_summary": "First.", "sections": reworded(sections)}, format="json"
    )
    assert first.status_code == 201
    second = client.post("/api/prompt-sets/", {"change_summary": "Second.", "sections": sections}, format="json")
    assert second.status_code == 409
    assert second.json()["code"] == "draft_open"
    drafts = PromptSet.objects.filter(family=v1.family, status=PromptSetStatus.DRAFT)
    assert [(d.version, d.change_summary) for d in drafts] == [(2, "First.")]
    assert prompt_set_draft_start(actor=trainer).version == 2
