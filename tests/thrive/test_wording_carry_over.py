"""A re-THRIVE after new wording is published starts from the last answers, matched by each
prompt's key, and says plainly which prompts are new or changed."""

import copy
import re

import pytest
from django.urls import reverse

from tests.factories import complete_answers, make_incident
from thrive.wording import prompt_set_current, prompt_set_draft_start, prompt_set_publish

pytestmark = pytest.mark.django_db

NEW_THREAT_LABEL = "What is the threat right now?"
NEW_PROMPT = {
    "field": "weapons",
    "type": "text",
    "label": "Are weapons mentioned or available?",
    "hint": "",
    "required": "optional",
    "show_when": "always",
    "error": "",
}


def _publish_new_wording(trainer):
    sections = copy.deepcopy(prompt_set_current().sections)
    sections[0]["prompts"][0]["label"] = NEW_THREAT_LABEL
    sections[0]["prompts"].append(NEW_PROMPT)
    draft = prompt_set_draft_start(actor=trainer, sections=sections, change_summary="Threat now; weapons", resume=False)
    return prompt_set_publish(prompt_set=draft, actor=trainer)


def test_the_re_thrive_form_after_new_wording_keeps_the_answers_and_names_what_changed(
    handler, handler_client, trainer
):
    incident = make_incident(handler=handler, assessed=True)
    _publish_new_wording(trainer)

    response = handler_client.get(reverse("thrive:assessment-form", kwargs={"reference": incident.reference}))
    html = response.content.decode()

    answers = complete_answers()
    assert answers["threat"] in html
    assert answers["rationale"] in html
    assert re.search(r'name="risk_level" type="radio" value="high" checked', html)
    assert "Started from version 1" in html
    assert "The wording has changed since version 1" in html
    summary = html[html.index("data-wording-changes") :]
    summary = summary[: summary.index("</div>")]
    assert f"Threat: {NEW_THREAT_LABEL}</a> (wording changed)" in summary
    assert f"Threat: {NEW_PROMPT['label']}</a> (new question)" in summary
    assert "Harm:" not in summary  # unchanged prompts are not listed
    assert "Changed</strong>" in html
    assert "New</strong>" in html


def test_the_same_wording_lists_no_changes(handler, handler_client):
    incident = make_incident(handler=handler, assessed=True)
    html = handler_client.get(reverse("thrive:assessment-form", kwargs={"reference": incident.reference})).content
    assert b"The wording has changed" not in html
    assert complete_answers()["threat"].encode() in html


def test_an_answer_the_new_wording_cannot_hold_is_not_carried():
    from thrive.rules import answers_for_new_version

    old = prompt_set_current().sections
    new = copy.deepcopy(old)
    risk_level = next(p for s in new for p in s["prompts"] if p.get("field") == "risk_level")
    risk_level["choices"] = [["high", "High"], ["low", "Low"]]
    children = next(p for s in new for p in s["prompts"] if p.get("field") == "children_involved")
    children["type"] = "text"

    point = answers_for_new_version(
        previous_answers=complete_answers(risk_level="medium"), previous_sections=old, sections=new
    )

    assert "risk_level" not in point.answers
    assert "children_involved" not in point.answers
    assert {"risk_level", "children_involved"} <= set(point.changed_fields)
    assert point.answers["threat"] == complete_answers()["threat"]
