"""Closing while a re-THRIVE is overdue at the closing time needs a fresh re-THRIVE or a
supervisor's recorded decision (issue 15); a handler cannot give it."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from casework.services import assessment_record, incident_close
from config.errors import Blocked
from incidents.models import Incident, Status
from tests.factories import complete_answers, make_incident

DECISION = "Officers on scene confirm the risk is managed; no re-THRIVE needed."


def _overdue(handler) -> Incident:
    # Assessed five minutes after opening six hours ago: the re-THRIVE fell due 2 h 25 min ago.
    incident = make_incident(handler=handler, assessed=True, opened_at=timezone.now() - timedelta(hours=6))
    assert incident.is_overdue(timezone.now())
    return incident


def test_an_overdue_re_thrive_blocks_the_handlers_close(handler):
    incident = _overdue(handler)
    with pytest.raises(Blocked) as caught:
        incident_close(incident=incident, actor=handler, closure_code="crime_recorded")
    assert caught.value.code == "rethrive_overdue"
    with pytest.raises(ValidationError) as caught:
        incident_close(incident=incident, actor=handler, closure_code="crime_recorded", overdue_decision=DECISION)
    assert list(caught.value.message_dict) == ["overdue_decision"]
    assert Incident.objects.get(pk=incident.pk).status == Status.OPEN


def test_a_fresh_re_thrive_lets_it_close(handler):
    incident = _overdue(handler)
    assessment_record(incident=incident, author=handler, data=complete_answers(), submit=True)
    assert incident_close(incident=incident, actor=handler, closure_code="crime_recorded").status == Status.CLOSED


def test_overdue_is_judged_at_the_clients_closing_time(handler):
    incident = _overdue(handler)
    before_due = incident.rethrive_due_at - timedelta(minutes=1)
    closed = incident_close(incident=incident, actor=handler, closure_code="crime_recorded", closed_at=before_due)
    assert closed.status == Status.CLOSED
    assert closed.overdue_decision == ""


def test_a_supervisors_decision_is_stored_logged_and_audited(handler, supervisor):
    incident = _overdue(handler)
    closed = incident_close(
        incident=incident, actor=supervisor, closure_code="crime_recorded", overdue_decision=DECISION
    )
    assert (closed.status, closed.overdue_decision, closed.overdue_decision_by) == (Status.CLOSED, DECISION, supervisor)
    assert DECISION in closed.entries.get(kind="closed").text
    event = AuditEvent.objects.get(object_type="incident", action="alter", incident_reference=closed.reference)
    assert event.actor_username == supervisor.username
    assert "supervisor's decision" in event.description


def test_a_decision_that_was_not_needed_is_not_kept(handler, supervisor):
    incident = make_incident(handler=handler, assessed=True)
    closed = incident_close(
        incident=incident, actor=supervisor, closure_code="crime_recorded", overdue_decision=DECISION
    )
    assert closed.overdue_decision == ""
    assert closed.overdue_decision_by is None


def test_the_api_answers_409_then_takes_the_supervisors_decision(handler, supervisor, api_client_for):
    incident = _overdue(handler)
    url = f"/api/incidents/{incident.reference}/close/"
    blocked = api_client_for(handler).post(url, {"closure_code": "crime_recorded"}, format="json")
    assert blocked.status_code == 409
    assert blocked.json()["code"] == "rethrive_overdue"
    refused = api_client_for(handler).post(
        url, {"closure_code": "crime_recorded", "overdue_decision": DECISION}, format="json"
    )
    assert refused.status_code == 400
    assert "overdue_decision" in refused.json()
    done = api_client_for(supervisor).post(
        url, {"closure_code": "crime_recorded", "overdue_decision": DECISION}, format="json"
    )
    assert done.status_code == 200
    assert done.json()["status"] == "closed"


def test_the_page_offers_the_decision_to_a_supervisor_only(handler, supervisor, handler_client, supervisor_client):
    incident = _overdue(handler)
    detail = reverse("incidents:incident-detail", kwargs={"reference": incident.reference})
    close = reverse("incidents:incident-close", kwargs={"reference": incident.reference})
    assert 'name="overdue_decision"' not in handler_client.get(detail).content.decode()
    blocked = handler_client.post(close, {"closure_code": "crime_recorded"})
    assert blocked.status_code == 409
    assert "was overdue at the closing time" in blocked.content.decode()
    assert 'name="overdue_decision"' in supervisor_client.get(detail).content.decode()
    done = supervisor_client.post(close, {"closure_code": "crime_recorded", "overdue_decision": DECISION})
    assert done.status_code == 302
    assert DECISION in supervisor_client.get(detail).content.decode()
