"""Immediate first (issue 19): where the force's gradings table lets a grading's response go
before the THRIVE-SP assessment (`incidents.rules.dispatch_before_assessment`, the one rule),
the handler records the dispatch and the assessment follows with a due time of its own
(`incidents.rules.assessment_due_after_dispatch`). In casework because it asks both whether
the incident has an assessment (thrive) and what the grading allows (incidents)."""

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import Action
from audit.services import audit_record
from config.errors import Blocked
from incidents.gradings import grading_label
from incidents.models import EntryKind, Incident, Status
from incidents.rules import assessment_due_after_dispatch, dispatch_before_assessment
from incidents.services import incident_lock, incident_update, log_entry_write
from thrive.models import AssessmentStatus


def dispatch_first_offered(incident: Incident) -> bool:
    """Whether the form offers "dispatch first": open, not yet dispatched, no submitted
    assessment, and the grading's policy allows it."""
    return (
        incident.status == Status.OPEN
        and incident.dispatched_before_assessment_at is None
        and dispatch_before_assessment(incident.grading)
        and not incident.assessments.filter(status=AssessmentStatus.SUBMITTED).exists()
    )


def incident_dispatch_first(
    *, incident: Incident, actor: User, request: HttpRequest | None = None, channel: str = ""
) -> Incident:
    """Record that the response went before the assessment, and make the assessment that
    follows due by its own time. Refused (Blocked) when the grading's policy does not allow
    it, the incident is closed or already assessed, or it was already recorded."""
    with transaction.atomic():
        locked = incident_lock(incident.pk)
        if locked.status != Status.OPEN:
            raise Blocked("closed", f"Incident {locked.reference} is closed.")
        if locked.dispatched_before_assessment_at is not None:
            raise Blocked("already_dispatched", "The dispatch before the assessment is already recorded.")
        if not dispatch_before_assessment(locked.grading):
            raise Blocked(
                "policy",
                f"The force's policy does not let a {grading_label(locked.grading)} response go before the "
                "assessment: write the assessment first.",
            )
        if locked.assessments.filter(status=AssessmentStatus.SUBMITTED).exists():
            raise Blocked("already_assessed", "The incident already has an assessment: nothing follows a dispatch.")
        now = timezone.now()
        due = assessment_due_after_dispatch(now)
        incident_update(locked, dispatched_before_assessment_at=now, rethrive_due_at=due)
        log_entry_write(
            incident=locked,
            kind=EntryKind.DISPATCHED_FIRST,
            author=actor,
            at=now,
            text=f"{grading_label(locked.grading)} response dispatched before the assessment by "
            f"{actor.display_name}; the THRIVE-SP assessment follows, due by "
            f"{timezone.localtime(due):%H:%M on %d/%m/%Y}.",
        )
        audit_record(
            actor=actor,
            action=Action.ALTER,
            object_type="incident",
            object_id=locked.pk,
            incident_reference=locked.reference,
            description="dispatched before the assessment",
            request=request,
            channel=channel,
        )
    return locked


def dispatch_context(incident: Incident) -> dict[str, Any]:
    """What the form says about dispatch: offered, or recorded with the assessment's due time
    (the incident's due time, which the dispatch set)."""
    dispatched = incident.dispatched_before_assessment_at
    return {
        "dispatch_first_offered": dispatch_first_offered(incident),
        "dispatched_at": dispatched,
        "follows_due_at": incident.rethrive_due_at if dispatched else None,
    }
