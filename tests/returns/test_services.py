"""thrive.returns at the service: every branch of returning, clearing and the closure gate."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from casework.rules import close_blockers
from casework.services import assessment_record, incident_close
from config.errors import Blocked
from incidents.models import EntryKind
from tests.factories import UserFactory, complete_answers, make_incident
from thrive.models import AssessmentReturn
from thrive.returns import (
    assessment_mark_reviewed,
    assessment_return,
    open_return_for,
    returned_to_me,
    returned_to_me_count,
    review_queue,
    team_open_returns_by_handler,
)

pytestmark = pytest.mark.django_db

GOOD = {"reason": "poor_quality", "sections": ["prevention", "vulnerability"], "feedback": "Say what advice was given."}


def test_a_supervisor_returns_the_latest_version_to_its_author(latest, supervisor, handler):
    returned = assessment_return(assessment=latest, actor=supervisor, **GOOD)
    assert returned.returned_to == handler
    assert returned.is_open
    # Kept in the form's order, whatever order they were sent in.
    assert returned.sections == ["vulnerability", "prevention"]
    entry = latest.incident.entries.get(kind=EntryKind.ASSESSMENT_RETURNED)
    assert "version 1 returned" in entry.text
    assert "Vulnerability, Prevention" in entry.text
    assert list(returned_to_me(handler)) == [returned]
    assert returned_to_me_count(handler) == 1


@pytest.mark.parametrize("role", ["handler", "trainer", "analyst", "admin"])
def test_only_a_supervisor_may_return(latest, role):
    actor = UserFactory(**{role: True})
    with pytest.raises(PermissionDenied):
        assessment_return(assessment=latest, actor=actor, **GOOD)


def test_a_supervisor_of_another_team_may_not_return(latest, other_supervisor):
    with pytest.raises(PermissionDenied):
        assessment_return(assessment=latest, actor=other_supervisor, **GOOD)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reason": "sloppy"}, "reason"),
        ({"sections": []}, "sections"),
        ({"sections": "prevention"}, "sections"),
        ({"sections": ["prevention", "astrology"]}, "sections"),
        ({"feedback": "   "}, "feedback"),
        ({"feedback": "x" * 4001}, "feedback"),
    ],
)
def test_bad_input_is_refused_naming_the_field(latest, supervisor, changes, field):
    with pytest.raises(ValidationError) as exc:
        assessment_return(assessment=latest, actor=supervisor, **{**GOOD, **changes})
    assert field in exc.value.message_dict
    assert not AssessmentReturn.objects.exists()


def test_a_draft_cannot_be_returned(handler, supervisor):
    incident = make_incident(handler=handler)
    draft = assessment_record(incident=incident, author=handler, data={"threat": "x"}, submit=False)
    with pytest.raises(Blocked) as exc:
        assessment_return(assessment=draft, actor=supervisor, **GOOD)
    assert exc.value.code == "assessment_not_submitted"


def test_an_already_returned_version_cannot_be_returned_again(latest, supervisor):
    assessment_return(assessment=latest, actor=supervisor, **GOOD)
    with pytest.raises(Blocked) as exc:
        assessment_return(assessment=latest, actor=supervisor, **GOOD)
    assert exc.value.code == "already_returned"


def test_only_the_latest_version_can_be_returned(handler, supervisor):
    incident = make_incident(handler=handler, assessed=True, versions=2)
    first = incident.assessments.get(version=1)
    with pytest.raises(Blocked) as exc:
        assessment_return(assessment=first, actor=supervisor, **GOOD)
    assert exc.value.code == "not_latest_version"


def test_a_closed_incidents_assessment_can_be_returned_at_review(handler, supervisor):
    # Dorset: review often comes after closure (the late version: tests/returns/test_late_returns.py).
    incident = make_incident(handler=handler, closed=True)
    returned = assessment_return(assessment=incident.assessments.get(), actor=supervisor, **GOOD)
    assert returned.is_open


def test_submitting_a_revision_clears_the_return_and_logs_it(assessed, latest, supervisor, handler):
    returned = assessment_return(assessment=latest, actor=supervisor, **GOOD)
    # A draft is not a revision: the return stays open.
    assessment_record(incident=assessed, author=handler, data=complete_answers(), submit=False)
    assert open_return_for(latest) == returned
    revision = assessment_record(incident=assessed, author=handler, data=complete_answers(), submit=True)
    returned.refresh_from_db()
    assert returned.resolved_by == revision
    assert returned.resolved_at == revision.submitted_at
    assert returned_to_me_count(handler) == 0
    assert "revised as version 2" in assessed.entries.filter(kind=EntryKind.ASSESSMENT_SUBMITTED).last().text
    assert open_return_for(revision) is None


def test_closing_is_refused_while_the_latest_version_is_returned(assessed, latest, supervisor, handler):
    assert close_blockers(assessed) == []
    assessment_return(assessment=latest, actor=supervisor, **GOOD)
    blockers = close_blockers(assessed)
    assert [b.code for b in blockers] == ["assessment_returned"]
    with pytest.raises(Blocked) as exc:
        incident_close(incident=assessed, actor=handler, closure_code="crime_recorded")
    assert exc.value.code == "assessment_returned"
    assessment_record(incident=assessed, author=handler, data=complete_answers(), submit=True)
    assert close_blockers(assessed) == []


def test_the_review_queue_holds_the_teams_latest_unreviewed_versions(handler, supervisor, other_supervisor):
    mine = make_incident(handler=handler, assessed=True, versions=2)
    returned = make_incident(handler=handler, assessed=True)
    reviewed = make_incident(handler=handler, assessed=True)
    other_team = make_incident(handler=UserFactory(handler=True, team=other_supervisor.team), assessed=True)
    make_incident(handler=handler)  # no submitted version
    assessment_return(assessment=returned.assessments.get(), actor=supervisor, **GOOD)
    assessment_mark_reviewed(assessment=reviewed.assessments.get(), actor=supervisor)
    queue = list(review_queue(supervisor))
    assert [(a.incident, a.version) for a in queue] == [(mine, 2)]
    assert [a.incident for a in review_queue(other_supervisor)] == [other_team]


def test_the_review_queue_filters(handler, supervisor):
    high = make_incident(handler=handler, assessed=True, category="domestic_abuse", risk_level="high")
    make_incident(handler=UserFactory(handler=True), assessed=True, risk_level="standard")
    from thrive.returns import QueueFilters

    assert [a.incident for a in review_queue(supervisor, QueueFilters(risk_level="high"))] == [high]
    assert [a.incident for a in review_queue(supervisor, QueueFilters(category="domestic_abuse"))] == [high]
    assert [a.incident for a in review_queue(supervisor, QueueFilters(handler=handler.username))] == [high]
    day = high.assessments.get().submitted_at.date()
    assert len(review_queue(supervisor, QueueFilters(date_from=day, date_to=day))) == 2
    assert QueueFilters.from_params({"from": "not a date"}).date_from is None


def test_open_returns_per_handler(latest, supervisor, handler):
    assessment_return(assessment=latest, actor=supervisor, **GOOD)
    rows = team_open_returns_by_handler(supervisor)
    assert [(r["returned_to__username"], r["open"]) for r in rows] == [(handler.username, 1)]


def test_marking_reviewed_needs_a_supervisor_of_the_team(latest, other_supervisor, handler):
    with pytest.raises(PermissionDenied):
        assessment_mark_reviewed(assessment=latest, actor=other_supervisor)
    with pytest.raises(PermissionDenied):
        assessment_mark_reviewed(assessment=latest, actor=handler)


def test_the_queue_without_a_start_date_holds_the_last_fortnight(db):
    """Older unreviewed work stays reachable through the date filter, but does not make the
    everyday queue count years of history."""
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import UserFactory, make_incident
    from thrive.returns import QueueFilters, review_queue

    supervisor = UserFactory(supervisor=True)
    handler = UserFactory(handler=True, team=supervisor.team)
    old = make_incident(handler=handler, opened_at=timezone.now() - timedelta(days=40), assessed=True)
    recent = make_incident(handler=handler, assessed=True)
    queue = {a.incident_id for a in review_queue(supervisor)}
    assert recent.pk in queue
    assert old.pk not in queue
    since = QueueFilters(date_from=timezone.localdate() - timedelta(days=60))
    assert old.pk in {a.incident_id for a in review_queue(supervisor, since)}
