"""The CAD's closure check and close against the force's closure policy (issue 15 meets
issue 16): the exempt codes offered are the ones the policy allows for this incident's
channel and category, the close carries what the policy line asks for, and an overdue
re-THRIVE is reported before the CAD tries to close."""

from datetime import timedelta

import pytest
from django.utils import timezone

from casework.services import assessment_record
from incidents.models import Incident, Status
from tests.cad.conftest import CAD_REF, cad_body, put
from tests.factories import complete_answers

pytestmark = pytest.mark.django_db

CLOSURE = f"/api/cad/incidents/{CAD_REF}/closure/"
CLOSE = f"/api/cad/incidents/{CAD_REF}/close/"


def test_exempt_codes_are_only_those_the_policy_allows_for_the_channel_and_category(cad):
    put(cad, cad_body(category="burglary_dwelling"))
    burglary = cad.get(CLOSURE).json()["exempt_codes"]
    assert "abandoned_no_trace" in burglary
    assert "own_framework" not in burglary  # missing person and firearms only

    put(cad, cad_body(category="missing_person"), cad_ref="STORM/0043/30NOV")
    missing = cad.get("/api/cad/incidents/STORM/0043/30NOV/closure/").json()["exempt_codes"]
    assert "own_framework" in missing


def test_an_abandoned_999_call_closes_from_the_cad_with_its_risk_decision(cad):
    put(cad, cad_body(channel="999"))
    body = {"closure_code": "abandoned_no_trace", "exemption_reason": "Line went dead, no trace."}

    refused = cad.post(CLOSE, body, format="json")
    assert refused.status_code == 400
    assert {"callback_attempts", "callback_outcome"} <= set(refused.json())

    closed = cad.post(
        CLOSE,
        {**body, "callback_attempts": 3, "callback_outcome": "No answer; mast data shows no risk."},
        format="json",
    )
    assert closed.status_code == 200, closed.content
    incident = Incident.objects.get(cad_ref=CAD_REF)
    assert incident.status == Status.CLOSED
    assert incident.callback_attempts == 3
    assert incident.callback_outcome == "No answer; mast data shows no risk."

    # The CAD retrying the same close gets the same answer, not a 409.
    again = cad.post(
        CLOSE,
        {**body, "callback_attempts": 3, "callback_outcome": "No answer; mast data shows no risk."},
        format="json",
    )
    assert again.status_code == 200


def test_a_missing_person_closes_from_the_cad_under_its_framework_with_the_reference(cad):
    put(cad, cad_body(category="missing_person"))
    body = {"closure_code": "own_framework", "exemption_reason": "Mispers enquiry"}
    refused = cad.post(CLOSE, body, format="json")
    assert refused.status_code == 400
    assert "framework_reference" in refused.json()

    closed = cad.post(CLOSE, {**body, "framework_reference": "MP/2026/0099"}, format="json")
    assert closed.status_code == 200, closed.content
    assert Incident.objects.get(cad_ref=CAD_REF).framework_reference == "MP/2026/0099"


def test_the_check_reports_an_overdue_re_thrive_and_the_cad_cannot_decide_it(cad, call_taker):
    put(cad, cad_body())
    incident = Incident.objects.get(cad_ref=CAD_REF)
    assessment_record(incident=incident, author=call_taker, data=complete_answers(), submit=True)
    Incident.objects.filter(pk=incident.pk).update(rethrive_due_at=timezone.now() - timedelta(minutes=5))

    check = cad.get(CLOSURE).json()
    assert check["may_close"] is False
    assert "rethrive_overdue" in [b["code"] for b in check["blockers"]]

    blocked = cad.post(CLOSE, {"closure_code": "crime_recorded"}, format="json")
    assert blocked.status_code == 409
    assert blocked.json()["code"] == "rethrive_overdue"

    # Only a supervisor decides to close without the re-THRIVE: the CAD's account is told so.
    refused = cad.post(CLOSE, {"closure_code": "crime_recorded", "overdue_decision": "Risk managed."}, format="json")
    assert refused.status_code == 400
    assert "overdue_decision" in refused.json()
    assert Incident.objects.get(pk=incident.pk).status == Status.OPEN


def test_a_close_with_a_different_risk_decision_is_not_a_retry(cad):
    put(cad, cad_body(channel="999"))
    body = {
        "closure_code": "abandoned_no_trace",
        "exemption_reason": "Line went dead, no trace.",
        "callback_attempts": 3,
        "callback_outcome": "No answer; mast data shows no risk.",
    }
    assert cad.post(CLOSE, body, format="json").status_code == 200

    other = cad.post(CLOSE, {**body, "callback_outcome": "Spoke to the caller: all well."}, format="json")
    assert other.status_code == 409
    assert other.json()["code"] == "already_closed"
    assert Incident.objects.get(cad_ref=CAD_REF).callback_outcome == "No answer; mast data shows no risk."
