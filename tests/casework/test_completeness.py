"""Rule 2, the complete assessment, at the one service that records assessments.

Every missing section and every conditional requirement is named in the error, all at once;
drafts take anything incomplete but still refuse bad input."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from casework.services import assessment_record
from tests.factories import complete_answers, make_incident
from thrive.models import Assessment, AssessmentStatus


def _submit(handler, answers: dict[str, Any]) -> Assessment:
    incident = make_incident(handler=handler)
    return assessment_record(incident=incident, author=handler, data=answers, submit=True)


def _refusal(handler, answers: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        _submit(handler, answers)
    return caught.value.message_dict


def test_a_complete_assessment_is_submitted(handler):
    assessment = _submit(handler, complete_answers())
    assert assessment.status == AssessmentStatus.SUBMITTED
    assert assessment.submitted_at is not None


@pytest.mark.parametrize(
    ("blank", "key", "message"),
    [
        ({"threat": ""}, "threat", "Enter the threat"),
        ({"harm": "   "}, "harm", "Enter the harm"),
        ({"risk": ""}, "risk", "Enter the risk"),
        ({"investigation": ""}, "investigation", "Enter the investigation"),
        ({"vulnerability": ""}, "vulnerability", "Enter the vulnerability"),
        ({"engagement": ""}, "engagement", "Enter the engagement"),
        ({"risk_level": ""}, "risk_level", "Select the risk level"),
        ({"grading": ""}, "grading", "Select the grading"),
        ({"rationale": ""}, "rationale", "Enter the rationale for the grading"),
        ({"children_involved": None}, "children_involved", "Say whether children are involved"),
        (
            {"scene_preservation": {"forensic_opportunities": ""}},
            "scene_preservation",
            "Answer whether there are forensic opportunities",
        ),
        (
            {"scene_preservation": {"evidence_retainable": ""}},
            "scene_preservation",
            "Answer whether any evidence can be retained",
        ),
        (
            {"scene_preservation": {"csi_required": ""}},
            "scene_preservation",
            "Answer whether a crime scene investigator needs to attend",
        ),
        ({"prevention": {"advice": ""}}, "prevention", "Enter the crime prevention advice given"),
        ({"prevention": {"send_link": None}}, "prevention", "Say whether a link text is to be sent"),
    ],
)
def test_submit_is_refused_naming_the_missing_section(handler, blank, key, message):
    errors = _refusal(handler, complete_answers(**blank))
    assert list(errors) == [key]
    assert message in errors[key]


def test_a_missing_answer_leaves_no_submitted_version(handler):
    incident = make_incident(handler=handler)
    with pytest.raises(ValidationError):
        assessment_record(incident=incident, author=handler, data=complete_answers(threat=""), submit=True)
    assert not Assessment.objects.filter(incident=incident).exists()


def test_every_incomplete_section_is_reported_at_once(handler):
    errors = _refusal(handler, {})
    assert set(errors) == {
        "threat",
        "harm",
        "children_involved",
        "risk",
        "investigation",
        "vulnerability",
        "engagement",
        "scene_preservation",
        "prevention",
        "risk_level",
        "grading",
        "rationale",
    }
    # All three preservation questions and both prevention answers, not only the first.
    assert len(errors["scene_preservation"]) == 3
    assert len(errors["prevention"]) == 2


@pytest.mark.parametrize("question", ["forensic_opportunities", "evidence_retainable", "csi_required"])
def test_any_preservation_yes_needs_the_advice_given_to_the_victim(handler, question):
    answers = complete_answers(
        scene_preservation={
            "forensic_opportunities": "no",
            "evidence_retainable": "no",
            "csi_required": "no",
            question: "yes",
            "advice": "",
        }
    )
    errors = _refusal(handler, answers)
    assert errors == {"scene_preservation": ["Enter the scene preservation advice given to the victim"]}


def test_all_preservation_no_or_not_known_needs_no_advice(handler):
    answers = complete_answers(
        scene_preservation={
            "forensic_opportunities": "no",
            "evidence_retainable": "not_known",
            "csi_required": "no",
            "advice": "",
        }
    )
    assert _submit(handler, answers).is_submitted


def test_children_involved_needs_the_voice_of_the_child(handler):
    errors = _refusal(handler, complete_answers(children_involved=True, voice_of_child=""))
    assert errors == {"voice_of_child": ["Record the voice of the child: what the child has seen, heard or said"]}


def test_children_involved_with_the_voice_of_the_child_is_complete(handler):
    answers = complete_answers(children_involved=True, voice_of_child="The boy said he hid upstairs.")
    assert _submit(handler, answers).answers["voice_of_child"] == "The boy said he hid upstairs."


def test_no_children_needs_no_voice_of_the_child(handler):
    assert _submit(handler, complete_answers(children_involved=False, voice_of_child="")).is_submitted


def _link(**prevention: Any) -> dict[str, Any]:
    base = {
        "advice": "Lock the doors.",
        "send_link": True,
        "phone": "07700 900123",
        "safe_to_text_confirmed": True,
        "link_not_sent_reason": "",
    }
    return complete_answers(prevention={**base, **prevention})


def test_sending_a_link_with_a_confirmed_uk_mobile_is_complete(handler):
    assert _submit(handler, _link()).answers["prevention"]["phone"] == "07700 900123"


def test_sending_a_link_needs_the_phone(handler):
    errors = _refusal(handler, _link(phone=""))
    assert errors == {"prevention": ["Enter the victim's mobile number"]}


def test_sending_a_link_needs_a_valid_uk_mobile(handler):
    errors = _refusal(handler, _link(phone="01202 123456"))
    assert list(errors) == ["prevention"]
    assert "UK mobile" in errors["prevention"][0]


def test_sending_a_link_needs_safe_to_text_confirmed(handler):
    errors = _refusal(handler, _link(safe_to_text_confirmed=False))
    assert errors == {"prevention": ["Confirm the number is the victim's own, safe to text, and the victim agrees"]}


def test_no_link_needs_the_reason_none_was_sent(handler):
    errors = _refusal(handler, complete_answers(prevention={"send_link": False, "link_not_sent_reason": ""}))
    assert errors == {"prevention": ["Enter why no link text is being sent"]}


def test_no_link_needs_neither_phone_nor_confirmation(handler):
    answers = complete_answers(
        prevention={"send_link": False, "phone": "", "safe_to_text_confirmed": False, "link_not_sent_reason": "None"}
    )
    assert _submit(handler, answers).is_submitted


def test_a_draft_accepts_an_empty_assessment(handler):
    incident = make_incident(handler=handler)
    draft = assessment_record(incident=incident, author=handler, data={}, submit=False)
    assert draft.status == AssessmentStatus.DRAFT
    assert draft.submitted_at is None


def test_a_draft_accepts_an_incomplete_assessment_and_keeps_it(handler):
    incident = make_incident(handler=handler)
    assessment_record(incident=incident, author=handler, data={"threat": "Knife mentioned"}, submit=False)
    draft = Assessment.objects.get(incident=incident)
    assert draft.answers["threat"] == "Knife mentioned"
    assert draft.status == AssessmentStatus.DRAFT


def test_a_draft_refuses_oversized_text(handler, settings):
    settings.ASSESSMENT_TEXT_MAX_LENGTH = 50
    incident = make_incident(handler=handler)
    with pytest.raises(ValidationError) as caught:
        assessment_record(incident=incident, author=handler, data={"harm": "x" * 51}, submit=False)
    assert list(caught.value.message_dict) == ["harm"]
    assert "50 characters or fewer" in caught.value.message_dict["harm"][0]
    assert not Assessment.objects.filter(incident=incident).exists()


def test_text_at_the_limit_is_accepted(handler, settings):
    settings.ASSESSMENT_TEXT_MAX_LENGTH = 50
    incident = make_incident(handler=handler)
    draft = assessment_record(incident=incident, author=handler, data={"harm": "x" * 50}, submit=False)
    assert draft.answers["harm"] == "x" * 50


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"risk_level": "extreme"}, "risk_level"),
        ({"grading": "whenever"}, "grading"),
        ({"scene_preservation": {"csi_required": "maybe"}}, "scene_preservation"),
        ({"children_involved": "perhaps"}, "children_involved"),
        ({"prevention": {"send_link": "sometimes"}}, "prevention"),
        ({"threat": 42}, "threat"),
    ],
)
def test_a_draft_refuses_bad_choices(handler, data, key):
    incident = make_incident(handler=handler)
    with pytest.raises(ValidationError) as caught:
        assessment_record(incident=incident, author=handler, data=data, submit=False)
    assert list(caught.value.message_dict) == [key]
