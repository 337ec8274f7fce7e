"""Events from the changes merged beside the webhooks (issue 15): a reopened incident, new
information and a late version after closure each tell the outside world, with the event
types API.md fixes, and no body carries a victim's details or text a person typed."""

import json

import pytest

from casework.services import assessment_record, incident_note
from incidents.reopen import incident_reopen
from tests.factories import complete_answers, make_incident
from tests.webhooks.support import subscribe
from thrive.returns import assessment_return
from webhooks.models import Event

pytestmark = pytest.mark.django_db

PHONE = "07700 900765"
TEXTING = {
    "advice": "Keep the doors locked.",
    "send_link": True,
    "safe_to_text_confirmed": True,
    "phone": PHONE,
    "link_not_sent_reason": "",
}
RETURN = {"reason": "poor_quality", "sections": ["prevention"], "feedback": "Say what advice was given."}


def _bodies(reference):
    return [json.loads(e.body) for e in Event.objects.filter(reference=reference).order_by("id")]


@pytest.fixture
def everything(idle_queue):
    return subscribe("https://cad.example.police.uk/all")


def test_reopening_tells_the_cad_it_is_reopened_and_a_re_thrive_is_due_now(everything, handler, supervisor):
    incident = make_incident(handler=handler, closed=True)
    before = len(_bodies(incident.reference))

    reopened = incident_reopen(incident=incident, actor=supervisor, reason="The caller rang back: he is outside.")

    reopening, event = _bodies(incident.reference)[before:]
    assert reopening["type"] == "incident.reopened"  # first, so the CAD knows why a re-THRIVE is due
    assert reopening["data"]["reference"] == incident.reference
    assert reopening["data"]["cad_ref"] == incident.cad_ref
    assert reopening["data"]["reopened_at"] is not None
    assert "outside" not in json.dumps(reopening)
    assert event["type"] == "incident.rethrive_overdue"
    assert event["data"]["reference"] == incident.reference
    assert event["data"]["grading"] == reopened.grading
    assert event["data"]["rethrive_due_at"] is not None
    assert "outside" not in json.dumps(event)  # the reason is typed text: never in a body


def test_new_information_tells_the_cad_a_re_thrive_is_due_now(everything, handler):
    incident = make_incident(handler=handler, assessed=True)
    before = len(_bodies(incident.reference))

    incident_note(incident=incident, actor=handler, text="Caller rang: he is back.", new_information=True)

    (event,) = _bodies(incident.reference)[before:]
    assert event["type"] == "incident.rethrive_overdue"
    assert "he is back" not in json.dumps(event)


def test_a_late_return_and_its_late_version_are_both_events(everything, handler, supervisor):
    incident = make_incident(handler=handler, closed=True)
    before = len(_bodies(incident.reference))

    assessment_return(assessment=incident.assessments.get(), actor=supervisor, **RETURN)
    assessment_record(incident=incident, author=handler, data=complete_answers(prevention=TEXTING), submit=True)

    returned, late = _bodies(incident.reference)[before:]
    assert returned["type"] == "assessment.returned"
    assert returned["data"]["version"] == 1
    assert late["type"] == "assessment.submitted"
    assert late["data"]["version"] == 2
    assert late["data"]["late"] is True  # the incident stays closed: no clock moved
    assert late["data"]["rethrive_due_at"] is None
    for body in _bodies(incident.reference):
        text = json.dumps(body)
        assert "07700" not in text
        assert "900765" not in text
        assert "doors locked" not in text
