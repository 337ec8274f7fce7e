"""Rule 5: the re-THRIVE clock, and the sweep that writes "re-THRIVE due" once."""

from datetime import timedelta

from django.utils import timezone

from casework.services import assessment_record, incident_close
from incidents.models import EntryKind, Incident, LogEntry
from tests.factories import complete_answers, make_incident, set_rethrive_interval
from thrive.services import rethrive_flag_overdue
from thrive.tasks import rethrive_sweep

INTERVAL = timedelta(hours=3, minutes=30)


def _due_entries(incident: Incident) -> int:
    return LogEntry.objects.filter(incident=incident, kind=EntryKind.RETHRIVE_DUE).count()


def test_due_is_opened_at_plus_the_interval_when_there_is_no_assessment(handler):
    opened = timezone.now() - timedelta(minutes=10)
    incident = make_incident(handler=handler, opened_at=opened)
    assert incident.rethrive_due_at == opened + INTERVAL


def test_a_submitted_assessment_resets_the_clock(handler):
    opened = timezone.now() - timedelta(hours=5)
    incident = make_incident(handler=handler, opened_at=opened)
    submitted_at = opened + timedelta(hours=4)
    assessment_record(
        incident=incident, author=handler, data=complete_answers(), submit=True, submitted_at=submitted_at
    )
    incident.refresh_from_db()
    assert incident.rethrive_due_at == submitted_at + INTERVAL


def test_a_draft_does_not_reset_the_clock(handler):
    opened = timezone.now() - timedelta(hours=1)
    incident = make_incident(handler=handler, opened_at=opened)
    assessment_record(incident=incident, author=handler, data={"threat": "typing"}, submit=False)
    incident.refresh_from_db()
    assert incident.rethrive_due_at == opened + INTERVAL


def test_the_interval_is_configurable_per_grading(handler, settings):
    set_rethrive_interval("immediate", 60)
    opened = timezone.now() - timedelta(minutes=5)
    immediate = make_incident(handler=handler, opened_at=opened, grading="immediate")
    scheduled = make_incident(handler=handler, opened_at=opened, grading="scheduled")
    assert immediate.rethrive_due_at == opened + timedelta(minutes=60)
    assert scheduled.rethrive_due_at == opened + INTERVAL


def test_the_interval_follows_the_grading_the_assessment_gives(handler, settings):
    set_rethrive_interval("immediate", 60)
    opened = timezone.now() - timedelta(hours=1)
    incident = make_incident(handler=handler, opened_at=opened, grading="scheduled")
    submitted_at = opened + timedelta(minutes=30)
    assessment_record(
        incident=incident,
        author=handler,
        data=complete_answers(grading="immediate"),
        submit=True,
        submitted_at=submitted_at,
    )
    incident.refresh_from_db()
    assert incident.grading == "immediate"
    assert incident.rethrive_due_at == submitted_at + timedelta(minutes=60)


def test_a_closed_incident_has_no_due_time(handler):
    incident = make_incident(handler=handler, closed=True)
    assert incident.rethrive_due_at is None


def test_the_sweep_writes_re_thrive_due_once_even_when_run_twice(handler):
    incident = make_incident(handler=handler, opened_at=timezone.now() - timedelta(hours=4))
    assert rethrive_flag_overdue() == 1
    assert rethrive_flag_overdue() == 0
    assert rethrive_sweep() == 0
    assert _due_entries(incident) == 1
    entry = LogEntry.objects.get(incident=incident, kind=EntryKind.RETHRIVE_DUE)
    assert "Re-THRIVE due" in entry.text
    assert "3 h 30 min" in entry.text


def test_the_sweep_leaves_incidents_not_yet_due(handler):
    incident = make_incident(handler=handler, opened_at=timezone.now() - timedelta(hours=1))
    assert rethrive_flag_overdue() == 0
    assert _due_entries(incident) == 0


def test_the_sweep_leaves_closed_incidents(handler):
    incident = make_incident(handler=handler, opened_at=timezone.now() - timedelta(hours=5))
    incident_close(incident=incident, actor=handler, closure_code="duplicate", exemption_reason="Same as 0001")
    assert rethrive_flag_overdue() == 0
    assert _due_entries(incident) == 0


def test_the_sweep_flags_again_after_a_new_due_time_passes(handler):
    opened = timezone.now() - timedelta(hours=10)
    incident = make_incident(handler=handler, opened_at=opened)
    assert rethrive_flag_overdue(now=opened + timedelta(hours=4)) == 1

    assessment_record(
        incident=incident,
        author=handler,
        data=complete_answers(),
        submit=True,
        submitted_at=opened + timedelta(hours=5),
    )
    incident.refresh_from_db()
    assert incident.rethrive_due_at == opened + timedelta(hours=5) + INTERVAL
    # Not yet due under the new clock.
    assert rethrive_flag_overdue(now=opened + timedelta(hours=6)) == 0
    # The new due time has passed: flagged once more, and once only.
    assert rethrive_flag_overdue() == 1
    assert rethrive_flag_overdue() == 0
    assert _due_entries(incident) == 2


def test_a_grading_change_before_the_first_assessment_moves_it_to_the_new_interval(handler, settings):
    # Once assessed, a grading change makes a re-THRIVE due now instead
    # (tests/casework/test_rethrive_on_regrade.py).
    from casework.services import incident_change_grading

    set_rethrive_interval("immediate", 60)
    opened = timezone.now() - timedelta(minutes=30)
    incident = make_incident(handler=handler, opened_at=opened, grading="scheduled")
    incident_change_grading(incident=incident, actor=handler, grading="immediate")
    incident.refresh_from_db()
    assert incident.rethrive_due_at == opened + timedelta(minutes=60)
