"""Every write to incident logs. Views, the API, the admin and tasks all call these."""

from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from config.dates import local_month
from config.errors import Blocked
from config.text import free_text_errors
from incidents.models import (
    Category,
    Channel,
    ClosureCode,
    EntryKind,
    Grading,
    Incident,
    LogEntry,
    ReferenceCounter,
    Status,
)
from incidents.rules import client_time_problem, close_blockers, latest_submitted_assessment
from thrive.rules import rethrive_due_at

SUMMARY_MAX = 2000
LOCATION_MAX = 300
NOTE_MAX = 4000
OPENED_AT_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def log_entry_write(
    *, incident: Incident, kind: str, text: str, author: User | None = None, at: datetime | None = None
) -> LogEntry:
    return LogEntry.objects.create(incident=incident, kind=kind, text=text, author=author, at=at or timezone.now())


def _next_reference(opened_at: datetime) -> str:
    """A reference a handler can read out: the local date and the call's number that day,
    e.g. 281126-0042. The counter row is locked by the update, so two calls never share."""
    day = timezone.localdate(opened_at)
    ReferenceCounter.objects.get_or_create(day=day)
    ReferenceCounter.objects.filter(day=day).update(last=F("last") + 1)
    number = ReferenceCounter.objects.get(day=day).last
    return f"{day:%d%m%y}-{number:04d}"


def incident_create(
    *,
    actor: User,
    channel: str,
    category: str,
    grading: str,
    summary: str,
    location: str = "",
    opened_at: datetime | None = None,
) -> Incident:
    errors: dict[str, list[str]] = {}
    if channel not in Channel.values:
        errors["channel"] = [f"Select a channel: one of {', '.join(Channel.values)}"]
    # A NUL character cannot reach PostgreSQL, even in a look-up: it is simply not a code.
    category_obj = (
        Category.objects.filter(code=category, active=True).first() if "\x00" not in (category or "") else None
    )
    if category_obj is None:
        errors["category"] = [f"{category!r} is not a known opening code" if category else "Select a category"]
    if grading not in Grading.values:
        errors["grading"] = [f"Select a grading: one of {', '.join(Grading.values)}"]
    if not (summary or "").strip():
        errors["summary"] = ["Enter a summary of the call"]
    elif len(summary) > SUMMARY_MAX:
        errors["summary"] = [f"Summary must be {SUMMARY_MAX:,} characters or fewer"]
    if len(location or "") > LOCATION_MAX:
        errors["location"] = [f"Location must be {LOCATION_MAX} characters or fewer"]
    for name, messages in free_text_errors(summary=summary, location=location).items():
        errors.setdefault(name, messages)
    now = timezone.now()
    if opened_at is not None:
        problem = client_time_problem(opened_at, not_before=None, not_before_label="", now=now)
        if problem:
            errors["opened_at"] = [f"Opened at {problem}"]
        elif opened_at < OPENED_AT_EARLIEST:
            # References carry a two-digit year: an opened_at a century back would reuse one.
            errors["opened_at"] = [f"Opened at must not be before {OPENED_AT_EARLIEST:%d/%m/%Y}"]
    if errors:
        raise ValidationError(errors)
    opened = opened_at or now
    with transaction.atomic():
        incident = Incident.objects.create(
            reference=_next_reference(opened),
            channel=channel,
            category=category_obj,
            grading=grading,
            summary=summary.strip(),
            location=(location or "").strip(),
            handler=actor,
            team=actor.team,
            opened_at=opened,
            rethrive_due_at=rethrive_due_at(grading=grading, last_assessed_at=opened),
        )
        log_entry_write(
            incident=incident,
            kind=EntryKind.OPENED,
            author=actor,
            at=opened,
            text=f"Opened by {actor.display_name}: {Channel(channel).label}, "
            f"{category_obj.name}, graded {Grading(grading).label}.",
        )
    return incident


def _lock(incident: Incident, expected_version: int | None) -> Incident:
    """Lock the row for this change and check the form was not stale."""
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if expected_version is not None and locked.row_version != expected_version:
        raise Blocked(
            "conflict",
            f"Incident {locked.reference} was changed by someone else while you were working on it. "
            "Nothing of yours was saved over theirs: reload the page to see the change, then try again.",
        )
    return locked


def _touch(incident: Incident, **fields: object) -> None:
    """Write `fields` and bump the optimistic-lock version in one update."""
    for name, value in fields.items():
        setattr(incident, name, value)
    incident.row_version += 1
    incident.save(update_fields=[*fields.keys(), "row_version"])


def incident_add_note(*, incident: Incident, actor: User, text: str) -> LogEntry:
    text = (text or "").strip()
    if errors := free_text_errors(text=text, labels={"text": "The log entry"}):
        raise ValidationError(errors)
    if not text:
        raise ValidationError({"text": ["Enter the log entry"]})
    if len(text) > NOTE_MAX:
        raise ValidationError({"text": [f"A log entry must be {NOTE_MAX:,} characters or fewer"]})
    # Notes are appended, so they never conflict; they may be added after closure too.
    return log_entry_write(incident=incident, kind=EntryKind.NOTE, text=text, author=actor)


def incident_change_grading(
    *,
    incident: Incident,
    actor: User,
    grading: str,
    expected_version: int | None = None,
    reason: str = "",
) -> Incident:
    if grading not in Grading.values:
        raise ValidationError({"grading": [f"Select a grading: one of {', '.join(Grading.values)}"]})
    reason = reason or ""
    if errors := free_text_errors(reason=reason, labels={"reason": "The reason"}):
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _lock(incident, expected_version)
        if locked.status == Status.CLOSED:
            raise Blocked("already_closed", f"Incident {locked.reference} is closed.")
        if locked.grading != grading:
            _regrade(locked, actor=actor, grading=grading, reason=reason)
            # Rule 5: the re-THRIVE interval is per grading, so the clock follows the new one.
            latest = latest_submitted_assessment(locked)
            last = latest.submitted_at if latest is not None and latest.submitted_at else locked.opened_at
            _touch(locked, rethrive_due_at=rethrive_due_at(grading=grading, last_assessed_at=last))
    return locked


def _regrade(incident: Incident, *, actor: User, grading: str, reason: str) -> None:
    """Change the grading of a locked incident, logging the change (callers hold the lock)."""
    if incident.grading == grading:
        return
    old = Grading(incident.grading).label
    _touch(incident, grading=grading)
    suffix = f" Reason: {reason}" if reason else ""
    log_entry_write(
        incident=incident,
        kind=EntryKind.GRADING_CHANGED,
        author=actor,
        text=f"Grading changed from {old} to {Grading(grading).label} by {actor.display_name}.{suffix}",
    )


def incident_close(
    *,
    incident: Incident,
    actor: User,
    closure_code: str,
    exemption_reason: str = "",
    closed_at: datetime | None = None,
    expected_version: int | None = None,
) -> Incident:
    """Rule 1: the only code that closes an incident."""
    # A NUL character cannot reach PostgreSQL, even in a look-up: it is simply not a code.
    clean = "\x00" not in (closure_code or "")
    code = ClosureCode.objects.filter(code=closure_code, active=True).first() if clean else None
    if code is None:
        raise ValidationError(
            {"closure_code": [f"{closure_code!r} is not a closure code" if closure_code else "Select a closure code"]}
        )
    exemption_reason = (exemption_reason or "").strip()
    if errors := free_text_errors(exemption_reason=exemption_reason, labels={"exemption_reason": "The reason"}):
        raise ValidationError(errors)
    if code.exempt and not exemption_reason:
        raise ValidationError(
            {"exemption_reason": [f"Give the reason this incident closes as “{code.name}” without an assessment"]}
        )
    if len(exemption_reason) > 2000:
        raise ValidationError({"exemption_reason": ["The reason must be 2,000 characters or fewer"]})
    with transaction.atomic():
        locked = _lock(incident, expected_version)
        # Asked again under the lock: a second click, or a second request racing this one,
        # sees the first close and is refused as already closed.
        blockers = close_blockers(locked, closure_code=code)
        if blockers:
            raise Blocked(blockers[0].code, blockers[0].message)
        now = timezone.now()
        when = closed_at or now
        latest = latest_submitted_assessment(locked)
        not_before, label = locked.opened_at, "the time the incident was opened"
        if latest is not None and latest.submitted_at and latest.submitted_at > not_before:
            not_before, label = latest.submitted_at, "the last assessment"
        problem = client_time_problem(when, not_before=not_before, not_before_label=label, now=now)
        if problem:
            raise ValidationError({"closed_at": [f"Closed at {problem}"]})
        _touch(
            locked,
            status=Status.CLOSED,
            closed_at=when,
            closed_month=local_month(when),
            closed_by=actor,
            closure_code=code,
            exemption_reason=exemption_reason if code.exempt else "",
            rethrive_due_at=None,
        )
        text = f"Closed by {actor.display_name} as {code.name}."
        if code.exempt:
            text += f" Exempt from assessment. Reason: {exemption_reason}"
        log_entry_write(incident=locked, kind=EntryKind.CLOSED, author=actor, at=when, text=text)
    return locked
