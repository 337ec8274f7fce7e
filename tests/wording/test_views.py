"""The trainer's editor, preview, diff and publish pages; staff banner; trained / not yet."""

import pytest
from django.core import mail
from django.utils.html import escape

from casework.services import assessment_record
from tests.factories import make_incident
from tests.wording.conftest import reworded
from thrive.models import PromptSet, PromptSetStatus, WordingAcknowledgement
from thrive.wording import prompt_set_draft_start, prompt_set_publish, prompt_set_update_draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(trainer, v1):
    return prompt_set_draft_start(actor=trainer)


def _v2(trainer, v1):
    draft = prompt_set_draft_start(actor=trainer)
    prompt_set_update_draft(prompt_set=draft, actor=trainer, sections=reworded(v1.sections), change_summary="Wider.")
    return prompt_set_publish(prompt_set=draft, actor=trainer)


def test_the_editor_home_and_starting_a_draft(trainer_client, v1):
    assert trainer_client.get("/thrive/wording/").status_code == 200
    response = trainer_client.post("/thrive/wording/drafts/new/")
    draft = PromptSet.objects.get(status=PromptSetStatus.DRAFT, family="thrive_sp")
    assert response["Location"] == f"/thrive/wording/drafts/{draft.pk}/"


def test_other_roles_cannot_edit(handler_client, draft):
    assert handler_client.get("/thrive/wording/").status_code == 403
    assert handler_client.get(f"/thrive/wording/drafts/{draft.pk}/").status_code == 403
    assert (
        handler_client.post(f"/thrive/wording/drafts/{draft.pk}/publish/", {"change_summary": "x"}).status_code == 403
    )


def test_editing_wording_conditions_removing_and_adding_a_question(trainer_client, draft):
    page = trainer_client.get(f"/thrive/wording/drafts/{draft.pk}/")
    assert page.status_code == 200
    harm = next(i for i, s in enumerate(draft.sections) if s["key"] == "harm")
    before = draft.sections[harm]["prompts"][1]
    post = {
        f"s-{harm}-title": "Harm and injury",
        f"s-{harm}-p-0-label": "What harm has been done, or could be?",
        f"s-{harm}-new-type": "text",
        f"s-{harm}-new-field": "harm_to_others",
        f"s-{harm}-new-label": "Is anyone else at risk of harm?",
        f"s-{harm}-new-required": "children_involved",
        f"s-{harm}-new-show_when": "always",
        "change_summary": "Harm reworded.",
    }
    response = trainer_client.post(f"/thrive/wording/drafts/{draft.pk}/", post)
    assert response.status_code == 302
    draft.refresh_from_db()
    section = draft.sections[harm]
    assert section["title"] == "Harm and injury"
    assert section["prompts"][0]["label"] == "What harm has been done, or could be?"
    assert section["prompts"][-1]["field"] == "harm_to_others"
    assert section["prompts"][-1]["required"] == "children_involved"
    # Untouched prompts keep their conditions (the form carries only what was posted).
    assert section["prompts"][1] == before


def test_an_invalid_edit_rerenders_with_an_error_summary(trainer_client, draft):
    post = {"s-0-new-type": "text", "s-0-new-field": "threat", "s-0-new-label": "Duplicate field"}
    page = trainer_client.post(f"/thrive/wording/drafts/{draft.pk}/", post)
    assert page.status_code == 400
    assert "There is a problem" in page.content.decode()
    assert "field &#x27;threat&#x27; is used more than once" in page.content.decode()


def test_the_preview_is_the_handlers_form(trainer_client, draft):
    page = trainer_client.get(f"/thrive/wording/drafts/{draft.pk}/preview/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "exactly as a handler will see it" in html
    assert 'name="threat"' in html
    assert "What is the threat?" in html


def test_the_diff_page_and_publishing(
    trainer_client, trainer, v1, handler, supervisor, draft, django_capture_on_commit_callbacks, eager_tasks
):
    prompt_set_update_draft(prompt_set=draft, actor=trainer, sections=reworded(v1.sections))
    page = trainer_client.get(f"/thrive/wording/drafts/{draft.pk}/diff/")
    html = page.content.decode()
    assert "<del" in html
    assert "<ins" in html
    assert "removed: " in html
    assert "added: " in html

    refused = trainer_client.post(f"/thrive/wording/drafts/{draft.pk}/publish/", {"change_summary": "  "})
    assert refused.status_code == 400
    assert "Summarise the change" in refused.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        done = trainer_client.post(f"/thrive/wording/drafts/{draft.pk}/publish/", {"change_summary": "Harm hint."})
    assert done.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.change_summary) == (PromptSetStatus.PUBLISHED, "Harm hint.")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([handler.email, supervisor.email])

    # Published: the editor no longer changes it.
    after = trainer_client.post(f"/thrive/wording/drafts/{draft.pk}/", {"s-0-title": "Changed"}, follow=True)
    assert "cannot change" in after.content.decode()


def test_a_draft_assessment_keeps_its_wording_with_a_notice(trainer, v1, handler, handler_client):
    incident = make_incident(handler=handler)
    assessment_record(incident=incident, author=handler, data={"threat": "x"}, submit=False)
    _v2(trainer, v1)
    html = handler_client.get(f"/thrive/incidents/{incident.reference}/assessment/").content.decode()
    assert "keeps its wording until you submit it" in html


def test_the_banner_and_acknowledging_it(trainer, v1, handler, handler_client):
    v2 = _v2(trainer, v1)
    home = handler_client.get("/").content.decode()
    assert "New guidance" in home
    assert f"version {v2.version}" in home
    changes = handler_client.get(f"/thrive/wording/versions/{v2.pk}/changes/")
    assert changes.status_code == 200
    assert "<ins" in changes.content.decode()
    fragment = handler_client.post(f"/thrive/wording/versions/{v2.pk}/acknowledge/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "you have acknowledged" in fragment.content.decode()
    assert WordingAcknowledgement.objects.get(user=handler, prompt_set=v2).acknowledged_at
    assert "New guidance" not in handler_client.get("/").content.decode()


def test_trained_and_not_yet_page_and_reminder(
    trainer, trainer_client, v1, handler, supervisor, django_capture_on_commit_callbacks, eager_tasks
):
    v2 = _v2(trainer, v1)
    WordingAcknowledgement.objects.update_or_create(
        prompt_set=v2, user=handler, defaults={"acknowledged_at": v2.published_at}
    )
    page = trainer_client.get("/thrive/training/")
    html = page.content.decode()
    # Trained is attending a briefing (test_briefings.py); the acknowledgement is beside it.
    assert "0 trained, 2 not yet" in html
    assert "Acknowledged it: 1." in html
    assert "50% acknowledged" in html
    assert f"{escape(handler.display_name)} (acknowledged)" in html
    assert escape(supervisor.display_name) in html
    old = trainer_client.get(f"/thrive/training/?version={v1.version}").content.decode()
    assert "0 trained, 2 not yet" in old
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = trainer_client.post("/thrive/training/remind/", {"prompt_set": v2.pk, "team": supervisor.team_id})
    assert response.status_code == 302
    assert [m.to[0] for m in mail.outbox] == [supervisor.email]
    assert "Trained and not yet" in trainer_client.get("/").content.decode()
