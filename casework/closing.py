"""Rule 1's one write: closing an incident (the gate itself is casework/rules.py).

`incident_close` checks the closure code, the closing time, the gate (under the row lock, at
the closing time) and what the force's exemption policy line asks for, then `_close_write`
stores the closure with who, why, the policy line and a supervisor's decision, its log entry
and, for an exempt or overridden closure, the audit line. casework.services names it too.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from accounts.roles import role_can
from alerts.services import alert_settle_for_close
from audit.models import Action
from audit.services import audit_record
from casework.rules import (
    CALLBACKS_MAX,
    REASON_MAX,
    REFERENCE_MAX,
    close_blockers,
    close_request_digest,
    exemption_line,
    exemption_missing,
)
from config.dates import local_month
from config.errors import Blocked
from config.text import free_text_errors
from incidents.events import incident_event
from incidents.models import ClosureCode, ClosureExemption, EntryKind, Incident, Requirement, Status
from incidents.rules import client_time_problem
from incidents.services import incident_lock, incident_update, log_entry_write
from thrive.selectors import latest_submitted_assessment


def incident_close(
    *,
    incident: Incident,
    actor: User,
    closure_code: str,
    exemption_reason: str = "",
    closed_at: datetime | None = None,
    expected_version: int | None = None,
    callback_attempts: int | None = None,
    callback_outcome: str = "",
    framework_reference: str = "",
    overdue_decision: str = "",
    request: HttpRequest | None = None,
) -> Incident:
    """Rule 1: the only code that closes an incident.

    An exempt code needs the force's policy line for the incident's channel and category
    (casework.rules.exemption_line) and what that line asks for (`exemption_missing`); the
    closure stores who, why, the line and its record. A re-THRIVE overdue at the closing time
    needs a fresh one or a supervisor's `overdue_decision`, stored and audited with the close."""
    # A NUL character cannot reach PostgreSQL, even in a look-up: it is simply not a code.
    clean = "\x00" not in (closure_code or "")
    code = ClosureCode.objects.filter(code=closure_code, active=True).first() if clean else None
    if code is None:
        raise ValidationError(
            {"closure_code": [f"{closure_code!r} is not a closure code" if closure_code else "Select a closure code"]}
        )
    exemption_reason = (exemption_reason or "").strip()
    callback_outcome = (callback_outcome or "").strip()
    framework_reference = (framework_reference or "").strip()
    overdue_decision = (overdue_decision or "").strip()
    texts = {
        "exemption_reason": exemption_reason,
        "callback_outcome": callback_outcome,
        "framework_reference": framework_reference,
        "overdue_decision": overdue_decision,
    }
    labels = {
        "exemption_reason": "The reason",
        "callback_outcome": "The outcome",
        "framework_reference": "The reference",
        "overdue_decision": "The decision",
    }
    if errors := free_text_errors(**texts, labels=labels):
        raise ValidationError(errors)
    errors = {
        name: [f"{labels[name]} must be {limit:,} characters or fewer"]
        for name, limit in (
            ("exemption_reason", REASON_MAX),
            ("callback_outcome", REASON_MAX),
            ("overdue_decision", REASON_MAX),
            ("framework_reference", REFERENCE_MAX),
        )
        if len(texts[name]) > limit
    }
    if callback_attempts is not None and not (0 <= callback_attempts <= CALLBACKS_MAX):
        errors["callback_attempts"] = [f"Enter a number of call-back attempts from 0 to {CALLBACKS_MAX}"]
    if errors:
        raise ValidationError(errors)
    may_decide = role_can(actor, "decide_overdue_close")
    with transaction.atomic():
        locked = incident_lock(incident, expected_version)
        if locked.status == Status.CLOSED:
            # A second click, or a second request racing this one, sees the first close.
            raise Blocked("already_closed", f"Incident {locked.reference} is already closed.")
        now = timezone.now()
        when = closed_at or now
        latest = latest_submitted_assessment(locked)
        not_before, label = locked.opened_at, "the time the incident was opened"
        if latest is not None and latest.submitted_at and latest.submitted_at > not_before:
            not_before, label = latest.submitted_at, "the last assessment"
        problem = client_time_problem(when, not_before=not_before, not_before_label=label, now=now)
        if problem:
            raise ValidationError({"closed_at": [f"Closed at {problem}"]})
        # Asked again under the lock, at the closing time.
        blockers = close_blockers(
            locked,
            closure_code=code,
            latest=latest,
            latest_known=True,
            at=when,
            overdue_decided=bool(overdue_decision) and may_decide,
        )
        if blockers:
            if blockers[0].code == "rethrive_overdue" and overdue_decision and not may_decide:
                raise ValidationError(
                    {"overdue_decision": ["Only a supervisor can decide to close while a re-THRIVE is overdue"]}
                )
            raise Blocked(blockers[0].code, blockers[0].message)
        line = exemption_line(locked, code) if code.exempt else None
        if line is not None and (
            missing := exemption_missing(
                line,
                exemption_reason=exemption_reason,
                callback_attempts=callback_attempts,
                callback_outcome=callback_outcome,
                framework_reference=framework_reference,
            )
        ):
            raise ValidationError(missing)
        # The decision is kept only when it was needed: the close would have been blocked without it.
        overdue = overdue_decision and any(
            b.code == "rethrive_overdue"
            for b in close_blockers(locked, closure_code=code, latest=latest, latest_known=True, at=when)
        )
        digest = close_request_digest(
            closure_code=code.code,
            closed_at=closed_at,
            exemption_reason=exemption_reason,
            callback_attempts=callback_attempts,
            callback_outcome=callback_outcome,
            framework_reference=framework_reference,
            overdue_decision=overdue_decision,
        )
        _close_write(
            locked,
            actor=actor,
            code=code,
            when=when,
            digest=digest,
            line=line,
            exemption_reason=exemption_reason,
            callback_attempts=callback_attempts,
            callback_outcome=callback_outcome,
            framework_reference=framework_reference,
            overdue_decision=overdue_decision if overdue else "",
            request=request,
        )
    return locked


def _close_write(
    locked: Incident,
    *,
    actor: User,
    code: ClosureCode,
    when: datetime,
    digest: str,
    line: ClosureExemption | None,
    exemption_reason: str,
    callback_attempts: int | None,
    callback_outcome: str,
    framework_reference: str,
    overdue_decision: str,
    request: HttpRequest | None,
) -> None:
    """The closed incident, its log entry, its unacknowledged alerts settled and, for an
    exempt closure or a supervisor's decision, the audit line: who, why, and the policy line
    that allowed it."""
    risk = line is not None and line.requirement == Requirement.RISK_DECISION
    framework = line is not None and line.requirement == Requirement.FRAMEWORK_RECORD
    incident_update(
        locked,
        status=Status.CLOSED,
        closed_at=when,
        closed_month=local_month(when),
        closed_by=actor,
        closure_code=code,
        exemption_reason=exemption_reason if line else "",
        exemption_line=line,
        callback_attempts=callback_attempts if risk else None,
        callback_outcome=callback_outcome if risk else "",
        framework_reference=framework_reference if framework else "",
        overdue_decision=overdue_decision,
        overdue_decision_by=actor if overdue_decision else None,
        close_digest=digest,
        rethrive_due_at=None,
    )
    text = f"Closed by {actor.display_name} as {code.name}."
    if line is not None:
        text += f" Exempt from assessment under the policy line “{line}”. Reason: {exemption_reason}"
        if risk:
            text += f" Call-back attempts: {callback_attempts}. Outcome: {callback_outcome}"
        if framework:
            text += f" {line.framework}: {framework_reference}"
    if overdue_decision:
        text += f" Closed with a re-THRIVE overdue on {actor.display_name}'s decision as supervisor: {overdue_decision}"
    log_entry_write(incident=locked, kind=EntryKind.CLOSED, author=actor, at=when, text=text[:4000])
    # Rule 13: the alerts nobody acknowledged stop calling supervisors to a closed incident.
    alert_settle_for_close(incident=locked, actor=actor, at=timezone.now())
    # The webhook event, in this transaction (incidents.events): codes and times only.
    incident_event(
        locked, "incident.closed", at=timezone.now(), closure_code=code.code, exempt=code.exempt, closed_at=when
    )
    parts = [f"exempt closure as “{code.name}” under policy line {line.pk}"] if line else []
    if overdue_decision:
        parts.append("closed with a re-THRIVE overdue on a supervisor's decision")
    if parts:
        audit_record(
            actor=actor,
            action=Action.ALTER,
            object_type="incident",
            object_id=locked.pk,
            incident_reference=locked.reference,
            description="; ".join(parts),
            request=request,
        )
