"""casework/services.py and casework/rules.py at the service layer: a grading change, rule 1
(the closure gate) with every branch, and the times a client sends with a submission."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from casework.rules import close_blockers
from casework.services import assessment_record, incident_change_grading, incident_close
from config.errors import Blocked
from incidents.models import EntryKind, LogEntry, Status
from tests.factories import complete_answers, make_incident


def _create(actor, **overrides):
    return make_incident(handler=actor, **overrides)


def _entries(incident, kind):
    return list(LogEntry.objects.filter(incident=incident, kind=kind))


# --- Grading -------------------------------------------------------------------------------


def test_a_grading_change_is_logged_with_who_and_why(handler):
    incident = _create(handler, grading="scheduled")
    incident_change_grading(incident=incident, actor=handler, grading="immediate", reason="Weapon seen")
    incident.refresh_from_db()
    assert incident.grading == "immediate"
    [entry] = _entries(incident, EntryKind.GRADING_CHANGED)
    assert entry.author == handler
    assert "Scheduled" in entry.text
    assert "Immediate" in entry.text
    assert "Weapon seen" in entry.text


def test_an_assessment_that_changes_the_grading_logs_the_change(handler):
    incident = make_incident(handler=handler, grading="scheduled")
    assessment_record(incident=incident, author=handler, data=complete_answers(grading="immediate"), submit=True)
    incident.refresh_from_db()
    assert incident.grading == "immediate"
    assert len(_entries(incident, EntryKind.GRADING_CHANGED)) == 1


def test_the_same_grading_writes_nothing(handler):
    incident = _create(handler, grading="priority")
    incident_change_grading(incident=incident, actor=handler, grading="priority")
    assert _entries(incident, EntryKind.GRADING_CHANGED) == []


def test_an_unknown_grading_change_is_refused(handler):
    incident = _create(handler)
    with pytest.raises(ValidationError) as caught:
        incident_change_grading(incident=incident, actor=handler, grading="soon")
    assert list(caught.value.message_dict) == ["grading"]


def test_a_stale_grading_change_is_a_conflict_and_changes_nothing(handler):
    incident = _create(handler, grading="priority")
    with pytest.raises(Blocked) as caught:
        incident_change_grading(
            incident=incident, actor=handler, grading="immediate", expected_version=incident.row_version - 1
        )
    assert caught.value.code == "conflict"
    incident.refresh_from_db()
    assert incident.grading == "priority"


# --- The closure gate (rule 1) ---------------------------------------------------------------


def test_close_is_refused_without_an_assessment(handler):
    incident = make_incident(handler=handler)
    with pytest.raises(Blocked) as caught:
        incident_close(incident=incident, actor=handler, closure_code="crime_recorded")
    assert caught.value.code == "assessment_required"
    incident.refresh_from_db()
    assert incident.status == Status.OPEN
    assert _entries(incident, EntryKind.CLOSED) == []


def test_close_is_refused_with_only_a_draft(handler):
    incident = make_incident(handler=handler)
    assessment_record(incident=incident, author=handler, data=complete_answers(), submit=False)
    with pytest.raises(Blocked) as caught:
        incident_close(incident=incident, actor=handler, closure_code="crime_recorded")
    assert caught.value.code == "assessment_required"


def test_close_blockers_tell_the_page_before_the_button_is_pressed(handler):
    incident = make_incident(handler=handler)
    assert [b.code for b in close_blockers(incident)] == ["assessment_required"]
    assessed = make_incident(handler=handler, assessed=True)
    assert close_blockers(assessed) == []


def test_close_with_a_submitted_assessment_closes_and_logs_it(handler):
    incident = make_incident(handler=handler, assessed=True)
    closed = incident_close(incident=incident, actor=handler, closure_code="crime_recorded")
    closed.refresh_from_db()
    assert closed.status == Status.CLOSED
    assert closed.closed_by == handler
    assert closed.closure_code.code == "crime_recorded"
    assert closed.closed_at is not None
    [entry] = _entries(closed, EntryKind.CLOSED)
    assert entry.author == handler


def test_an_unknown_closure_code_is_refused(handler):
    incident = make_incident(handler=handler, assessed=True)
    with pytest.raises(ValidationError) as caught:
        incident_close(incident=incident, actor=handler, closure_code="vanished")
    assert list(caught.value.message_dict) == ["closure_code"]


@pytest.mark.parametrize("code", ["duplicate", "test_call", "transferred", "abandoned_no_trace"])
def test_an_exempt_code_without_a_reason_is_refused(handler, code):
    incident = make_incident(handler=handler)
    with pytest.raises(ValidationError) as caught:
        incident_close(incident=incident, actor=handler, closure_code=code, exemption_reason="  ")
    # An abandoned 999 call (make_incident's channel) needs its risk decision as well (issue 15).
    assert "exemption_reason" in caught.value.message_dict
    incident.refresh_from_db()
    assert incident.status == Status.OPEN


def test_an_exempt_code_with_a_reason_closes_without_an_assessment_and_logs_who_and_why(handler):
    incident = make_incident(handler=handler)
    incident_close(
        incident=incident, actor=handler, closure_code="duplicate", exemption_reason="Same call as 011224-0001"
    )
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED
    assert incident.exemption_reason == "Same call as 011224-0001"
    assert incident.closed_by == handler
    assert not incident.assessments.exists()
    [entry] = _entries(incident, EntryKind.CLOSED)
    assert entry.author == handler
    assert "Same call as 011224-0001" in entry.text
    assert "Exempt" in entry.text


def test_closing_twice_is_refused_as_already_closed(handler):
    incident = make_incident(handler=handler, assessed=True)
    incident_close(incident=incident, actor=handler, closure_code="crime_recorded")
    with pytest.raises(Blocked) as caught:
        incident_close(incident=incident, actor=handler, closure_code="advice_given")
    assert caught.value.code == "already_closed"
    incident.refresh_from_db()
    assert incident.closure_code.code == "crime_recorded"
    assert len(_entries(incident, EntryKind.CLOSED)) == 1


def test_a_stale_close_is_a_conflict_and_changes_nothing(handler):
    incident = make_incident(handler=handler, assessed=True)
    stale = incident.row_version
    incident_change_grading(incident=incident, actor=handler, grading="immediate")
    with pytest.raises(Blocked) as caught:
        incident_close(incident=incident, actor=handler, closure_code="crime_recorded", expected_version=stale)
    assert caught.value.code == "conflict"
    incident.refresh_from_db()
    assert incident.status == Status.OPEN
    assert incident.grading == "immediate"
    assert _entries(incident, EntryKind.CLOSED) == []


def test_a_current_expected_version_closes(handler):
    incident = make_incident(handler=handler, assessed=True)
    incident_close(
        incident=incident, actor=handler, closure_code="crime_recorded", expected_version=incident.row_version
    )
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED


def test_closed_at_in_the_future_is_refused(handler):
    incident = make_incident(handler=handler, assessed=True)
    with pytest.raises(ValidationError) as caught:
        incident_close(
            incident=incident,
            actor=handler,
            closure_code="crime_recorded",
            closed_at=timezone.now() + timedelta(minutes=10),
        )
    assert list(caught.value.message_dict) == ["closed_at"]
    incident.refresh_from_db()
    assert incident.status == Status.OPEN


def test_closed_at_before_the_last_assessment_is_refused(handler):
    incident = make_incident(handler=handler, assessed=True)
    last = incident.assessments.get().submitted_at
    with pytest.raises(ValidationError) as caught:
        incident_close(
            incident=incident, actor=handler, closure_code="crime_recorded", closed_at=last - timedelta(minutes=1)
        )
    assert list(caught.value.message_dict) == ["closed_at"]
    incident.refresh_from_db()
    assert incident.status == Status.OPEN


def test_closed_at_before_opened_at_is_refused_for_an_exempt_close(handler):
    incident = make_incident(handler=handler)
    with pytest.raises(ValidationError) as caught:
        incident_close(
            incident=incident,
            actor=handler,
            closure_code="test_call",
            exemption_reason="Test",
            closed_at=incident.opened_at - timedelta(minutes=1),
        )
    assert list(caught.value.message_dict) == ["closed_at"]


def test_closed_at_sent_by_cad_is_kept(handler):
    incident = make_incident(handler=handler, assessed=True)
    when = incident.assessments.get().submitted_at + timedelta(minutes=30)
    incident_close(incident=incident, actor=handler, closure_code="crime_recorded", closed_at=when)
    incident.refresh_from_db()
    assert incident.closed_at == when


# --- Times sent by a client --------------------------------------------------------------------


def test_submitted_at_in_the_future_is_refused(handler):
    incident = make_incident(handler=handler)
    with pytest.raises(ValidationError) as caught:
        assessment_record(
            incident=incident,
            author=handler,
            data=complete_answers(),
            submit=True,
            submitted_at=timezone.now() + timedelta(minutes=5),
        )
    assert list(caught.value.message_dict) == ["submitted_at"]


def test_submitted_at_before_opened_at_is_refused(handler):
    incident = make_incident(handler=handler)
    with pytest.raises(ValidationError) as caught:
        assessment_record(
            incident=incident,
            author=handler,
            data=complete_answers(),
            submit=True,
            submitted_at=incident.opened_at - timedelta(seconds=1),
        )
    assert list(caught.value.message_dict) == ["submitted_at"]
    assert not incident.assessments.filter(status="submitted").exists()


def test_submitted_at_before_the_previous_assessment_is_refused(handler):
    incident = make_incident(handler=handler, assessed=True)
    previous = incident.assessments.get().submitted_at
    with pytest.raises(ValidationError) as caught:
        assessment_record(
            incident=incident,
            author=handler,
            data=complete_answers(),
            submit=True,
            submitted_at=previous - timedelta(seconds=1),
        )
    assert list(caught.value.message_dict) == ["submitted_at"]
