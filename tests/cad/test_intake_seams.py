"""The CAD's intake PUT against the features merged beside it (issue 15): the current
owner (watch handover), the force's gradings table, and an incident reopened by a supervisor."""

import pytest

from accounts.models import Role
from casework.services import assessment_record, incident_close
from incidents.handover import incident_handover
from incidents.models import EntryKind, Incident, ResponseGrading, Status
from incidents.reopen import incident_reopen
from tests.cad.conftest import CAD_REF, cad_body, put
from tests.factories import UserFactory, complete_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(call_taker):
    return UserFactory(handler=True, username="rkhan", full_name="Ravi Khan", team=call_taker.team)


def test_a_new_incident_is_owned_by_its_call_taker(cad, call_taker):
    put(cad, cad_body())
    incident = Incident.objects.get(cad_ref=CAD_REF)
    assert incident.owner == call_taker


def test_a_corrected_call_taker_also_becomes_the_owner_while_nobody_has_handed_it_over(cad, call_taker, colleague):
    put(cad, cad_body())
    response = put(cad, cad_body(handler="rkhan"))
    assert response.status_code == 200
    incident = Incident.objects.get(cad_ref=CAD_REF)
    assert incident.handler == colleague
    assert incident.owner == colleague  # not left on the wrong person's "your incidents"
    assert response.json()["owner"] == "rkhan"
    assert "owner" in incident.entries.get(kind=EntryKind.CAD_UPDATED).text


def test_a_handed_over_incident_keeps_its_owner_when_the_cad_corrects_the_call_taker(cad, call_taker, colleague):
    put(cad, cad_body())
    incident = Incident.objects.get(cad_ref=CAD_REF)
    third = UserFactory(handler=True, username="mlee", full_name="Mo Lee", team=call_taker.team)
    incident_handover(actor=call_taker, to=third.username, references=[incident.reference])
    assert Incident.objects.get(pk=incident.pk).owner == third

    put(cad, cad_body(handler="rkhan"))
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.handler == colleague
    assert incident.owner == third  # the control room's handover stands


def test_a_grading_the_force_switched_off_is_400_naming_grading(cad, call_taker):
    row = ResponseGrading.objects.get(code="scheduled")
    row.active = False
    row.save()

    created = put(cad, cad_body(grading="scheduled"))
    assert created.status_code == 400
    assert "grading" in created.json()
    assert not Incident.objects.filter(cad_ref=CAD_REF).exists()

    put(cad, cad_body(grading="priority"))
    changed = put(cad, cad_body(grading="scheduled", summary="A new summary"))
    assert changed.status_code == 400
    assert "grading" in changed.json()
    incident = Incident.objects.get(cad_ref=CAD_REF)
    assert (incident.grading, incident.summary) == ("priority", cad_body()["summary"])  # nothing half-saved


def test_a_reopened_incident_takes_the_cads_changes_again(cad, call_taker):
    put(cad, cad_body())
    incident = Incident.objects.get(cad_ref=CAD_REF)
    assessment_record(incident=incident, author=call_taker, data=complete_answers(), submit=True)
    incident_close(incident=incident, actor=call_taker, closure_code="crime_recorded")
    assert put(cad, cad_body(summary="Changed after closure")).status_code == 409

    supervisor = UserFactory(role=Role.SUPERVISOR, team=call_taker.team)
    incident_reopen(incident=incident, actor=supervisor, reason="Caller rang back with new information.")
    response = put(cad, cad_body(summary="Changed after reopening"))
    assert response.status_code == 200
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.status == Status.OPEN
    assert incident.summary == "Changed after reopening"
