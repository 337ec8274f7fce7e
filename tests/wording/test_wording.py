"""Rule 9 at the service: drafts, the diff, publishing, emails, acknowledgement, the model."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from casework.services import assessment_record
from config.errors import Blocked
from tests.factories import TeamFactory, UserFactory, complete_answers, make_incident
from tests.wording.conftest import reworded
from thrive.models import PromptSetStatus, WordingAcknowledgement
from thrive.wording import (
    acknowledgement_due,
    current_family,
    diff_as_text,
    force_model_choose,
    prompt_set_current,
    prompt_set_diff,
    prompt_set_draft_start,
    prompt_set_publish,
    prompt_set_update_draft,
    trained_by_team,
    word_diff,
    wording_acknowledge,
    wording_emails_queue,
    wording_remind,
)

pytestmark = pytest.mark.django_db


def publish_v2(trainer, v1, summary="Harm hint now names sexual harm."):
    draft = prompt_set_draft_start(actor=trainer)
    prompt_set_update_draft(prompt_set=draft, actor=trainer, sections=reworded(v1.sections), change_summary=summary)
    return prompt_set_publish(prompt_set=draft, actor=trainer)


def test_a_draft_starts_as_a_copy_of_the_current_wording_and_is_reused(trainer, v1):
    draft = prompt_set_draft_start(actor=trainer)
    assert (draft.status, draft.version, draft.sections) == (PromptSetStatus.DRAFT, v1.version + 1, v1.sections)
    assert prompt_set_draft_start(actor=trainer) == draft


def test_only_trainers_and_admins_draft(handler, v1):
    with pytest.raises(PermissionDenied):
        prompt_set_draft_start(actor=handler)


def test_a_draft_refuses_broken_sections(trainer, v1):
    draft = prompt_set_draft_start(actor=trainer)
    with pytest.raises(ValidationError) as exc:
        prompt_set_update_draft(prompt_set=draft, actor=trainer, sections=[{"key": "x"}])
    assert "sections[0].title" in exc.value.message_dict


def test_a_published_version_never_changes(trainer, v1):
    with pytest.raises(Blocked) as exc:
        prompt_set_update_draft(prompt_set=v1, actor=trainer, change_summary="sneaky")
    assert exc.value.code == "already_published"
    with pytest.raises(Blocked):
        prompt_set_publish(prompt_set=v1, actor=trainer)


def test_publishing_needs_a_change_summary(trainer, v1):
    draft = prompt_set_draft_start(actor=trainer)
    with pytest.raises(ValidationError) as exc:
        prompt_set_publish(prompt_set=draft, actor=trainer)
    assert "change_summary" in exc.value.message_dict
    draft.refresh_from_db()
    assert draft.status == PromptSetStatus.DRAFT


def test_the_word_level_diff():
    segments = word_diff("What harm has been caused", "What harm has been caused, or could be?")
    assert [(s.op, s.text) for s in segments] == [
        ("same", "What harm has been"),
        ("removed", "caused"),
        ("added", "caused, or could be?"),
    ]
    assert word_diff("same words", "same words")[0].op == "same"


def test_the_prompt_set_diff_names_sections_and_questions(v1):
    new = reworded(v1.sections)
    new.append({"key": "safeguarding", "title": "Safeguarding", "guidance": "New.", "prompts": []})
    diff = prompt_set_diff(v1.sections, new)
    changed = [s for s in diff if s.changed]
    assert [s.title for s in changed] == ["Harm", "Safeguarding"]
    assert changed[1].status == "added"
    hint = next(r for r in changed[0].rows if r.what == "Hint")
    assert hint.status == "changed"
    text = diff_as_text(diff)
    assert "Hint: Physical, psychological, [-financial;-] {+financial or sexual;+} to" in text
    assert "{+everyone+} present." in text


def test_publishing_emails_each_active_handler_and_supervisor_once_after_commit(
    trainer, v1, handler, supervisor, django_capture_on_commit_callbacks, eager_tasks
):
    UserFactory(handler=True, is_active=False)
    UserFactory(analyst=True)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        v2 = publish_v2(trainer, v1)
        assert mail.outbox == []  # nothing before the commit
    assert len(callbacks) == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted([handler.email, supervisor.email])
    message = mail.outbox[0]
    assert "version 2" in message.subject
    assert "Harm hint now names sexual harm." in message.body
    assert "{+" in message.body
    # A retried or duplicated task sends nothing again.
    assert wording_emails_queue(prompt_set=v2) == 0
    assert len(mail.outbox) == 2


def test_new_assessments_use_the_new_version_and_a_draft_keeps_its_own(trainer, v1, handler):
    incident = make_incident(handler=handler)
    draft = assessment_record(incident=incident, author=handler, data={"threat": "x"}, submit=False)
    v2 = publish_v2(trainer, v1)
    assert prompt_set_current() == v2
    submitted = assessment_record(incident=incident, author=handler, data=complete_answers(), submit=True)
    assert submitted.pk == draft.pk
    assert submitted.prompt_set == v1
    fresh = make_incident(handler=handler, assessed=True)
    assert fresh.assessments.get().prompt_set == v2


def test_an_old_assessment_keeps_its_wording_after_two_publications(trainer, v1, handler, handler_client):
    incident = make_incident(handler=handler, assessed=True)
    publish_v2(trainer, v1)
    v3_draft = prompt_set_draft_start(actor=trainer)
    sections = reworded(v3_draft.sections, hint="A third wording of the harm hint.")
    sections[1]["prompts"][0]["label"] = "Describe the harm (third wording)"
    prompt_set_update_draft(prompt_set=v3_draft, actor=trainer, sections=sections, change_summary="Third.")
    prompt_set_publish(prompt_set=v3_draft, actor=trainer)
    assert incident.assessments.get().prompt_set == v1
    page = handler_client.get(f"/thrive/incidents/{incident.reference}/assessment/v1/").content.decode()
    assert "What harm has been caused, or could be?" in page
    assert "third wording" not in page
    assert "Describe the harm (third wording)" in handler_client.get("/thrive/prompt-wording/").content.decode()


def test_acknowledgement_and_the_banner(trainer, v1, handler):
    v2 = publish_v2(trainer, v1)
    assert acknowledgement_due(handler) == v2
    row = wording_acknowledge(user=handler, prompt_set=v2)
    first = row.acknowledged_at
    assert first is not None
    assert wording_acknowledge(user=handler, prompt_set=v2).acknowledged_at == first  # idempotent
    assert acknowledgement_due(handler) is None
    assert acknowledgement_due(trainer) is None  # trainers write it; staff acknowledge it


def test_trained_and_not_yet_per_team(trainer, v1, handler, supervisor):
    red = TeamFactory(name="Red Watch")
    red_handler = UserFactory(handler=True, team=red)
    v2 = publish_v2(trainer, v1)
    wording_acknowledge(user=handler, prompt_set=v2)
    rows = {r.team: r for r in trained_by_team(v2)}
    # Acknowledging is shown beside; trained means attending a briefing (test_briefings.py).
    assert ([u.pk for u in rows["Blue Watch"].acknowledged], len(rows["Blue Watch"].not_yet)) == ([handler.pk], 2)
    assert (rows["Blue Watch"].acknowledged_percent, rows["Red Watch"].acknowledged_percent) == (50, 0)
    assert (rows["Blue Watch"].percent, rows["Red Watch"].percent) == (0, 0)
    assert [u.pk for u in rows["Red Watch"].not_yet] == [red_handler.pk]


def test_a_reminder_goes_only_to_those_not_yet_trained(
    trainer, v1, handler, supervisor, django_capture_on_commit_callbacks, eager_tasks
):
    v2 = publish_v2(trainer, v1)
    wording_acknowledge(user=handler, prompt_set=v2)
    with django_capture_on_commit_callbacks(execute=True):
        assert wording_remind(prompt_set_id=v2.pk) == 1
    assert mail.outbox[-1].to == [supervisor.email]
    assert "Reminder" in mail.outbox[-1].subject
    assert WordingAcknowledgement.objects.get(user=supervisor, prompt_set=v2).reminded_at is not None


def test_the_admin_chooses_the_model_from_published_families(trainer, v1, handler):
    assert current_family() == "thrive_sp"
    with pytest.raises(ValidationError):
        force_model_choose(family="thriives")  # shipped as a draft
    from thrive.models import PromptSet

    thriives = PromptSet.objects.get(family="thriives", status=PromptSetStatus.DRAFT)
    thriives.change_summary = "THRIIVES adopted force-wide."
    thriives.save()
    prompt_set_publish(prompt_set=thriives, actor=trainer)
    force_model_choose(family="thriives")
    assert current_family() == "thriives"
    assert prompt_set_current().family == "thriives"
    fresh = make_incident(handler=handler)
    draft = assessment_record(incident=fresh, author=handler, data={}, submit=False)
    assert draft.prompt_set.family == "thriives"
