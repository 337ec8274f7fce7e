"""Closure exemptions per channel and category (issue 15): the force's policy lines decide
which exempt codes an incident may close with and what each must record; the closure stores
who, why and the line."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from casework.services import incident_close
from config.errors import Blocked
from incidents.models import ClosureExemption, EntryKind, Incident, Status
from incidents.services import incident_create

RISK = {"callback_attempts": 2, "callback_outcome": "Rang back twice, no answer; PNC and ICAD checked: no risk found."}


def _incident(handler, *, channel="999", category="burglary_dwelling"):
    return incident_create(actor=handler, channel=channel, category=category, grading="priority", summary="Call")


def test_an_abandoned_999_call_needs_a_risk_decision_not_a_one_line_reason(handler):
    incident = _incident(handler)
    with pytest.raises(ValidationError) as caught:
        incident_close(incident=incident, actor=handler, closure_code="abandoned_no_trace", exemption_reason="No trace")
    assert set(caught.value.message_dict) == {"callback_attempts", "callback_outcome"}
    assert Incident.objects.get(pk=incident.pk).status == Status.OPEN

    closed = incident_close(
        incident=incident, actor=handler, closure_code="abandoned_no_trace", exemption_reason="No trace", **RISK
    )
    line = ClosureExemption.objects.get(closure_code__code="abandoned_no_trace", channel="999")
    assert (closed.status, closed.exemption_line, closed.closed_by) == (Status.CLOSED, line, handler)
    assert (closed.callback_attempts, closed.callback_outcome) == (2, RISK["callback_outcome"])
    entry = closed.entries.get(kind=EntryKind.CLOSED)
    assert "Call-back attempts: 2" in entry.text
    assert "PNC and ICAD checked" in entry.text
    event = AuditEvent.objects.get(object_type="incident", action="alter", incident_reference=closed.reference)
    assert f"policy line {line.pk}" in event.description


def test_an_abandoned_101_call_closes_on_a_reason_under_the_general_line(handler):
    closed = incident_close(
        incident=_incident(handler, channel="101"),
        actor=handler,
        closure_code="abandoned_no_trace",
        exemption_reason="No trace",
    )
    assert closed.exemption_line == ClosureExemption.objects.get(closure_code__code="abandoned_no_trace", channel="")
    assert closed.callback_attempts is None


def test_missing_person_and_firearms_close_under_their_framework_naming_its_record(handler):
    for category, record in (("missing_person", "Missing person record"), ("firearms", "Firearms command log")):
        incident = _incident(handler, category=category)
        with pytest.raises(ValidationError) as caught:
            incident_close(incident=incident, actor=handler, closure_code="own_framework", exemption_reason="Mispers")
        assert caught.value.message_dict == {"framework_reference": [f"Enter the reference of the {record}"]}
        closed = incident_close(
            incident=incident,
            actor=handler,
            closure_code="own_framework",
            exemption_reason="Managed under the framework",
            framework_reference="MP/2026/0042",
        )
        assert closed.framework_reference == "MP/2026/0042"
        assert closed.exemption_line.category.code == category


def test_an_exempt_code_with_no_policy_line_is_refused(handler):
    incident = _incident(handler, category="burglary_dwelling")
    with pytest.raises(Blocked) as caught:
        incident_close(
            incident=incident,
            actor=handler,
            closure_code="own_framework",
            exemption_reason="x",
            framework_reference="y",
        )
    assert caught.value.code == "exemption_not_allowed"
    ClosureExemption.objects.filter(closure_code__code="duplicate").update(active=False)
    with pytest.raises(Blocked) as caught:
        incident_close(incident=incident, actor=handler, closure_code="duplicate", exemption_reason="Same call")
    assert caught.value.code == "exemption_not_allowed"
    assert Incident.objects.get(pk=incident.pk).status == Status.OPEN


def test_the_api_names_the_missing_fields_and_answers_409_for_a_code_not_allowed(handler, api_client_for):
    api = api_client_for(handler)
    incident = _incident(handler)
    url = f"/api/incidents/{incident.reference}/close/"
    body = {"closure_code": "abandoned_no_trace", "exemption_reason": "No trace"}
    response = api.post(url, body, format="json")
    assert response.status_code == 400
    assert {"callback_attempts", "callback_outcome"} <= set(response.json())
    refused = api.post(
        url, {"closure_code": "own_framework", "exemption_reason": "x", "framework_reference": "y"}, format="json"
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "exemption_not_allowed"
    assert refused.json()["detail"]
    closed = api.post(url, {**body, **RISK}, format="json")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert Incident.objects.get(pk=incident.pk).callback_attempts == 2


def test_the_page_asks_for_the_risk_decision_and_shows_it_once_closed(handler, handler_client):
    incident = _incident(handler)
    url = reverse("incidents:incident-close", kwargs={"reference": incident.reference})
    body = {"closure_code": "abandoned_no_trace", "exemption_reason": "No trace"}
    refused = handler_client.post(url, body)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "enter how many times the caller was called back" in html
    assert 'href="#f-callback-attempts"' in html
    done = handler_client.post(url, {**body, "callback_attempts": "2", "callback_outcome": RISK["callback_outcome"]})
    assert done.status_code == 302
    page = handler_client.get(reverse("incidents:incident-detail", kwargs={"reference": incident.reference}))
    assert "Called back 2 times." in page.content.decode()


def test_the_page_refuses_a_call_back_count_that_is_not_a_number(handler, handler_client):
    incident = _incident(handler)
    url = reverse("incidents:incident-close", kwargs={"reference": incident.reference})
    response = handler_client.post(
        url, {"closure_code": "abandoned_no_trace", "exemption_reason": "x", "callback_attempts": "two"}
    )
    assert response.status_code == 400
    assert "whole number" in response.content.decode()
