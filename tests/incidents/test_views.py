"""Incident pages of incidents/views.py: the list and create, and who may see the incident
pages. The detail, close and note pages are casework's: tests/casework/test_views.py."""

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
