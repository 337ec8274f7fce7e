"""Rule 1, the closure gate: why an incident cannot close right now, and what an exempt
closure must record. No writes.

It reads the incident (incidents), its assessments and their returns (thrive) and the
force's closure-exemption policy (incidents.ClosureExemption), so it lives above all of them;
the page asks it to show the prompt before the button is pressed, and
casework.services.incident_close asks it again under the row lock.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import timezone

from incidents.models import Channel, ClosureCode, ClosureExemption, Incident, Requirement, Status
from thrive.models import Assessment, AssessmentReturn
from thrive.selectors import latest_submitted_assessment

REASON_MAX = 2000
REFERENCE_MAX = 100
CALLBACKS_MAX = 99


@dataclass(frozen=True)
class Blocker:
    code: str
    message: str


def close_request_digest(
    *,
    closure_code: str,
    closed_at: datetime | None,
    exemption_reason: str,
    callback_attempts: int | None,
    callback_outcome: str,
    framework_reference: str,
    overdue_decision: str,
) -> str:
    """A fingerprint of a close request as sent (texts stripped, the time in UTC): two
    requests with the same body have the same digest whatever the closure kept of them. The
    close stores it (casework.closing); a CAD's retry is recognised by it."""
    body = {
        "closure_code": closure_code,
        "closed_at": closed_at.astimezone(UTC).isoformat() if closed_at else None,
        "exemption_reason": (exemption_reason or "").strip(),
        "callback_attempts": callback_attempts,
        "callback_outcome": (callback_outcome or "").strip(),
        "framework_reference": (framework_reference or "").strip(),
        "overdue_decision": (overdue_decision or "").strip(),
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def exemption_lines_by_code(codes: Iterable[ClosureCode]) -> dict[int, list[ClosureExemption]]:
    """The active policy lines of each of these codes, read in one query: a caller asking the
    gate about several codes at once (the CAD's closure check) passes each code's list to
    `close_blockers(lines=...)` instead of a query per code."""
    by_code: dict[int, list[ClosureExemption]] = {code.pk: [] for code in codes}
    lines = ClosureExemption.objects.filter(closure_code__in=list(by_code), active=True).select_related(
        "category", "closure_code"
    )
    for line in lines:
        by_code[line.closure_code_id].append(line)
    return by_code


def exemption_line(
    incident: Incident, closure_code: ClosureCode, *, lines: Iterable[ClosureExemption] | None = None
) -> ClosureExemption | None:
    """The force's policy line that allows this exempt code for this incident, or None.
    `lines`: the code's active lines when the caller has them (exemption_lines_by_code).

    Of the active lines for the code whose channel and category match (an empty one matches
    any), the most specific decides: channel and category, then category alone, then channel
    alone, then the code's general line. So "abandoned, no trace" on a 999 call follows the
    999 line (a risk decision), not the general one (a reason)."""
    if lines is None:
        lines = ClosureExemption.objects.filter(closure_code=closure_code, active=True).select_related("category")
    matching = [
        line
        for line in lines
        if line.channel in ("", incident.channel) and line.category_id in (None, incident.category_id)
    ]
    return max(matching, key=lambda line: (line.category_id is not None, bool(line.channel)), default=None)


def exemption_missing(
    line: ClosureExemption,
    *,
    exemption_reason: str,
    callback_attempts: int | None,
    callback_outcome: str,
    framework_reference: str,
) -> dict[str, list[str]]:
    """What an exempt closure under `line` has not recorded, by field (empty when complete).
    Every exempt closure gives why; the line may ask for more: a risk decision (the call-back
    attempts, at least one, and their outcome) or the reference of the framework's record."""
    name = line.closure_code.name
    errors: dict[str, list[str]] = {}
    if not exemption_reason:
        errors["exemption_reason"] = [f"Give the reason this incident closes as “{name}” without an assessment"]
    if line.requirement == Requirement.RISK_DECISION:
        if not callback_attempts:
            errors["callback_attempts"] = [
                f"Closing as “{name}” needs a risk decision: enter how many times the caller was called back"
            ]
        if not callback_outcome:
            errors["callback_outcome"] = [
                f"Closing as “{name}” needs a risk decision: enter the outcome of the call-backs and the decision"
            ]
    elif line.requirement == Requirement.FRAMEWORK_RECORD and not framework_reference:
        errors["framework_reference"] = [f"Enter the reference of the {line.framework or 'framework record'}"]
    return errors


def close_blockers(
    incident: Incident,
    *,
    closure_code: ClosureCode | None = None,
    latest: Assessment | None = None,
    latest_known: bool = False,
    at: datetime | None = None,
    overdue_decided: bool = False,
    lines: Iterable[ClosureExemption] | None = None,
) -> list[Blocker]:
    """What stops this incident closing with this code (any code when None) at `at` (now
    when None: the client's `closed_at` when it sends one).

    An exempt code closes without an assessment when the force's policy has a line allowing
    it for the incident's channel and category (`exemption_line`); every other code needs
    the latest submitted assessment, which is complete by construction (a submission that
    fails rule 2 is refused), not returned (rule 8). Once there is a submitted assessment, a
    re-THRIVE overdue at the closing time blocks any close until a fresh one is submitted or
    a supervisor records the decision to close without it (`overdue_decided`). Pass `latest`
    (with `latest_known`) when the caller has it loaded, and an exempt code's policy `lines`
    when it has read them for several codes at once (`exemption_lines_by_code`).
    """
    if incident.status == Status.CLOSED:
        return [Blocker("already_closed", f"Incident {incident.reference} is already closed.")]
    if not latest_known:
        latest = latest_submitted_assessment(incident)
    blockers: list[Blocker] = []
    if closure_code is not None and closure_code.exempt:
        if exemption_line(incident, closure_code, lines=lines) is None:
            blockers.append(
                Blocker(
                    "exemption_not_allowed",
                    f"The force's policy does not allow “{closure_code.name}” for a "
                    f"{Channel(incident.channel).label} {incident.category.name} incident. "
                    "Complete the assessment and choose another closure code.",
                )
            )
    elif latest is None:
        blockers.append(
            Blocker(
                "assessment_required",
                f"Incident {incident.reference} has no completed THRIVE-SP assessment. "
                "Complete the assessment, or choose an exempt closure code and give the reason.",
            )
        )
    # Rule 8: a version returned to its author is not the last word until revised.
    elif AssessmentReturn.objects.filter(assessment=latest, resolved_at__isnull=True).exists():
        blockers.append(
            Blocker(
                "assessment_returned",
                f"Assessment version {latest.version} of incident {incident.reference} was returned by a "
                "supervisor. Submit the revised assessment before closing.",
            )
        )
    if latest is not None and not overdue_decided and incident.is_overdue(at or timezone.now()):
        due = timezone.localtime(incident.rethrive_due_at)
        blockers.append(
            Blocker(
                "rethrive_overdue",
                f"A re-THRIVE of incident {incident.reference} was overdue at the closing time (due "
                f"{due:%d/%m/%Y %H:%M}). Submit a fresh re-THRIVE, or a supervisor records the decision "
                "to close without one.",
            )
        )
    return blockers
