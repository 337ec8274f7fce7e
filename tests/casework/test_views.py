"""The incident pages casework composes (casework/views.py): the detail page, the in-place
closure prompt (rule 1) and the note form."""

from django.urls import reverse

from incidents.models import Status
from tests.factories import make_incident


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
