"""Rule 12: a new version never inherits the text request or the safe-to-text confirmation,
and a second text to the same number for the same incident needs a reason. The rule lives
in victims.texts.text_queue, called by casework.services.assessment_record; the page
and the API both reach it."""

import copy
import re
from typing import Any

import pytest
from django.urls import reverse

from casework.services import assessment_record
from incidents.models import EntryKind
from tests.factories import UserFactory, complete_answers, form_post, make_incident
from tests.victims.conftest import texting_answers
from thrive.models import Assessment
from victims.models import Text

pytestmark = pytest.mark.django_db


def _texting(phone: str = "07700 900123", *, threat: str = "He is outside now.", **prevention: Any) -> dict:
    answers = texting_answers(phone)
    answers["threat"] = threat
    answers["prevention"].update(prevention)
    return answers


@pytest.fixture
def texted(handler):
    """An incident whose first version texted 07700 900123."""
    incident = make_incident(handler=handler, category="domestic_abuse")
    assessment_record(incident=incident, author=handler, data=_texting(threat="First call."), submit=True)
    assert Text.objects.filter(incident=incident).count() == 1
    return incident


# --- The service: one rule for every route -------------------------------------------------


def test_a_later_version_asking_again_for_the_same_number_makes_no_second_text(handler, texted):
    second = assessment_record(incident=texted, author=handler, data=_texting(), submit=True)

    assert second.is_submitted
    assert second.version == 2
    assert Text.objects.filter(incident=texted).count() == 1
    (entry,) = texted.entries.filter(kind=EntryKind.TEXT_NOT_SENT)
    assert "no reason to send it again was given" in entry.text
    assert "ending 123" in entry.text
    assert "+447700900123" not in entry.text


def test_the_same_number_in_another_format_is_the_same_number(handler, texted):
    assessment_record(incident=texted, author=handler, data=_texting("+44 7700 900123"), submit=True)
    assert Text.objects.filter(incident=texted).count() == 1


def test_a_resend_reason_makes_the_second_text_and_is_kept_and_logged(handler, texted):
    reason = "The victim deleted the first text and asked for the link again."
    second = assessment_record(incident=texted, author=handler, data=_texting(resend_reason=reason), submit=True)

    first, again = Text.objects.filter(incident=texted).order_by("id")
    assert again.assessment == second
    assert again.resend_reason == reason
    assert first.resend_reason == ""
    queued = texted.entries.filter(kind=EntryKind.TEXT_QUEUED).order_by("at", "id").last()
    assert "queued again" in queued.text
    assert reason in queued.text


def test_a_blank_resend_reason_is_no_reason(handler, texted):
    assessment_record(incident=texted, author=handler, data=_texting(resend_reason="   "), submit=True)
    assert Text.objects.filter(incident=texted).count() == 1


def test_a_different_number_needs_no_reason(handler, texted):
    assessment_record(incident=texted, author=handler, data=_texting("07700 900456"), submit=True)
    assert Text.objects.filter(incident=texted).count() == 2


def test_another_authors_version_needs_a_reason_too(texted, supervisor):
    assessment_record(incident=texted, author=supervisor, data=_texting(), submit=True)
    assert Text.objects.filter(incident=texted).count() == 1


def test_a_resend_reason_that_is_not_text_or_too_long_is_refused_naming_prevention(handler, texted):
    from django.core.exceptions import ValidationError

    for bad in (["a list"], "x" * 501):
        with pytest.raises(ValidationError) as caught:
            assessment_record(incident=texted, author=handler, data=_texting(resend_reason=bad), submit=True)
        assert "prevention" in caught.value.message_dict
    assert Assessment.objects.filter(incident=texted).count() == 1


# --- The API -------------------------------------------------------------------------------


def test_the_api_sends_a_second_text_to_the_same_number_only_with_a_reason(handler, texted, api_client_for):
    client = api_client_for(handler)
    url = f"/api/incidents/{texted.reference}/assessments/"

    without = client.post(url, {"submit": True, **_texting(threat="Second call.")}, format="json")
    assert without.status_code == 201, without.content
    assert without.json()["version"] == 2
    assert Text.objects.filter(incident=texted).count() == 1

    again = _texting(threat="Third call.", resend_reason="The first text failed to arrive.")
    with_reason = client.post(url, {"submit": True, **again}, format="json")
    assert with_reason.status_code == 201, with_reason.content
    texts = client.get(f"/api/incidents/{texted.reference}/texts/").json()
    assert [t["resend_reason"] for t in texts] == ["", "The first text failed to arrive."]


def test_the_api_refuses_a_resend_reason_that_is_not_text(handler, texted, api_client_for):
    url = f"/api/incidents/{texted.reference}/assessments/"
    response = api_client_for(handler).post(url, {"submit": True, **_texting(resend_reason=7)}, format="json")
    assert response.status_code == 400
    assert "prevention" in response.json()


# --- The page ------------------------------------------------------------------------------


def _form(client, incident) -> str:
    return client.get(reverse("thrive:assessment-form", kwargs={"reference": incident.reference})).content.decode()


def _submit(client, incident, data: dict[str, str]):
    return client.post(reverse("thrive:assessment-submit", kwargs={"reference": incident.reference}), data)


def test_the_re_thrive_form_asks_afresh_whether_to_text_and_keeps_the_number(handler_client, texted):
    html = _form(handler_client, texted)

    assert not re.search(r'name="prevention__send_link" type="radio" value="true" checked', html)
    assert not re.search(r'name="prevention__send_link" type="radio" value="false" checked', html)
    assert not re.search(r'id="f-prevention-safe-to-text-confirmed"[^>]*checked', html)
    assert 'value="07700 900123"' in html  # the number is carried over
    assert "asked again each time" in html


def test_the_re_thrive_form_offers_send_again_naming_the_number_already_texted(handler_client, texted):
    html = _form(handler_client, texted)
    assert "Texts already sent for this incident" in html
    assert "a mobile ending 123" in html
    assert 'name="prevention__resend" type="checkbox"' in html
    assert 'name="prevention__resend_reason"' in html
    assert 'data-aria-controls="conditional-f-prevention-resend"' in html


def test_a_first_assessment_has_no_send_again_choice(handler_client, handler):
    incident = make_incident(handler=handler)
    assert "Texts already sent" not in _form(handler_client, incident)


def test_submitting_the_carried_over_form_untouched_sends_no_text(handler_client, texted):
    """The issue's case: the handler re-THRIVEs and submits without touching Prevention."""
    page = handler_client.get(reverse("thrive:assessment-form", kwargs={"reference": texted.reference}))
    layout = page.context["layout"]
    data = {"form_version": str(page.context["form_version"])}
    for section in layout:
        for row in section.prompts:
            if row.prompt.type != "guidance" and row.value not in (None, "", False):
                data[row.prompt.html_name] = row.value_str

    response = _submit(handler_client, texted, data)

    # Prevention must be answered afresh: the submission is refused, naming Prevention.
    assert response.status_code == 400
    assert "Prevention: " in response.content.decode()
    assert Text.objects.filter(incident=texted).count() == 1
    assert Assessment.objects.filter(incident=texted, status="submitted").count() == 1


def test_the_page_without_send_again_saves_the_version_and_says_no_text_went(handler_client, texted):
    response = _submit(handler_client, texted, form_post(_texting(threat="Second call."), form_version="2"))
    assert response.status_code == 302
    assert Text.objects.filter(incident=texted).count() == 1
    page = handler_client.get(response.url).content.decode()
    assert "No text was sent" in page


def test_the_page_send_again_with_a_reason_texts_and_the_log_shows_the_reason(handler_client, texted):
    reason = "Victim asked for the link again; she deleted the first text."
    data = form_post(
        _texting(threat="Second call."), form_version="2", prevention__resend="true", prevention__resend_reason=reason
    )
    response = _submit(handler_client, texted, data)
    assert response.status_code == 302
    assert Text.objects.filter(incident=texted).count() == 2
    assert Text.objects.order_by("id").last().resend_reason == reason
    detail = handler_client.get(response.url).content.decode()
    assert reason.replace(";", ";") in detail.replace("&#x27;", "'")


def test_the_page_send_again_without_a_reason_is_an_error_at_the_reason(handler_client, texted):
    data = form_post(_texting(threat="Second call."), form_version="2", prevention__resend="true")
    response = _submit(handler_client, texted, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#f-prevention-resend-reason"' in html
    assert "Prevention: Say why the text should go again" in html
    assert re.search(r'id="f-prevention-resend"[^>]*checked', html)
    assert Text.objects.filter(incident=texted).count() == 1
    assert Assessment.objects.filter(incident=texted, status="submitted").count() == 1


def test_words_left_in_the_reason_without_ticking_send_again_send_nothing(handler_client, texted):
    data = form_post(_texting(threat="Second call."), form_version="2", prevention__resend_reason="typed then unticked")
    assert _submit(handler_client, texted, data).status_code == 302
    assert Text.objects.filter(incident=texted).count() == 1


def test_revising_a_returned_version_asks_afresh_too(handler, texted, client_for):
    from thrive.returns import assessment_return

    supervisor = UserFactory(supervisor=True, username="sup2")
    returned = assessment_return(
        assessment=Assessment.objects.get(incident=texted),
        actor=supervisor,
        reason="poor_quality",
        sections=["threat"],
        feedback="More detail on the threat.",
    )
    page = client_for(handler).get(reverse("thrive:returned-revise-form", kwargs={"pk": returned.pk}))
    html = page.content.decode()
    assert page.status_code == 200
    assert not re.search(r'name="prevention__send_link" type="radio" value="true" checked', html)
    assert not re.search(r'id="f-prevention-safe-to-text-confirmed"[^>]*checked', html)
    assert "Texts already sent for this incident" in html
    assert 'name="form_version"' in html


def test_the_starting_point_drops_only_the_text_request_and_the_confirmation():
    from thrive.rules import answers_for_new_version
    from thrive.services import prompt_set_current

    sections = prompt_set_current().sections
    previous = _texting()
    start = answers_for_new_version(
        previous_answers=copy.deepcopy(previous), previous_sections=sections, sections=sections
    ).answers
    assert start["prevention"]["phone"] == "07700 900123"
    assert start["prevention"].get("send_link") is None
    assert start["prevention"].get("safe_to_text_confirmed") is None
    assert start["threat"] == previous["threat"]
    assert start["scene_preservation"] == previous["scene_preservation"]
    assert complete_answers()["risk_level"] == start["risk_level"]
