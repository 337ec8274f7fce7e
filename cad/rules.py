"""The CAD integration's own rules. Pure reads of what is in memory; no writes.

- `cad_ref_problem`: what a CAD reference may be.
- `cad_changes`: what a PUT from the CAD would change on an incident (the same body again:
  nothing, which is what makes the PUT idempotent).
- `close_repeat_problem`: whether a close the CAD sends for an incident already closed is its
  own close again (a retry after a timeout, the same body), to be answered as the first was,
  or what differs (a 409 `already_closed` saying so).

The closure gate itself is casework.rules.close_blockers, which the closure check and the
close both ask.
"""

import re
from datetime import UTC, datetime
from typing import Any

from accounts.models import User
from casework.rules import close_request_digest
from incidents.models import Category, Channel, Grading, Incident

CAD_REF_MAX = 40
# Parts of letters, digits, - and _, joined by single slashes (no leading, trailing or double
# slash: those could not be told apart in a URL).
_CAD_REF_SHAPE = re.compile(r"[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*")
# The routes under a reference end in these: a reference ending in one could not be read
# back (GET /api/cad/incidents/AB/close/ is the close of AB).
RESERVED_LAST_PARTS = frozenset({"close", "closure"})


def cad_ref_problem(cad_ref: str) -> str | None:
    """Why this is not a CAD reference we can key an incident by, or None."""
    if not cad_ref:
        return "Give the CAD's reference"
    if len(cad_ref) > CAD_REF_MAX:
        return f"A CAD reference must be {CAD_REF_MAX} characters or fewer"
    if not _CAD_REF_SHAPE.fullmatch(cad_ref):
        return "A CAD reference is letters, digits, -, / and _, with no slash at either end or two together"
    if cad_ref.rsplit("/", 1)[-1].lower() in RESERVED_LAST_PARTS and "/" in cad_ref:
        return "A CAD reference cannot end in /close or /closure"
    return None


def cad_changes(
    incident: Incident,
    *,
    channel: str,
    category: Category,
    summary: str,
    location: str,
    handler: User,
) -> dict[str, tuple[Any, Any]]:
    """Each field the CAD's body would change, as (what the log says it was, what it
    becomes). The grading is not among them: its change is casework's (a re-THRIVE due)."""
    changes: dict[str, tuple[Any, Any]] = {}
    if incident.channel != channel:
        changes["channel"] = (Channel(incident.channel).label, Channel(channel).label)
    if incident.category_id != category.pk:
        changes["category"] = (incident.category.name, category.name)
    if incident.summary != summary.strip():
        changes["summary"] = (None, None)
    if incident.location != (location or "").strip():
        changes["location"] = (None, None)
    if incident.handler_id != handler.pk:
        changes["handler"] = (incident.handler.display_name, handler.display_name)
    return changes


def grading_changes(incident: Incident, grading: str) -> tuple[str, str] | None:
    if incident.grading == grading:
        return None
    return Grading(incident.grading).label, Grading(grading).label


def same_instant(a: datetime | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.astimezone(UTC) == b.astimezone(UTC)


def close_repeat_problem(
    incident: Incident,
    *,
    actor: User,
    closure_code: str,
    exemption_reason: str = "",
    closed_at: datetime | None = None,
    callback_attempts: int | None = None,
    callback_outcome: str = "",
    framework_reference: str = "",
    overdue_decision: str = "",
) -> str | None:
    """None when a close of an incident already closed is a repeat of its own close (a retry
    after a timeout, answered as the first was: 200 with the closed incident): the same
    account sent the same body, every field compared, the policy records, the overdue
    decision and the time included, whether or not the closure kept them (the close stored
    the digest of what it was sent: casework.rules.close_request_digest). Otherwise what
    differs, in words, for the reference close's 409 `already_closed`."""
    if incident.closed_by_id != actor.pk or incident.closure_code is None:
        return "it was closed by another account, not by this one"
    if incident.closure_code.code != closure_code:
        return f"it was closed as “{incident.closure_code.code}”, not “{closure_code}”"
    if closed_at is not None and not same_instant(closed_at, incident.closed_at):
        return "its closed_at is not the time recorded"
    digest = close_request_digest(
        closure_code=closure_code,
        closed_at=closed_at,
        exemption_reason=exemption_reason,
        callback_attempts=callback_attempts,
        callback_outcome=callback_outcome,
        framework_reference=framework_reference,
        overdue_decision=overdue_decision,
    )
    if incident.close_digest and incident.close_digest != digest:
        return (
            "this request's other fields (closed_at, exemption_reason, callback_attempts, callback_outcome, "
            "framework_reference, overdue_decision) differ from the close recorded"
        )
    if not incident.close_digest and incident.exemption_reason != (exemption_reason or "").strip():
        # Closed before the digest was kept: the recorded reason is all there is to compare.
        return "its reason differs from the close recorded"
    return None
