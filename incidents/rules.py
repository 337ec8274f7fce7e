"""Rule 1, the closure gate: why an incident cannot close right now. No writes."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import timezone

from incidents.models import ClosureCode, Incident, Status
from thrive.models import Assessment, AssessmentReturn, AssessmentStatus


@dataclass(frozen=True)
class Blocker:
    code: str
    message: str


def latest_submitted_assessment(incident: Incident) -> Assessment | None:
    return Assessment.objects.filter(incident=incident, status=AssessmentStatus.SUBMITTED).order_by("-version").first()


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
