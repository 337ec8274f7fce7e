"""The CAD's writes (API.md "Command-and-control (CAD) integration"): the intake PUT and the
close. Both go through the services every other route uses: incidents.services to open and
change an incident (`incident_create`, `incident_lock`, `incident_update`), casework.services
for the grading change (its re-THRIVE due now, incidents.rules.rethrive_due_after_regrade) and
the close (rule 1, casework.rules.close_blockers)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from accounts.models import User
from accounts.roles import role_can
from cad.rules import cad_changes, cad_ref_problem, close_repeat_problem, grading_changes, same_instant
from casework.services import incident_change_grading, incident_close
from config.errors import Blocked
from incidents.handover import owner_follows_call_taker
from incidents.models import Category, EntryKind, Incident, Status
from incidents.services import incident_create, incident_fields_clean, incident_lock, incident_update, log_entry_write

HANDLER_MAX = 150


def call_taker(username: str) -> User:
    """The member of staff the CAD names as the call taker: an active account whose role
    takes calls (a call handler or a supervisor). Anyone else is a 400 naming `handler`."""
    found = None
    if username and len(username) <= HANDLER_MAX and "\x00" not in username:
        found = User.objects.select_related("team").filter(username=username, is_active=True).first()
    if found is None:
        raise ValidationError(
            {
                "handler": [
                    f"{username!r} is not a member of staff here" if username else "Give the call taker's username"
                ]
            }
        )
    if not role_can(found, "take_calls"):
        raise ValidationError(
            {"handler": [f"{username!r} is a {found.get_role_display()}, not a call handler or supervisor"]}
        )
    return found


def _body_clean(
    *,
    cad_ref: str,
    handler: str,
    channel: str,
    category: str,
    grading: str,
    summary: str,
    location: str,
    opened_at: datetime | None,
) -> tuple[User, Category]:
    """Every field checked together, so one answer names every field at fault."""
    errors: dict[str, list[str]] = {}
    if problem := cad_ref_problem(cad_ref):
        errors["cad_ref"] = [problem]
    taker = category_obj = None
    try:
        taker = call_taker(handler)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        category_obj = incident_fields_clean(
            channel=channel, category=category, grading=grading, summary=summary, location=location, opened_at=opened_at
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors or taker is None or category_obj is None:
        raise ValidationError(errors)
    return taker, category_obj


def cad_incident_put(
    *,
    actor: User,
    cad_ref: str,
    handler: str,
    channel: str,
    category: str,
    grading: str,
    summary: str,
    location: str = "",
    opened_at: datetime | None = None,
) -> tuple[Incident, bool]:
    """Create the incident the CAD keys by `cad_ref`, or bring it in line with the CAD's body.
    Returns the incident and whether it was created. The same body again writes nothing.

    Two PUTs of one new reference at once make one incident: the second's insert meets the
    unique `cad_ref` of the first, is rolled back to its savepoint, and carries on as an
    update of the first's incident (which, for the same body, changes nothing)."""
    location = location or ""
    taker, category_obj = _body_clean(
        cad_ref=cad_ref,
        handler=handler,
        channel=channel,
        category=category,
        grading=grading,
        summary=summary,
        location=location,
        opened_at=opened_at,
    )
    with transaction.atomic():
        existing = Incident.objects.filter(cad_ref=cad_ref).first()
        if existing is None:
            try:
                with transaction.atomic():
                    created = incident_create(
                        actor=actor,
                        handler=taker,
                        cad_ref=cad_ref,
                        channel=channel,
                        category=category,
                        grading=grading,
                        summary=summary,
                        location=location,
                        opened_at=opened_at,
                    )
                return created, True
            except IntegrityError:
                existing = Incident.objects.filter(cad_ref=cad_ref).first()
                if existing is None:
                    raise
        _incident_bring_in_line(
            existing,
            actor=actor,
            taker=taker,
            channel=channel,
            category=category_obj,
            grading=grading,
            summary=summary,
            location=location,
            opened_at=opened_at,
        )
    return existing, False


def _incident_bring_in_line(
    incident: Incident,
    *,
    actor: User,
    taker: User,
    channel: str,
    category: Category,
    grading: str,
    summary: str,
    location: str,
    opened_at: datetime | None,
) -> None:
    locked = incident_lock(incident)
    locked = Incident.objects.select_related("category", "handler").get(pk=locked.pk)
    if opened_at is not None and not same_instant(opened_at, locked.opened_at):
        raise ValidationError(
            {
                "opened_at": [
                    "The incident's opening time is kept as the CAD first sent it: send that time, or leave it out"
                ]
            }
        )
    changes = cad_changes(locked, channel=channel, category=category, summary=summary, location=location, handler=taker)
    regrade = grading_changes(locked, grading)
    if not changes and regrade is None:
        return  # the same body again: nothing written, nothing logged
    if locked.status == Status.CLOSED:
        raise Blocked(
            "closed",
            f"Incident {locked.reference} (CAD {locked.cad_ref}) is closed: its details can no longer change.",
        )
    if changes:
        fields: dict[str, object] = {}
        said = []
        if "channel" in changes:
            fields["channel"] = channel
        if "category" in changes:
            fields["category"] = category
        if "summary" in changes:
            fields["summary"] = summary.strip()
        if "location" in changes:
            fields["location"] = location.strip()
        if "handler" in changes:
            fields["handler"], fields["team"] = taker, taker.team
            if owner_follows_call_taker(locked, taker):
                fields["owner"] = taker
        names = {
            "channel": "channel",
            "category": "category",
            "summary": "summary",
            "location": "location",
            "handler": "call taker",
        }
        for name, (was, now) in changes.items():
            said.append(f"{names[name]} changed" + (f" from {was} to {now}" if was is not None else ""))
        if "owner" in fields:
            said.append(f"owner changed to {taker.display_name} with the call taker")
        incident_update(locked, **fields)
        log_entry_write(
            incident=locked,
            kind=EntryKind.CAD_UPDATED,
            author=actor,
            text=f"Updated from the CAD by {actor.display_name}: " + "; ".join(said) + ".",
        )
    if regrade is not None:
        # casework's grading change: the log entry, and a re-THRIVE due now once assessed.
        incident_change_grading(incident=locked, actor=actor, grading=grading, reason="Changed in the CAD.")


def cad_incident_close(
    *,
    incident: Incident,
    actor: User,
    closure_code: str,
    exemption_reason: str = "",
    closed_at: datetime | None = None,
    callback_attempts: int | None = None,
    callback_outcome: str = "",
    framework_reference: str = "",
    overdue_decision: str = "",
    request: HttpRequest | None = None,
) -> Incident:
    """The reference close (casework.closing.incident_close) with every field it takes (the
    force's exemption policy records and a supervisor's overdue decision included), and a CAD
    retrying its own close with the same body (cad.rules.close_repeat_problem) answered with
    the closed incident as the first time, instead of 409 `already_closed`: one closure, the
    same answer. Any other close of a closed incident is 409 `already_closed`, its detail
    saying what differs from the close recorded: a changed field is never silently ignored."""
    try:
        return incident_close(
            incident=incident,
            actor=actor,
            closure_code=closure_code,
            exemption_reason=exemption_reason,
            closed_at=closed_at,
            callback_attempts=callback_attempts,
            callback_outcome=callback_outcome,
            framework_reference=framework_reference,
            overdue_decision=overdue_decision,
            request=request,
        )
    except Blocked as blocked:
        if blocked.code != "already_closed":
            raise
        current = Incident.objects.select_related("closure_code").get(pk=incident.pk)
        problem = close_repeat_problem(
            current,
            actor=actor,
            closure_code=closure_code,
            exemption_reason=exemption_reason,
            closed_at=closed_at,
            callback_attempts=callback_attempts,
            callback_outcome=callback_outcome,
            framework_reference=framework_reference,
            overdue_decision=overdue_decision,
        )
        if problem is None:
            return current
        raise Blocked(
            "already_closed",
            f"Incident {current.reference} is already closed, and this close is not a repeat of that one: {problem}. "
            "A retry must send the same body (or the same Idempotency-Key); the closure stands as recorded.",
        ) from blocked
