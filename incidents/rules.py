"""Pure checks over an incident's own data. No writes.

- `client_time_problem`: a time sent by a client must not be in the future and keeps its order.
- `rethrive_interval`, `rethrive_due_at`, `rethrive_due_after_regrade`,
  `rethrive_due_after_new_information`, `rethrive_on_time`: rule 5, the re-THRIVE clock (the
  intervals are the force's gradings table, incidents/gradings.py).
- `dispatch_before_assessment`: whether a grading's response may go before the assessment.
  It lives here because the clock is the incident's (its grading sets the interval, its
  `rethrive_due_at` holds the due time, and `Incident.is_overdue` reads it); thrive and
  casework use it from here. Elapsed time, so all three work in UTC.

The closure gate (rule 1) spans incidents, thrive and victims: casework/rules.py.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from incidents.gradings import grading_dispatch_before_assessment, grading_interval


def client_time_problem(
    value: datetime, *, not_before: datetime | None, not_before_label: str, now: datetime | None = None
) -> str | None:
    """A time sent by a client (CAD) must not be in the future and must keep its order."""
    # Compared in UTC: two datetimes in the same zone compare by their wall clocks, which
    # the hour the clocks go back shows twice.
    value, now = value.astimezone(UTC), (now or timezone.now()).astimezone(UTC)
    if value > now:
        return "must not be in the future"
    if not_before is not None and value < not_before.astimezone(UTC):
        return f"must not be before {not_before_label} ({timezone.localtime(not_before):%d/%m/%Y %H:%M})"
    return None


def rethrive_interval(grading: str) -> timedelta:
    """Rule 5: how long after an assessment the next falls due, for this grading: the force's
    gradings table (seeded from RETHRIVE_MINUTES_*, 3 h 30 min unless set), read through its
    cached snapshot (incidents.gradings)."""
    return grading_interval(grading)


def dispatch_before_assessment(grading: str) -> bool:
    """Whether a response at this grading may be dispatched before the THRIVE-SP assessment
    is submitted (West Midlands: THRIVE is not required before an immediate response; the
    assessment follows). The force sets it per grading in the gradings table; seeded true for
    Immediate only. The one rule: a dispatch gate asks this, never the grading code."""
    return grading_dispatch_before_assessment(grading)


def assessment_due_after_dispatch(dispatched_at: datetime) -> datetime:
    """Issue 19: the due time of an assessment that follows a response dispatched before it
    (`dispatch_before_assessment`): the setting's minutes after the dispatch. It stands in the
    incident's due time, so the overdue list, the sweep and the alerts follow it unchanged."""
    return dispatched_at.astimezone(UTC) + timedelta(minutes=settings.ASSESSMENT_AFTER_DISPATCH_MINUTES)


def rethrive_due_at(*, grading: str, last_assessed_at: datetime) -> datetime:
    """Rule 5: the next assessment falls due this long after the last (or after opening).

    The only place the interval is added to a time. It is elapsed time, so the sum is taken
    in UTC: Python adds a timedelta to a Europe/London datetime on the wall clock, and across
    a clock change that is an hour out (01:30 BST + 3 h 30 min gives 05:00 GMT, which is
    4 h 30 min later). A client's time arrives with whatever offset it was sent in.
    """
    if last_assessed_at.utcoffset() is None:
        raise ValueError("rethrive_due_at needs an aware datetime")
    return last_assessed_at.astimezone(UTC) + rethrive_interval(grading)


def rethrive_due_after_regrade(
    *, grading: str, opened_at: datetime, assessed: bool, current_due: datetime | None, now: datetime
) -> datetime:
    """Rule 5: when an open incident's grading is changed (not by a submission, which is
    itself the fresh assessment and resets the clock), when is the next assessment due?

    With a submitted assessment already made, a re-THRIVE is due now (West Midlands: "any
    change in the way we respond"): the change's own time, or the earlier due time if one
    has already passed, so a second change does not hide how long it has waited. Before
    the first assessment, that first assessment stays due from the opening, at the new
    grading's interval.
    """
    if not assessed:
        return rethrive_due_at(grading=grading, last_assessed_at=opened_at)
    return _due_now(current_due=current_due, now=now)


def rethrive_due_after_new_information(
    *, assessed: bool, current_due: datetime | None, now: datetime
) -> datetime | None:
    """Rule 5: a handler logs new information on an open incident (a note marked so). Once it
    has a submitted assessment, a re-THRIVE is due now, as after a grading change (the
    earlier due time if that has already passed). Before the first assessment nothing
    changes (None): the first assessment, still to come, will take the information in."""
    if not assessed:
        return None
    return _due_now(current_due=current_due, now=now)


def _due_now(*, current_due: datetime | None, now: datetime) -> datetime:
    """Due at `now`, or at the earlier due time when that has already passed, so a second
    change does not hide how long the incident has waited."""
    now = now.astimezone(UTC)
    if current_due is not None and current_due.astimezone(UTC) < now:
        return current_due.astimezone(UTC)
    return now


def rethrive_on_time(*, submitted_at: datetime, due_at: datetime) -> bool:
    """Rule 5's compliance record: a re-THRIVE is on time when it came in by the due time.
    Compared in UTC: two datetimes in the same zone compare by their wall clocks."""
    return submitted_at.astimezone(UTC) <= due_at.astimezone(UTC)
