"""Each event is written in the same transaction as the change that makes it, by that
change's own service, with one delivery per subscription to its type; a change that rolls
back writes none. Bodies carry references and codes, never a victim's details."""

import json
from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from casework.services import assessment_record, incident_close
from config.errors import Blocked
from tests.factories import complete_answers, make_incident
from tests.webhooks.support import subscribe
from thrive.models import Assessment
from thrive.returns import assessment_return
from thrive.services import rethrive_flag_overdue
from victims.models import Text, TextStatus
from victims.services import victim_link
from victims.texts import text_receipt, text_send
from webhooks.models import Delivery, DeliveryStatus, Event

pytestmark = pytest.mark.django_db

TEXTING = {
    "advice": "Keep the doors locked.",
    "send_link": True,
    "safe_to_text_confirmed": True,
    "phone": "07700 900765",
    "link_not_sent_reason": "",
}


def _bodies(reference=None):
    events = Event.objects.order_by("id")
    if reference:
        events = events.filter(reference=reference)
    return [json.loads(e.body) for e in events]


@pytest.fixture
def everything(idle_queue):
    return subscribe("https://cad.example.police.uk/all")


def test_a_submission_writes_assessment_submitted_for_each_subscription(everything, handler):
    closed_only = subscribe("https://other.example.police.uk/", ["incident.closed"])
    incident = make_incident(handler=handler, assessed=True)
    (body,) = _bodies(incident.reference)
    assert body["type"] == "assessment.submitted"
    assert body["timestamp"].endswith("Z")
    assert body["data"] == {
        "reference": incident.reference,
        "cad_ref": None,
        "version": 1,
        "risk_level": "high",
        "grading": incident.grading,
        "submitted_at": body["data"]["submitted_at"],
        "rethrive_due_at": body["data"]["rethrive_due_at"],
        "late": False,
    }
    event = Event.objects.get(reference=incident.reference)
    assert list(event.deliveries.values_list("subscription", "status")) == [(everything.pk, DeliveryStatus.PENDING)]
    assert not Delivery.objects.filter(subscription=closed_only).exists()


def test_the_cad_reference_leads_the_data(everything, handler):
    incident = make_incident(handler=handler)
    incident.__class__.objects.filter(pk=incident.pk).update(cad_ref="STORM-2026-000123")
    incident.refresh_from_db()
    incident_close_ready = assessment_record(incident=incident, author=handler, data=complete_answers(), submit=True)
    assert incident_close_ready.version == 1
    (body,) = _bodies(incident.reference)
    assert body["data"]["cad_ref"] == "STORM-2026-000123"


def test_no_subscription_writes_nothing(handler):
    make_incident(handler=handler, closed=True)
    assert not Event.objects.exists()
    assert not Delivery.objects.exists()


def test_closing_writes_incident_closed(everything, handler):
    incident = make_incident(handler=handler, closed=True)
    types = [b["type"] for b in _bodies(incident.reference)]
    assert types == ["assessment.submitted", "incident.closed"]
    closed = _bodies(incident.reference)[-1]["data"]
    assert closed["closure_code"] == "crime_recorded"
    assert closed["exempt"] is False


def test_a_refused_close_writes_nothing(everything, handler):
    incident = make_incident(handler=handler)  # no assessment: the gate refuses
    with pytest.raises(Blocked):
        incident_close(incident=incident, actor=handler, closure_code="crime_recorded")
    assert not Event.objects.filter(type="incident.closed").exists()


def test_a_change_that_rolls_back_takes_its_event_with_it(everything, handler):
    incident = make_incident(handler=handler)

    def submit_then_fail():
        with transaction.atomic():
            assessment_record(incident=incident, author=handler, data=complete_answers(), submit=True)
            assert Event.objects.filter(reference=incident.reference).count() == 1  # written inside
            raise RuntimeError("the request fails after the submission")

    with pytest.raises(RuntimeError):
        submit_then_fail()
    assert not Event.objects.filter(reference=incident.reference).exists()
    assert not Delivery.objects.exists()


def test_a_return_writes_assessment_returned(everything, handler, supervisor):
    incident = make_incident(handler=handler, assessed=True)
    latest = Assessment.objects.get(incident=incident)
    assessment_return(
        assessment=latest,
        actor=supervisor,
        reason="poor_quality",
        sections=["prevention"],
        feedback="Mrs Quaxworth's neighbour at 17 Quillfeather Lane should be spoken to.",
    )
    body = _bodies(incident.reference)[-1]
    assert body["type"] == "assessment.returned"
    assert body["data"] == {
        "reference": incident.reference,
        "cad_ref": None,
        "version": 1,
        "reason": "poor_quality",
        "sections": ["prevention"],
    }


def test_the_overdue_sweep_writes_incident_rethrive_overdue_once(everything, handler):
    incident = make_incident(handler=handler, assessed=True, opened_at=timezone.now() - timedelta(hours=30))
    assert rethrive_flag_overdue() >= 1
    assert rethrive_flag_overdue() == 0
    overdue = [b for b in _bodies(incident.reference) if b["type"] == "incident.rethrive_overdue"]
    assert len(overdue) == 1
    assert overdue[0]["data"]["grading"] == incident.grading


def test_a_text_status_change_writes_text_status_changed(everything, handler, settings):
    settings.TEXT_GATEWAY = "console"
    incident = make_incident(handler=handler)
    assessment_record(incident=incident, author=handler, data=complete_answers(prevention=TEXTING), submit=True)
    text = Text.objects.get(incident=incident)
    assert text_send(text_id=text.pk).result == "sent"
    text_receipt(reference=str(text.pk), provider_status="delivered")
    changes = [b["data"] for b in _bodies(incident.reference) if b["type"] == "text.status_changed"]
    assert changes == [
        {"reference": incident.reference, "cad_ref": None, "text_id": text.pk, "status": TextStatus.SENT},
        {"reference": incident.reference, "cad_ref": None, "text_id": text.pk, "status": TextStatus.DELIVERED},
    ]


def test_no_event_carries_a_victims_personal_details(everything, handler, supervisor, settings):
    settings.TEXT_GATEWAY = "console"
    incident = make_incident(handler=handler)
    victim_link(
        incident=incident,
        actor=handler,
        name="Zebedee Quaxworth",
        date_of_birth=date(1979, 3, 14),
        phone="07700 900765",
        address="17 Quillfeather Lane",
        postcode="QX1 7ZZ",
    )
    answers = complete_answers(prevention=TEXTING, vulnerability="Zebedee Quaxworth lives alone.")
    assessment_record(incident=incident, author=handler, data=answers, submit=True)
    text = Text.objects.get(incident=incident)
    text_send(text_id=text.pk)
    text_receipt(reference=str(text.pk), provider_status="delivered")
    assessment_return(
        assessment=Assessment.objects.get(incident=incident),
        actor=supervisor,
        reason="poor_quality",
        sections=["prevention"],
        feedback="Ask Zebedee Quaxworth at 17 Quillfeather Lane again.",
    )
    revised = complete_answers(prevention=TEXTING | {"resend_reason": "Quaxworth asked again"})
    assessment_record(incident=incident, author=handler, data=revised, submit=True)
    incident_close(incident=incident, actor=handler, closure_code="crime_recorded")
    rows = list(Event.objects.filter(reference=incident.reference).values_list("type", "body"))
    assert {t for t, _ in rows} == {
        "assessment.submitted",
        "assessment.returned",
        "text.status_changed",
        "incident.closed",
    }
    everything_sent = " ".join(body for _, body in rows).lower()
    for detail in (
        "quaxworth",
        "zebedee",
        "quillfeather",
        "qx1",
        "900765",
        "7700",
        "1979",
        "doors locked",
        "lives alone",
    ):
        assert detail not in everything_sent, detail


def test_an_unknown_event_type_is_a_programming_error(everything):
    from webhooks.services import webhook_event_record

    with pytest.raises(ValueError, match="Not a webhook event type"):
        webhook_event_record(type="incident.opened", reference="X", cad_ref=None, data={})
