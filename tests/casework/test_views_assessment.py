"""The assessment form (casework/views_assessment.py): rendered from the prompt set,
autosaving by htmx, and submitting."""

import re

import pytest
from django.urls import reverse

from casework.services import assessment_record
from tests.factories import UserFactory, complete_answers, form_post, make_incident
from thrive.models import Assessment, AssessmentStatus
from thrive.services import prompt_set_current


def _form_url(incident) -> str:
    return reverse("thrive:assessment-form", kwargs={"reference": incident.reference})


def _group_classes(html: str, field_id: str) -> str:
    """The class list of the form group holding the input with this id."""
    position = html.index(f'id="{field_id}"')
    start = html.rindex('<div class="govuk-form-group', 0, position)
    return html[start : html.index(">", start) + 1]


@pytest.fixture
def incident(handler):
    return make_incident(handler=handler)


def test_the_form_renders_every_section_in_order_with_guidance(handler_client, incident):
    html = handler_client.get(_form_url(incident)).content.decode()
    sections = prompt_set_current().sections
    positions = [html.index(f"{number}. {section['title']}") for number, section in enumerate(sections, start=1)]
    assert positions == sorted(positions)
    for section in sections:
        assert f"Guidance: {section['title']}" in html
        assert section["guidance"].replace("'", "&#x27;") in html


def test_conditional_prompts_carry_data_show_when_and_start_hidden(handler_client, incident):
    html = handler_client.get(_form_url(incident)).content.decode()
    for field_id, condition in [
        ("f-voice-of-child", "children_involved"),
        ("f-scene-preservation-advice", "any_preservation_yes"),
        ("f-prevention-phone", "send_link"),
        ("f-prevention-safe-to-text-confirmed", "send_link"),
        ("f-prevention-link-not-sent-reason", "no_link"),
    ]:
        group = _group_classes(html, field_id)
        assert f'data-show-when="{condition}"' in group, field_id
        assert "app-conditional--hidden" in group, field_id
    assert "data-show-when" not in _group_classes(html, "f-threat")
    assert "app-conditional--hidden" not in _group_classes(html, "f-threat")


def test_conditional_prompts_show_when_their_condition_holds(handler, handler_client, incident):
    answers = complete_answers(
        children_involved=True, prevention={"send_link": True, "phone": "07700 900123", "safe_to_text_confirmed": True}
    )
    assessment_record(incident=incident, author=handler, data=answers, submit=False)
    html = handler_client.get(_form_url(incident)).content.decode()
    for field_id in [
        "f-voice-of-child",
        "f-scene-preservation-advice",
        "f-prevention-phone",
        "f-prevention-safe-to-text-confirmed",
    ]:
        assert "app-conditional--hidden" not in _group_classes(html, field_id), field_id
    assert "app-conditional--hidden" in _group_classes(html, "f-prevention-link-not-sent-reason")


def test_the_form_states_the_length_limit(handler_client, incident, settings):
    settings.ASSESSMENT_TEXT_MAX_LENGTH = 1234
    html = handler_client.get(_form_url(incident)).content.decode()
    assert "Up to 1,234 characters." in html


def test_htmx_autosave_saves_the_draft_and_says_when(handler, handler_client, incident):
    url = reverse("thrive:assessment-autosave", kwargs={"reference": incident.reference})
    response = handler_client.post(
        url,
        {"threat": "He has a knife", "scene_preservation__csi_required": "not_known"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Draft saved at" in html
    assert 'id="save-status"' in html
    assert "<html" not in html
    draft = Assessment.objects.get(incident=incident, author=handler)
    assert draft.status == AssessmentStatus.DRAFT
    assert draft.answers["threat"] == "He has a knife"


def test_a_reload_finds_every_typed_word(handler, handler_client, incident):
    typed = complete_answers(threat="Threat words typed", rationale="Rationale words typed")
    url = reverse("thrive:assessment-autosave", kwargs={"reference": incident.reference})
    handler_client.post(url, form_post(typed), headers={"HX-Request": "true"})
    html = handler_client.get(_form_url(incident)).content.decode()
    for text in [
        "Threat words typed",
        typed["harm"],
        typed["risk"],
        typed["investigation"],
        typed["vulnerability"],
        typed["engagement"],
        "Rationale words typed",
        typed["scene_preservation"]["advice"],
        typed["prevention"]["advice"],
        typed["prevention"]["link_not_sent_reason"],
    ]:
        assert text.replace("'", "&#x27;") in html, text
    assert re.search(r'name="risk_level" type="radio" value="high" checked', html)
    assert "Draft last saved at" in html


def test_autosave_refuses_oversized_text_and_keeps_the_previous_draft(handler, handler_client, incident, settings):
    settings.ASSESSMENT_TEXT_MAX_LENGTH = 20
    url = reverse("thrive:assessment-autosave", kwargs={"reference": incident.reference})
    handler_client.post(url, {"threat": "short"}, headers={"HX-Request": "true"})
    response = handler_client.post(url, {"threat": "x" * 21}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Not saved" in response.content.decode()
    assert Assessment.objects.get(incident=incident).answers["threat"] == "short"


def test_save_draft_without_javascript_redirects_back_to_the_form(handler_client, incident):
    url = reverse("thrive:assessment-autosave", kwargs={"reference": incident.reference})
    response = handler_client.post(url, {"threat": "typed"})
    assert response.status_code == 302
    assert response["Location"] == _form_url(incident)


def test_submit_with_missing_sections_names_each_by_title_and_keeps_what_was_typed(handler, handler_client, incident):
    url = reverse("thrive:assessment-submit", kwargs={"reference": incident.reference})
    response = handler_client.post(url, {"threat": "Only the threat so far", "harm": "Some harm"})
    assert response.status_code == 400
    html = response.content.decode()
    start = html.index("govuk-error-summary__list")
    summary = html[start : html.index("</ul>", start)]
    for title in [
        "Harm",  # children_involved is unanswered
        "Risk",
        "Investigation",
        "Vulnerability",
        "Engagement",
        "Scene preservation",
        "Prevention",
        "Risk level and grading",
    ]:
        assert f"{title}: " in summary, title
    assert "Threat: " not in summary
    assert "Only the threat so far" in html
    draft = Assessment.objects.get(incident=incident, author=handler)
    assert draft.status == AssessmentStatus.DRAFT
    assert draft.answers["threat"] == "Only the threat so far"


def test_a_valid_submit_redirects_to_the_incident(handler, handler_client, incident):
    url = reverse("thrive:assessment-submit", kwargs={"reference": incident.reference})
    response = handler_client.post(url, form_post(complete_answers()))
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:incident-detail", kwargs={"reference": incident.reference})
    assessment = Assessment.objects.get(incident=incident)
    assert assessment.is_submitted
    assert assessment.answers == complete_answers()


@pytest.mark.parametrize("role", ["trainer", "analyst"])
def test_trainers_and_analysts_get_403_on_the_assessment_pages(client_for, incident, role):
    client = client_for(UserFactory(**{role: True}))
    assert client.get(_form_url(incident)).status_code == 403
    url = reverse("thrive:assessment-autosave", kwargs={"reference": incident.reference})
    assert client.post(url, {"threat": "x"}, headers={"HX-Request": "true"}).status_code == 403
    assert not Assessment.objects.exists()
