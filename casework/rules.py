"""Rule 1, the closure gate: why an incident cannot close right now. No writes.

It reads the incident (incidents), its assessments and their returns (thrive), so it lives
above all of them; the page asks it to show the prompt before the button is pressed, and
casework.services.incident_close asks it again under the row lock.
"""

from dataclasses import dataclass

from incidents.models import ClosureCode, Incident, Status
from thrive.models import Assessment, AssessmentReturn
from thrive.selectors import latest_submitted_assessment


@dataclass(frozen=True)
class Blocker:
    code: str
    message: str


def close_blockers(
    incident: Incident,
    *,
    closure_code: ClosureCode | None = None,
    latest: Assessment | None = None,
    latest_known: bool = False,
) -> list[Blocker]:
    """What stops this incident closing with this code (any code when None).

    An exempt code (duplicate, test call, ...) closes without an assessment; every other
    code needs the latest submitted assessment, which is complete by construction (a
    submission that fails rule 2 is refused). Pass `latest` when the caller has it loaded.
    """
    if incident.status == Status.CLOSED:
        return [Blocker("already_closed", f"Incident {incident.reference} is already closed.")]
    if closure_code is not None and closure_code.exempt:
        return []
    if not latest_known:
        latest = latest_submitted_assessment(incident)
    if latest is None:
        return [
            Blocker(
                "assessment_required",
                f"Incident {incident.reference} has no completed THRIVE-SP assessment. "
                "Complete the assessment, or choose an exempt closure code and give the reason.",
            )
        ]
    # Rule 8: a version returned to its author is not the last word until revised.
    if AssessmentReturn.objects.filter(assessment=latest, resolved_at__isnull=True).exists():
        return [
            Blocker(
                "assessment_returned",
                f"Assessment version {latest.version} of incident {incident.reference} was returned by a "
                "supervisor. Submit the revised assessment before closing.",
            )
        ]
    return []
