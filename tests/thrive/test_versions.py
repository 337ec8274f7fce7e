"""Rule 4: a submitted assessment never changes, and every version keeps its wording."""

import copy

import pytest
from django.core.exceptions import ValidationError

from casework.services import assessment_record
from tests.factories import complete_answers, make_incident
from thrive.models import Assessment, AssessmentStatus, PromptSet
from thrive.wording import prompt_set_current, prompt_set_draft_start, prompt_set_publish


def _publish_new_wording(actor, *, threat_label: str = "What is the threat right now?") -> PromptSet:
    sections = copy.deepcopy(prompt_set_current().sections)
    sections[0]["prompts"][0]["label"] = threat_label
    draft = prompt_set_draft_start(actor=actor, sections=sections, change_summary="Clearer threat prompt", resume=False)
    return prompt_set_publish(prompt_set=draft, actor=actor)


def test_posting_again_makes_the_next_version_and_the_old_answers_stay(handler):
    incident = make_incident(handler=handler, assessed=True)
    first = Assessment.objects.get(incident=incident)
    first_answers = copy.deepcopy(first.answers)

    second = assessment_record(
        incident=incident, author=handler, data=complete_answers(threat="He is outside now."), submit=True
    )

    assert (first.version, second.version) == (1, 2)
    assert second.pk != first.pk
    assert second.revises_id == first.pk
    first.refresh_from_db()
    assert first.answers == first_answers
    assert first.status == AssessmentStatus.SUBMITTED
    assert second.answers["threat"] == "He is outside now."


def test_a_draft_after_a_submission_is_a_new_version_not_an_edit(handler):
    incident = make_incident(handler=handler, assessed=True)
    draft = assessment_record(incident=incident, author=handler, data={"threat": "Changed"}, submit=False)
    assert draft.version == 2
    assert Assessment.objects.get(incident=incident, version=1).answers["threat"] != "Changed"


def test_autosaves_update_the_one_draft_in_place(handler):
    incident = make_incident(handler=handler)
    first = assessment_record(incident=incident, author=handler, data={"threat": "A"}, submit=False)
    second = assessment_record(incident=incident, author=handler, data={"threat": "AB"}, submit=False)
    assert first.pk == second.pk
    assert Assessment.objects.filter(incident=incident).count() == 1
    assert Assessment.objects.get(pk=first.pk).answers["threat"] == "AB"


def test_two_authors_each_keep_their_own_draft(handler, supervisor):
    incident = make_incident(handler=handler)
    mine = assessment_record(incident=incident, author=handler, data={"threat": "mine"}, submit=False)
    theirs = assessment_record(incident=incident, author=supervisor, data={"threat": "theirs"}, submit=False)
    assert mine.pk != theirs.pk
    assert {mine.version, theirs.version} == {1, 2}


def test_old_versions_keep_the_wording_they_were_answered_against(handler, trainer):
    incident = make_incident(handler=handler, assessed=True)
    old_set = prompt_set_current()
    new_set = _publish_new_wording(trainer)

    assert prompt_set_current().pk == new_set.pk
    old = Assessment.objects.get(incident=incident, version=1)
    assert old.prompt_set_id == old_set.pk
    assert old.prompt_set.sections[0]["prompts"][0]["label"] == "What is the threat?"

    newer = assessment_record(incident=incident, author=handler, data=complete_answers(), submit=True)
    assert newer.prompt_set_id == new_set.pk
    assert newer.prompt_set.sections[0]["prompts"][0]["label"] == "What is the threat right now?"


def test_a_draft_started_before_a_publish_keeps_its_wording_until_submitted(handler, trainer):
    incident = make_incident(handler=handler)
    old_set = prompt_set_current()
    draft = assessment_record(incident=incident, author=handler, data={"threat": "Started"}, submit=False)
    new_set = _publish_new_wording(trainer)

    resaved = assessment_record(incident=incident, author=handler, data={"threat": "Still going"}, submit=False)
    assert resaved.pk == draft.pk
    assert resaved.prompt_set_id == old_set.pk

    submitted = assessment_record(incident=incident, author=handler, data=complete_answers(), submit=True)
    assert submitted.pk == draft.pk
    assert submitted.prompt_set_id == old_set.pk

    following = assessment_record(incident=incident, author=handler, data={}, submit=False)
    assert following.prompt_set_id == new_set.pk


def test_a_published_prompt_set_cannot_be_published_again(trainer):
    from config.errors import Blocked

    with pytest.raises(Blocked) as caught:
        prompt_set_publish(prompt_set=prompt_set_current(), actor=trainer)
    assert caught.value.code == "already_published"


def test_assessments_of_a_closed_incident_cannot_change(handler):
    from config.errors import Blocked

    incident = make_incident(handler=handler, closed=True)
    with pytest.raises(Blocked) as caught:
        assessment_record(incident=incident, author=handler, data=complete_answers(), submit=True)
    assert caught.value.code == "already_closed"
    assert Assessment.objects.filter(incident=incident).count() == 1


def test_a_refused_submission_keeps_the_draft_as_it_was(handler):
    incident = make_incident(handler=handler)
    assessment_record(incident=incident, author=handler, data={"threat": "kept"}, submit=False)
    with pytest.raises(ValidationError):
        assessment_record(incident=incident, author=handler, data={"threat": "x" * 10_000}, submit=False)
    assert Assessment.objects.get(incident=incident).answers["threat"] == "kept"
