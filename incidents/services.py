"""Every write to incident logs. Views, the API, the admin and tasks all call these.

`incident_lock` and `incident_update` are the one way any app changes an incident row: lock it
(checking the form was not stale), then write fields and bump the optimistic-lock version
together. Closing and the grading change read the assessments too, so they live a layer up, in
casework/services.py, and use these.
"""

from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from audit.models import Action
from audit.services import audit_record
from config.choices import labels_listed
from config.errors import Blocked
from config.text import free_text_errors
from incidents.events import incident_event
from incidents.gradings import grading_choices, grading_is_active, grading_label
from incidents.models import (
    Category,
    Channel,
    ClosureCode,
    ClosureExemption,
    EntryKind,
    Incident,
    LogEntry,
    ReferenceCounter,
    ResponseGrading,
)
from incidents.rules import client_time_problem, rethrive_due_at

SUMMARY_MAX = 2000
LOCATION_MAX = 300
NOTE_MAX = 4000
OPENED_AT_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def grading_problem(grading: str) -> str | None:
    """Why `grading` cannot be given to an incident now (None when it can): it must be an active
    grading of the force's table. The message lists the names, never the codes."""
    if isinstance(grading, str) and grading_is_active(grading):
        return None
    return f"Select a grading: {labels_listed(grading_choices())}"


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


def incident_fields_clean(
    *,
    channel: str,
    category: str,
    grading: str,
    summary: str,
    location: str = "",
    opened_at: datetime | None = None,
) -> Category:
    """What an incident's own fields must be, however they arrive (the form, the API, the
    CAD's intake): raises ValidationError naming each bad field, or returns the category."""
    errors: dict[str, list[str]] = {}
    if channel not in Channel.values:
        errors["channel"] = [f"Select a channel: {labels_listed(Channel.choices)}"]
    # A NUL character cannot reach PostgreSQL, even in a look-up: it is simply not a code.
    category_obj = (
        Category.objects.filter(code=category, active=True).first() if "\x00" not in (category or "") else None
    )
    if category_obj is None:
        errors["category"] = [f"{category!r} is not a known opening code" if category else "Select a category"]
    if problem := grading_problem(grading):
        errors["grading"] = [problem]
    if not (summary or "").strip():
        errors["summary"] = ["Enter a summary of the call"]
    elif len(summary) > SUMMARY_MAX:
        errors["summary"] = [f"Summary must be {SUMMARY_MAX:,} characters or fewer"]
    if len(location or "") > LOCATION_MAX:
        errors["location"] = [f"Location must be {LOCATION_MAX} characters or fewer"]
    for name, messages in free_text_errors(summary=summary, location=location).items():
        errors.setdefault(name, messages)
    if opened_at is not None:
        problem = client_time_problem(opened_at, not_before=None, not_before_label="", now=timezone.now())
        if problem:
            errors["opened_at"] = [f"Opened at {problem}"]
        elif opened_at < OPENED_AT_EARLIEST:
            # References carry a two-digit year: an opened_at a century back would reuse one.
            errors["opened_at"] = [f"Opened at must not be before {OPENED_AT_EARLIEST:%d/%m/%Y}"]
    if errors or category_obj is None:  # an unknown category is among the errors
        raise ValidationError(errors)
    return category_obj


def incident_create(
    *,
    actor: User,
    channel: str,
    category: str,
    grading: str,
    summary: str,
    location: str = "",
    opened_at: datetime | None = None,
    handler: User | None = None,
    cad_ref: str | None = None,
) -> Incident:
    """Open an incident. The handler is the actor, unless another system (the CAD) opens it
    for the call taker it names (`handler`), keyed by its own reference (`cad_ref`)."""
    category_obj = incident_fields_clean(
        channel=channel,
        category=category,
        grading=grading,
        summary=summary,
        location=location,
        opened_at=opened_at,
    )
    handler = handler or actor
    opened = opened_at or timezone.now()
    with transaction.atomic():
        incident = Incident.objects.create(
            reference=_next_reference(opened),
            cad_ref=cad_ref,
            channel=channel,
            category=category_obj,
            grading=grading,
            summary=summary.strip(),
            location=(location or "").strip(),
            handler=handler,
            owner=handler,
            team=handler.team,
            opened_at=opened,
            rethrive_due_at=rethrive_due_at(grading=grading, last_assessed_at=opened),
        )
        text = (
            f"Opened by {handler.display_name}: {Channel(channel).label}, "
            f"{category_obj.name}, graded {grading_label(grading)}."
        )
        if cad_ref:
            text += f" Received from the CAD (its reference {cad_ref}) through {actor.display_name}."
        log_entry_write(incident=incident, kind=EntryKind.OPENED, author=actor, at=opened, text=text)
    return incident


def incident_lock(incident: Incident | int, expected_version: int | None = None) -> Incident:
    """Lock the row for a change (inside the caller's transaction) and check the form was not
    stale: `expected_version` is the row version the page or client last saw, None to skip.
    Takes the incident or its id (a caller holding only a foreign key saves a read)."""
    pk = incident if isinstance(incident, int) else incident.pk
    locked = Incident.objects.select_for_update().get(pk=pk)
    if expected_version is not None and locked.row_version != expected_version:
        raise Blocked(
            "conflict",
            f"Incident {locked.reference} was changed by someone else while you were working on it. "
            "Nothing of yours was saved over theirs: reload the page to see the change, then try again.",
        )
    return locked


def incident_update(incident: Incident, **fields: object) -> None:
    """Write `fields` to a locked incident and bump the optimistic-lock version in one update."""
    for name, value in fields.items():
        setattr(incident, name, value)
    incident.row_version += 1
    incident.save(update_fields=[*fields.keys(), "row_version"])


def rethrive_due_now_record(
    incident: Incident, *, due: datetime, at: datetime, author: User | None = None, text: str = ""
) -> None:
    """Rule 5: a change made a re-THRIVE of this locked incident due now (a grading change,
    new information, reopening). The one place that says so: the due time, marked flagged so
    the sweep (thrive.services.rethrive_flag_overdue) adds no "no assessment in the last
    3 h 30 min" of its own, untrue here; the change's "Re-THRIVE due" entry (`text`, when the
    change's own entry does not already say it); and the `incident.rethrive_overdue` event the
    sweep would otherwise have sent, so a subscriber (the CAD) hears of it either way."""
    incident_update(incident, rethrive_due_at=due, rethrive_flagged_for=due)
    if text:
        log_entry_write(incident=incident, kind=EntryKind.RETHRIVE_DUE, author=author, at=at, text=text)
    incident_event(incident, "incident.rethrive_overdue", at=at, grading=incident.grading, rethrive_due_at=due)


def incident_add_note(*, incident: Incident, actor: User, text: str, new_information: bool = False) -> LogEntry:
    """A line the handler adds to the log. Marked as new information, the re-THRIVE that
    follows is casework's to set (it needs the assessments: casework.services.incident_note)."""
    text = (text or "").strip()
    if errors := free_text_errors(text=text, labels={"text": "The log entry"}):
        raise ValidationError(errors)
    if not text:
        raise ValidationError({"text": ["Enter the log entry"]})
    if len(text) > NOTE_MAX:
        raise ValidationError({"text": [f"A log entry must be {NOTE_MAX:,} characters or fewer"]})
    # Notes are appended, so they never conflict; they may be added after closure too.
    kind = EntryKind.NEW_INFORMATION if new_information else EntryKind.NOTE
    return log_entry_write(incident=incident, kind=kind, text=text, author=actor)


def incident_regrade(incident: Incident, *, actor: User, grading: str, reason: str) -> None:
    """Change the grading of a locked incident, logging the change (callers hold the lock:
    `incident_lock`). The re-THRIVE clock that follows is the caller's to reset, as it needs
    the latest assessment (casework.services)."""
    if incident.grading == grading:
        return
    old = grading_label(incident.grading)
    incident_update(incident, grading=grading)
    suffix = f" Reason: {reason}" if reason else ""
    log_entry_write(
        incident=incident,
        kind=EntryKind.GRADING_CHANGED,
        author=actor,
        text=f"Grading changed from {old} to {grading_label(grading)} by {actor.display_name}.{suffix}",
    )


# The force's policy tables, as its administrator edits them in the admin: each change is
# saved here and audited in the same transaction (who, what, from where).
POLICY_OBJECT_TYPES = {ResponseGrading: "grading", ClosureExemption: "closure_exemption", ClosureCode: "closure_code"}


def policy_row_save(*, row: ResponseGrading | ClosureExemption | ClosureCode, actor: User, request=None) -> None:
    """Save a grading, a closure-exemption line or a closure code, and audit the change."""
    created = row.pk is None
    with transaction.atomic():
        row.save()
        audit_record(
            actor=actor,
            action=Action.COLLECT if created else Action.ALTER,
            object_type=POLICY_OBJECT_TYPES[type(row)],
            object_id=row.pk,
            description=f"{'added' if created else 'changed'}: {row}"[:300],
            request=request,
            channel="admin",
        )


def policy_row_delete(*, row: ResponseGrading | ClosureExemption | ClosureCode, actor: User, request=None) -> None:
    """Delete a policy row no incident uses (a used one is protected), and audit it."""
    if isinstance(row, ResponseGrading) and Incident.objects.filter(grading=row.code).exists():
        raise ValidationError(f"Incidents are graded “{row.name}”: make it inactive instead of deleting it.")
    with transaction.atomic():
        pk, text = row.pk, str(row)
        row.delete()
        audit_record(
            actor=actor,
            action=Action.ERASE,
            object_type=POLICY_OBJECT_TYPES[type(row)],
            object_id=pk,
            description=f"deleted: {text}"[:300],
            request=request,
            channel="admin",
        )
