"""Reopening a closed incident: a supervisor's decision, with a reason.

`incident_reopen` is the one write (the incident page, the API). It clears every field of
the closure (the model's check constraint holds an open incident to no closing time and no
closure code), so the compliance figures, which count closures by `closed_month`, no longer
count it; and, a reopened incident being new information, it makes a re-THRIVE due now.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from accounts.roles import role_can
from audit.models import Action
from audit.services import audit_record
from config.errors import Blocked
from config.text import free_text_errors
from incidents.events import incident_event
from incidents.models import EntryKind, Incident, Status
from incidents.services import incident_lock, incident_update, log_entry_write, rethrive_due_now_record

REASON_MAX = 2000


def can_reopen(user: object) -> bool:
    """Supervisors reopen; a handler who needs a closed incident reopened asks one."""
    return role_can(user, "reopen_incidents")


def incident_reopen(
    *,
    incident: Incident,
    actor: User,
    reason: str,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
    channel: str = "",
) -> Incident:
    if not can_reopen(actor):
        raise PermissionDenied
    reason = (reason or "").strip() if isinstance(reason, str) else reason
    if errors := free_text_errors(reason=reason, labels={"reason": "The reason"}):
        raise ValidationError(errors)
    if not isinstance(reason, str) or not reason:
        raise ValidationError({"reason": ["Give the reason for reopening this incident"]})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": [f"The reason must be {REASON_MAX:,} characters or fewer"]})
    with transaction.atomic():
        locked = incident_lock(incident, expected_version)
        if locked.status != Status.CLOSED:
            raise Blocked("not_closed", f"Incident {locked.reference} is open: only a closed incident can be reopened.")
        was = locked.closure_code.name if locked.closure_code_id else "closed"
        now = timezone.now()
        incident_update(
            locked,
            status=Status.OPEN,
            closed_at=None,
            closed_month=None,
            closed_by=None,
            closure_code=None,
            exemption_reason="",
            # The closure's policy record goes with it (the log entry and the audit keep it).
            exemption_line=None,
            callback_attempts=None,
            callback_outcome="",
            framework_reference="",
            overdue_decision="",
            overdue_decision_by=None,
            close_digest="",
        )
        # Before the re-THRIVE's own event, so a receiver reads them in the order they happened.
        incident_event(locked, "incident.reopened", at=now, reopened_at=now)
        # New information: the risk is assessed again, now (the entry below says so).
        rethrive_due_now_record(locked, due=now, at=now, author=actor)
        log_entry_write(
            incident=locked,
            kind=EntryKind.REOPENED,
            author=actor,
            at=now,
            text=f"Reopened by {actor.display_name} (it was closed as {was}). Reason: {reason} A re-THRIVE is due now.",
        )
        audit_record(
            actor=actor,
            action=Action.ALTER,
            object_type="incident",
            object_id=locked.pk,
            incident_reference=locked.reference,
            description=f"reopened (was closed as {was})",
            request=request,
            channel=channel,
        )
    return locked
