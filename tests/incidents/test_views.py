"""Incident pages: create, the in-place closure prompt, and who may see them."""

import pytest
from django.urls import reverse

from incidents.models import Incident, Status
from tests.factories import UserFactory, make_incident

NEW = {
    "channel": "999",
    "category": "burglary_dwelling",
    "grading": "priority",
    "summary": "Back door forced.",
    "location": "3 Mill Lane",
}


def test_the_create_page_renders(handler_client):
    response = handler_client.get(reverse("incidents:incident-create"))
    assert response.status_code == 200
    assert 'name="summary"' in response.content.decode()


def test_creating_redirects_to_the_assessment_form(handler_client):
    response = handler_client.post(reverse("incidents:incident-create"), NEW)
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("thrive:assessment-form", kwargs={"reference": incident.reference})


def test_create_errors_are_shown_in_the_error_summary(handler_client):
    response = handler_client.post(
        reverse("incidents:incident-create"), {**NEW, "category": "alien_abduction", "summary": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert 'href="#f-category"' in html
    assert "is not a known opening code" in html
    assert 'href="#f-summary"' in html
    assert "Enter a summary of the call" in html
    # What was typed stays in the form.
    assert "3 Mill Lane" in html
    assert not Incident.objects.exists()


def test_an_oversized_summary_is_shown_in_the_error_summary(handler_client):
    response = handler_client.post(reverse("incidents:incident-create"), {**NEW, "summary": "x" * 2001})
    assert response.status_code == 400
    assert "2,000 characters or fewer" in response.content.decode()


def _close_url(incident):
    return reverse("incidents:incident-close", kwargs={"reference": incident.reference})


def test_closing_without_an_assessment_by_htmx_answers_the_close_panel_in_place(handler, handler_client):
    incident = make_incident(handler=handler)
    response = handler_client.post(
        _close_url(incident),
        {"closure_code": "crime_recorded", "row_version": incident.row_version},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#close-panel"
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="close-panel"')
    assert "<html" not in html
    assert "has no completed THRIVE-SP assessment" in html
    assert reverse("thrive:assessment-form", kwargs={"reference": incident.reference}) in html
    incident.refresh_from_db()
    assert incident.status == Status.OPEN


def test_closing_without_an_assessment_without_htmx_shows_the_prompt_on_the_full_page(handler, handler_client):
    incident = make_incident(handler=handler)
    response = handler_client.post(_close_url(incident), {"closure_code": "crime_recorded"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "<html" in html
    assert 'id="close-panel"' in html
    assert "has no completed THRIVE-SP assessment" in html
    assert reverse("thrive:assessment-form", kwargs={"reference": incident.reference}) in html


def test_an_exempt_close_without_a_reason_shows_the_error_in_the_panel(handler, handler_client):
    incident = make_incident(handler=handler)
    response = handler_client.post(_close_url(incident), {"closure_code": "duplicate"}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#f-exemption-reason"' in html
    assert "Give the reason" in html


def test_closing_with_an_assessment_redirects_to_the_incident(handler, handler_client):
    incident = make_incident(handler=handler, assessed=True)
    response = handler_client.post(_close_url(incident), {"closure_code": "crime_recorded"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED


def test_closing_by_htmx_answers_hx_redirect(handler, handler_client):
    incident = make_incident(handler=handler, assessed=True)
    response = handler_client.post(
        _close_url(incident), {"closure_code": "crime_recorded"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("incidents:incident-detail", kwargs={"reference": incident.reference})


def test_a_stale_close_form_is_refused_with_a_reload_link(handler, handler_client):
    incident = make_incident(handler=handler, assessed=True)
    response = handler_client.post(
        _close_url(incident),
        {"closure_code": "crime_recorded", "row_version": incident.row_version - 1},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == Status.OPEN


def test_the_detail_page_shows_the_timeline_and_versions(handler, handler_client):
    incident = make_incident(handler=handler, assessed=True, versions=2)
    html = handler_client.get(reverse("incidents:incident-detail", kwargs={"reference": incident.reference})).content
    html = html.decode()
    assert "Version 1" in html
    assert "Version 2" in html
    assert "THRIVE-SP assessment version 2 submitted" in html


def test_the_list_page_and_its_htmx_fragment(handler, handler_client):
    incident = make_incident(handler=handler)
    page = handler_client.get(reverse("incidents:incident-list"))
    assert page.status_code == 200
    assert incident.reference in page.content.decode()
    fragment = handler_client.get(
        reverse("incidents:incident-list"), {"q": incident.reference[:3]}, headers={"HX-Request": "true"}
    )
    html = fragment.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert incident.reference in html


@pytest.mark.parametrize("role", ["trainer", "analyst"])
@pytest.mark.parametrize("page", ["list", "create", "detail", "close"])
def test_trainers_and_analysts_get_403_on_incident_pages(client_for, handler, role, page):
    incident = make_incident(handler=handler)
    client = client_for(UserFactory(**{role: True}))
    if page == "list":
        response = client.get(reverse("incidents:incident-list"))
    elif page == "create":
        response = client.get(reverse("incidents:incident-create"))
    elif page == "detail":
        response = client.get(reverse("incidents:incident-detail", kwargs={"reference": incident.reference}))
    else:
        response = client.post(_close_url(incident), {"closure_code": "duplicate", "exemption_reason": "x"})
    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.status == Status.OPEN


def test_anonymous_is_sent_to_log_in(client, db):
    response = client.get(reverse("incidents:incident-list"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_null_characters_in_the_create_form_are_an_error_not_a_500(handler_client):
    response = handler_client.post(reverse("incidents:incident-create"), {**NEW, "summary": "bad\x00byte"})
    assert response.status_code == 400
    assert "null characters" in response.content.decode()


def test_null_characters_in_the_list_search_are_a_400_not_a_500(handler, handler_client):
    # config.http.RefuseNulMiddleware: no filter can hold a NUL (review finding 14).
    make_incident(handler=handler)
    response = handler_client.get(reverse("incidents:incident-list"), {"q": "ab\x00", "handler": "x\x00"})
    assert response.status_code == 400


def test_null_characters_in_the_close_form_are_an_error_not_a_500(handler, handler_client):
    incident = make_incident(handler=handler, assessed=True)
    response = handler_client.post(_close_url(incident), {"closure_code": "crime\x00"}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    incident.refresh_from_db()
    assert incident.status == Status.OPEN


def test_null_characters_in_a_note_are_a_form_error(handler, handler_client):
    # Refused, not silently dropped: one free-text rule everywhere (config.text, finding 16).
    incident = make_incident(handler=handler)
    url = reverse("incidents:incident-note", kwargs={"reference": incident.reference})
    response = handler_client.post(url, {"text": "rang\x00 back"})
    assert response.status_code == 400
    assert "The log entry must not contain null characters" in response.content.decode()
    assert not incident.entries.filter(kind="note").exists()
