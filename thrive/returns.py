"""Rule 8, returns: a supervisor sends a submitted assessment back to its author.

Writes (`assessment_return`, `assessment_mark_reviewed`, `assessment_return_resolve`), who may
review (`can_review`; the version itself is fetched by thrive.selectors.get_assessment_for_user)
and the reads for the review queue, the author's
"Returned to me" list and the supervisor's open returns. The closure gate
(casework.rules.close_blockers) asks whether the latest version has an open return.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Min, OuterRef, QuerySet
from django.utils import timezone

from accounts.models import Role, User
from config.choices import labels_listed
from config.errors import Blocked
from config.statements import Statement, marker_id
from config.text import free_text_problem
from incidents.events import incident_event
from incidents.models import EntryKind, Incident, Status
from incidents.services import incident_lock, log_entry_write
from thrive.models import Assessment, AssessmentReturn, AssessmentReviewed, AssessmentStatus, ReturnReason

FEEDBACK_MAX = 4000


# --- Access ------------------------------------------------------------------------------


def can_review(user: Any) -> bool:
    """Supervisors review and return their own team's assessments; nobody else does."""
    return bool(getattr(user, "is_authenticated", False) and user.role == Role.SUPERVISOR and user.team_id)


# --- Writes ------------------------------------------------------------------------------


def _section_keys(assessment: Assessment) -> list[str]:
    return [section["key"] for section in assessment.prompt_set.sections]


def _clean_return(assessment: Assessment, *, reason: Any, sections: Any, feedback: Any) -> tuple[str, list[str], str]:
    errors: dict[str, list[str]] = {}
    if reason not in ReturnReason.values:
        errors["reason"] = [f"Select a reason: {labels_listed(ReturnReason.choices)}"]
    keys = _section_keys(assessment)
    if not isinstance(sections, list) or not sections:
        errors["sections"] = ["Select the sections the author must revise"]
    elif not all(isinstance(key, str) for key in sections) or set(sections) - set(keys):
        unknown = sorted({str(key) for key in sections} - set(keys))
        errors["sections"] = [f"Not a section of this assessment: {', '.join(unknown)}. Choose from {', '.join(keys)}"]
    if not isinstance(feedback, str) or not feedback.strip():
        errors["feedback"] = ["Enter feedback for the author: what to change, and why"]
    elif len(feedback) > FEEDBACK_MAX:
        errors["feedback"] = [f"Feedback must be {FEEDBACK_MAX:,} characters or fewer"]
    elif problem := free_text_problem(feedback):
        errors["feedback"] = [f"Feedback {problem}"]
    if errors:
        raise ValidationError(errors)
    # Keep the form's order, whatever order they were sent in.
    return reason, [key for key in keys if key in sections], feedback.strip()


def assessment_return(
    *, assessment: Assessment, actor: User, reason: str, sections: list[str], feedback: str
) -> AssessmentReturn:
    """Return the incident's latest submitted version to its author (rule 8).

    Refused (409) for a draft, a version that is not the latest submitted one and a version
    already returned. A closed incident's version may be returned too (review often comes
    after closure): the author's revision is then appended as a late version and the
    incident stays closed (`late_return_for`, casework.services.assessment_record).
    """
    if not can_review(actor) or assessment.incident.team_id != actor.team_id:
        raise PermissionDenied
    reason, sections, feedback = _clean_return(assessment, reason=reason, sections=sections, feedback=feedback)
    with transaction.atomic():
        # The incident's row lock serialises this with a revision being submitted.
        incident = incident_lock(assessment.incident_id)
        current = Assessment.objects.select_related("author").get(pk=assessment.pk)
        if current.status != AssessmentStatus.SUBMITTED:
            raise Blocked("assessment_not_submitted", "Only a submitted assessment can be returned: this is a draft.")
        newer = Assessment.objects.filter(
            incident=incident, status=AssessmentStatus.SUBMITTED, version__gt=current.version
        ).exists()
        if newer:
            raise Blocked(
                "not_latest_version",
                f"Version {current.version} has been revised since: return the latest version instead.",
            )
        if AssessmentReturn.objects.filter(assessment=current, resolved_at__isnull=True).exists():
            raise Blocked("already_returned", f"Version {current.version} is already returned to its author.")
        now = timezone.now()
        try:
            with transaction.atomic():
                returned = AssessmentReturn.objects.create(
                    assessment=current,
                    returned_to=current.author,
                    returned_by=actor,
                    reason=reason,
                    sections=sections,
                    feedback=feedback,
                    returned_at=now,
                )
        except IntegrityError as exc:  # the partial unique constraint: a concurrent return won
            raise Blocked("already_returned", f"Version {current.version} is already returned.") from exc
        titles = {s["key"]: s["title"] for s in current.prompt_set.sections}
        log_entry_write(
            incident=incident,
            kind=EntryKind.ASSESSMENT_RETURNED,
            author=actor,
            at=now,
            text=f"Assessment version {current.version} returned to {current.author.display_name} by "
            f"{actor.display_name} ({ReturnReason(reason).label.lower()}): "
            f"{', '.join(titles.get(key, key) for key in sections)}.",
        )
        incident_event(
            incident, "assessment.returned", at=now, version=current.version, reason=reason, sections=sections
        )
    return returned


def assessment_return_resolve(*, incident: Incident, revision: Assessment) -> int:
    """A newly submitted version answers every open return on the incident's earlier versions.

    Called by casework.services.assessment_record inside its transaction, with the incident
    locked, so a return and a revision never cross. Returns how many were cleared.
    """
    open_returns = list(
        AssessmentReturn.objects.filter(
            assessment__incident=incident, assessment__version__lt=revision.version, resolved_at__isnull=True
        ).select_related("assessment")
    )
    for returned in open_returns:
        AssessmentReturn.objects.filter(pk=returned.pk, resolved_at__isnull=True).update(
            resolved_at=revision.submitted_at, resolved_by=revision
        )
        log_entry_write(
            incident=incident,
            kind=EntryKind.ASSESSMENT_SUBMITTED,
            author=revision.author,
            at=revision.submitted_at,
            text=f"Returned version {returned.assessment.version} revised as version {revision.version} "
            f"by {revision.author.display_name}: the return is cleared.",
        )
    return len(open_returns)


def assessment_mark_reviewed(*, assessment: Assessment, actor: User) -> AssessmentReviewed:
    """Nothing to return: the version leaves the supervisor's review queue."""
    if not can_review(actor) or assessment.incident.team_id != actor.team_id:
        raise PermissionDenied
    if assessment.status != AssessmentStatus.SUBMITTED:
        raise Blocked("assessment_not_submitted", "Only a submitted assessment can be reviewed.")
    reviewed, _ = AssessmentReviewed.objects.get_or_create(
        assessment=assessment, defaults={"reviewed_by": actor, "reviewed_at": timezone.now()}
    )
    return reviewed


# --- Reads -------------------------------------------------------------------------------


def open_return_for(assessment: Assessment | None) -> AssessmentReturn | None:
    """The closure gate's question: is this (latest) version out with its author?"""
    if assessment is None:
        return None
    return AssessmentReturn.objects.filter(assessment=assessment, resolved_at__isnull=True).first()


def late_return_for(incident: Incident, author: User) -> AssessmentReturn | None:
    """The open return that lets `author` revise a closed incident's assessment: one made on
    its latest submitted version and sent to them. None when there is none (a closed
    incident's assessments then never change)."""
    if incident.status != Status.CLOSED:
        return None
    latest = (
        Assessment.objects.filter(incident=incident, status=AssessmentStatus.SUBMITTED).order_by("-version").first()
    )
    if latest is None:
        return None
    return AssessmentReturn.objects.filter(assessment=latest, returned_to=author, resolved_at__isnull=True).first()


def returned_to_me(user: User) -> QuerySet[AssessmentReturn]:
    """The author's open returns, newest first, with what a row shows joined in."""
    return (
        AssessmentReturn.objects.filter(returned_to=user, resolved_at__isnull=True)
        .select_related("assessment", "assessment__incident", "assessment__incident__category", "returned_by")
        .order_by("-returned_at", "-pk")
    )


# Asked on every page of an author (the header's badge): a statement built once.
_RETURNED_TO = Statement(
    lambda user: AssessmentReturn.objects.filter(returned_to_id=user, resolved_at__isnull=True).values_list("pk"),
    user=marker_id(11),
)


def returned_to_me_count(user: User) -> int:
    return _RETURNED_TO.count(user=user.pk)


@dataclass
class QueueFilters:
    handler: str = ""
    category: str = ""
    risk_level: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def from_params(cls, params: Any) -> "QueueFilters":
        def day(name: str) -> date | None:
            try:
                return date.fromisoformat((params.get(name) or "").strip())
            except ValueError:
                return None

        return cls(
            handler=(params.get("handler") or "").strip()[:150],
            category=(params.get("category") or "").strip()[:50],
            risk_level=(params.get("risk_level") or "").strip()[:10],
            date_from=day("from"),
            date_to=day("to"),
        )


REVIEW_QUEUE_DAYS = 14


def review_queue(user: User, filters: QueueFilters | None = None) -> QuerySet[Assessment]:
    """The team's latest submitted versions that no supervisor has returned or marked
    reviewed, newest first. One query whatever its length."""
    filters = filters or QueueFilters()
    newer = Assessment.objects.filter(
        incident=OuterRef("incident"), status=AssessmentStatus.SUBMITTED, version__gt=OuterRef("version")
    )
    qs = (
        Assessment.objects.filter(status=AssessmentStatus.SUBMITTED, team_id=user.team_id)
        .exclude(author=user)  # nobody reviews their own work
        .exclude(Exists(newer))
        .exclude(Exists(AssessmentReturn.objects.filter(assessment=OuterRef("pk"))))
        .exclude(Exists(AssessmentReviewed.objects.filter(assessment=OuterRef("pk"))))
        .select_related("incident", "incident__category", "author")
        # A queue row shows the version's number, author, risk and time, never its answers: a
        # JSON document to decode per row otherwise (issue 18).
        .defer("answers")
        .order_by("-submitted_at", "-pk")
    )
    if filters.handler:
        qs = qs.filter(author__username=filters.handler)
    if filters.category:
        qs = qs.filter(incident__category__code=filters.category)
    if filters.risk_level:
        qs = qs.filter(risk_level=filters.risk_level)
    if filters.date_from:
        qs = qs.filter(submitted_at__gte=_start_of(filters.date_from))
    else:
        # Without a start date, the recent work a supervisor reviews day to day: the queue
        # then costs the same at five years of history as at one week (the assessment_submitted
        # index bounds it). Older unreviewed work is reached with the date filter.
        qs = qs.filter(submitted_at__gte=timezone.now() - timedelta(days=REVIEW_QUEUE_DAYS))
    if filters.date_to:
        qs = qs.filter(submitted_at__lt=_start_of(filters.date_to + timedelta(days=1)))
    return qs


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def team_open_returns(user: User) -> QuerySet[AssessmentReturn]:
    """The team's open returns, longest waiting first."""
    return (
        AssessmentReturn.objects.filter(resolved_at__isnull=True, assessment__incident__team_id=user.team_id)
        .select_related("assessment", "assessment__incident", "returned_to")
        .defer("assessment__answers")  # a row shows the version's number, not its answers
        .order_by("returned_at", "pk")
    )


def team_open_returns_by_handler(user: User) -> list[dict[str, Any]]:
    """Per author: how many returns are open and since when (the oldest waits longest)."""
    return list(
        AssessmentReturn.objects.filter(resolved_at__isnull=True, assessment__incident__team_id=user.team_id)
        .values("returned_to__username", "returned_to__full_name")
        .annotate(open=Count("pk"), oldest=Min("returned_at"))
        .order_by("oldest")
    )
