"""Every QA write: drawing and withdrawing samples, grading, correcting, acknowledging and
disputing reviews, recording exports (rules 10 and 11)."""

import random
import secrets
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Role, Team, User
from audit.models import Action
from audit.services import audit_record
from config.errors import Blocked
from config.text import free_text_errors, free_text_problem
from incidents.models import EntryKind, Incident, LogEntry, Status
from qa.exemptions import DEFAULT_EXEMPT_PER_HANDLER, MAX_EXEMPT_PER_HANDLER, exemption_checks_create
from qa.models import (
    Check,
    Dispute,
    DisputeOutcome,
    ExemptionCheck,
    ExportRecord,
    GradeLevel,
    LearningTheme,
    Review,
    Sample,
    SampleItem,
)
from qa.rules import local_month, month_bounds, own_work_refuse
from qa.selectors import may_grade_team
from thrive.models import Assessment, AssessmentStatus

DEFAULT_PER_HANDLER = 3
# Authors whose versions are not drawn into a team's sample (rule 10): those who grade it.
UNSAMPLED_WITH_TEAM = (Role.SUPERVISOR, Role.ADMIN)
MAX_PER_HANDLER = 50
REVIEW_FIELDS = ("vulnerability", "prevention", "preservation", "repeat_victim_check")
GRADED = ("vulnerability", "prevention", "preservation")


def _is_admin(user: User) -> bool:
    return user.is_superuser or user.role == Role.ADMIN


def _handler_rng(seed: int, username: str) -> random.Random:
    """One generator per handler, seeded from the sample's seed and the handler: the same
    seed gives the same sample, and a handler joining the team does not reshuffle the
    others' picks. A str seed is hashed with SHA-512, so it is stable across processes."""
    return random.Random(f"{seed}:{username}")  # noqa: S311 - a sample, not a secret


def sample_eligible(*, month: date, team: Team | None, overseers: bool = False) -> list[dict[str, Any]]:
    """Rule 10: incidents closed in the local month that have a submitted assessment, each
    with its latest submitted version before closure (never a late one) and that version's
    author: the handler the item is drawn for, graded and credited (a dispatcher's re-THRIVE
    is the dispatcher's, not the call taker's). The item's team is the author's team at the draw.

    Supervisors (and administrators) are not sampled with a team: their versions are left
    out of every team's and the all-teams sample and drawn only in the supervisors' sample
    (`overseers`), with no team, which only an administrator grades. One query over the
    incident_closed_at index."""
    start, end = month_bounds(month)
    # A late version (revised after closure, at review: thrive.returns.late_return_for) is not
    # the work done on the call: the item is the version the incident was closed on, so an
    # item drawn before or after the revision arrives is the same one.
    later = Assessment.objects.filter(
        incident=OuterRef("incident"), status=AssessmentStatus.SUBMITTED, late=False, version__gt=OuterRef("version")
    )
    qs = Assessment.objects.filter(
        status=AssessmentStatus.SUBMITTED,
        late=False,
        incident__status=Status.CLOSED,
        incident__closed_at__gte=start,
        incident__closed_at__lt=end,
    ).exclude(Exists(later))
    if overseers:
        qs = qs.filter(Q(author__role__in=UNSAMPLED_WITH_TEAM) | Q(author__is_superuser=True))
    else:
        qs = qs.exclude(author__role__in=UNSAMPLED_WITH_TEAM).exclude(author__is_superuser=True)
        if team is not None:
            qs = qs.filter(author__team=team)
    return [
        {
            "id": row["incident_id"],
            "reference": row["incident__reference"],
            "assessment_id": row["id"],
            "handler_id": row["author_id"],
            "handler__username": row["author__username"],
            "team_id": None if overseers else row["author__team_id"],
        }
        for row in qs.order_by().values(
            "id", "incident_id", "incident__reference", "author_id", "author__username", "author__team_id"
        )
    ]


def sample_pick(eligible: list[dict[str, Any]], *, per_handler: int, seed: int) -> list[dict[str, Any]]:
    """Per handler, `per_handler` of their eligible incidents at random (all of them when
    they have fewer). Deterministic in the seed: candidates are sorted before drawing."""
    by_handler: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in eligible:
        by_handler[row["handler__username"]].append(row)
    picked: list[dict[str, Any]] = []
    for username in sorted(by_handler):
        candidates = sorted(by_handler[username], key=lambda r: (r["reference"], r["id"]))
        chosen = _handler_rng(seed, username).sample(candidates, k=min(per_handler, len(candidates)))
        picked.extend(sorted(chosen, key=lambda r: r["reference"]))
    return picked


def sample_draw(
    *,
    actor: User,
    month: date,
    per_handler: int = DEFAULT_PER_HANDLER,
    seed: int | None = None,
    team: Team | None = None,
    now: datetime | None = None,
    exempt_per_handler: int = DEFAULT_EXEMPT_PER_HANDLER,
    overseers: bool = False,
) -> Sample:
    """Rule 10: draw a month's dip sample. A supervisor draws for their own team only; an
    admin for any team or (no team) every team, or the supervisors' sample (`overseers`).
    A second live sample for the same month and team is refused (409 sample_exists) until
    the first is withdrawn; the supervisors' sample clashes only with another of its kind."""
    if overseers:
        if not _is_admin(actor):
            raise PermissionDenied("Only an administrator draws the supervisors' sample.")
        team = None
    elif not _is_admin(actor):
        if actor.role != Role.SUPERVISOR or actor.team_id is None:
            raise PermissionDenied("Only a supervisor with a team or an administrator draws dip samples.")
        if team is None:
            team = actor.team
        elif team.pk != actor.team_id:
            raise PermissionDenied("A supervisor draws dip samples for their own team only.")
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if month > local_month(now):
        errors["month"] = ["The month cannot be in the future"]
    if not isinstance(per_handler, int) or not 1 <= per_handler <= MAX_PER_HANDLER:
        errors["per_handler"] = [f"Enter a number from 1 to {MAX_PER_HANDLER}"]
    if not isinstance(exempt_per_handler, int) or not 0 <= exempt_per_handler <= MAX_EXEMPT_PER_HANDLER:
        errors["exempt_per_handler"] = [f"Enter a number from 0 to {MAX_EXEMPT_PER_HANDLER}"]
    if seed is not None and not 0 <= seed < 2**63:
        errors["seed"] = ["The seed must be a whole number from 0 to 2^63 - 1"]
    if errors:
        raise ValidationError(errors)
    seed = secrets.randbelow(2**31) if seed is None else seed
    live = Sample.objects.filter(month=month, withdrawn_at__isnull=True, overseers=overseers)
    if team is not None:
        live = live.filter(Q(team=team) | Q(team__isnull=True))
    clash = live.select_related("team").first()
    if clash is not None:
        raise Blocked(
            "sample_exists",
            f"There is already a dip sample for {month:%B %Y} ({clash.scope_label}): withdraw it first.",
        )
    picked = sample_pick(
        sample_eligible(month=month, team=team, overseers=overseers), per_handler=per_handler, seed=seed
    )
    try:
        with transaction.atomic():
            sample = Sample.objects.create(
                month=month,
                team=team,
                per_handler=per_handler,
                exempt_per_handler=exempt_per_handler,
                seed=seed,
                created_by=actor,
                overseers=overseers,
            )
            SampleItem.objects.bulk_create(
                SampleItem(
                    sample=sample,
                    incident_id=row["id"],
                    assessment_id=row["assessment_id"],
                    handler_id=row["handler_id"],
                    team_id=row["team_id"],
                )
                for row in picked
            )
            exemption_checks_create(sample=sample)
    except IntegrityError as exc:
        # Two draws raced past the check above; the partial unique index let one win.
        raise Blocked("sample_exists", f"There is already a dip sample for {month:%B %Y}.") from exc
    return sample


def sample_withdraw(*, sample: Sample, actor: User) -> Sample:
    """Withdraw a sample so that it can be drawn again. Refused once any item is graded:
    grades are evidence and the figures must not lose them silently."""
    if not may_grade_team(actor, sample.team_id) and not (_is_admin(actor)):
        raise PermissionDenied
    with transaction.atomic():
        if (
            Review.objects.filter(item__sample=sample).exists()
            or ExemptionCheck.objects.filter(sample=sample, reviewed_at__isnull=False).exists()
        ):
            raise Blocked("sample_graded", "This sample has graded items: it cannot be withdrawn.")
        won = Sample.objects.filter(pk=sample.pk, withdrawn_at__isnull=True).update(
            withdrawn_at=timezone.now(), withdrawn_by=actor
        )
        if not won:
            raise Blocked("already_withdrawn", "This sample has already been withdrawn.")
    sample.refresh_from_db()
    return sample


def review_clean(data: dict[str, Any], *, held: tuple[str, ...] = ()) -> dict[str, Any]:
    """Check a grading's input against the active grade scale (and, for a correction, the
    grades the corrected version already `held`, even if since switched off); ValidationError
    keyed by field."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    scale = list(GradeLevel.objects.filter(active=True).order_by("order", "code").values_list("code", "label"))
    codes = {code for code, _ in scale} | set(held)
    offered = ", ".join(label.lower() for _, label in scale[:-1]) + (f" or {scale[-1][1].lower()}" if scale else "")
    for name in ("vulnerability", "prevention", "preservation"):
        value = data.get(name)
        if not isinstance(value, str) or value not in codes:
            errors[name] = [f"Choose {offered}"]
        clean[name] = value
    if data.get("repeat_victim_check") not in Check.values:
        errors["repeat_victim_check"] = ["Choose yes, no or not applicable"]
    clean["repeat_victim_check"] = data.get("repeat_victim_check")
    feedback = data.get("feedback") or ""
    if not isinstance(feedback, str) or len(feedback) > 4000:
        errors["feedback"] = ["Feedback must be text of 4,000 characters or fewer"]
    elif problem := free_text_problem(feedback):
        errors["feedback"] = [f"Feedback {problem}"]
    clean["feedback"] = feedback.strip() if isinstance(feedback, str) else ""
    good_practice = data.get("good_practice", False)
    if not isinstance(good_practice, bool):
        errors["good_practice"] = ["Must be true or false"]
    clean["good_practice"] = good_practice is True
    theme_ids = data.get("themes") or []
    themes: list[LearningTheme] = []
    if not isinstance(theme_ids, list | tuple) or not all(isinstance(t, int) for t in theme_ids):
        errors["themes"] = ["Give the learning themes as a list of ids"]
    else:
        themes = list(LearningTheme.objects.filter(pk__in=theme_ids, active=True))
        if len(themes) != len(set(theme_ids)):
            errors["themes"] = ["Choose learning themes from the list"]
    clean["themes"] = themes
    if errors:
        raise ValidationError(errors)
    return clean


def _review_write(*, item: SampleItem, reviewer: User, clean: dict[str, Any], version: int, reason: str) -> Review:
    review = Review.objects.create(
        item=item,
        version=version,
        current=True,
        month=item.sample.month,
        handler_id=item.handler_id,
        team_id=item.team_id,
        reviewer=reviewer,
        correction_reason=reason,
        **{(f"{k}_id" if k in GRADED else k): v for k, v in clean.items() if k != "themes"},
    )
    review.themes.set(clean["themes"])
    return review


def review_record(*, item: SampleItem, reviewer: User, data: dict[str, Any]) -> Review:
    """Rule 10: grade a sample item. One review per item (409 already_reviewed); a change
    afterwards is a correction (review_correct)."""
    if not may_grade_team(reviewer, item.team_id):
        raise PermissionDenied("A supervisor grades their own team's sample only.")
    own_work_refuse(author_id=item.handler_id, reviewer_id=reviewer.pk)
    clean = review_clean(data)
    try:
        with transaction.atomic():
            locked = SampleItem.objects.select_for_update().select_related("sample").get(pk=item.pk)
            if locked.sample.withdrawn_at is not None:
                raise Blocked("sample_withdrawn", "This sample has been withdrawn.")
            if Review.objects.filter(item=locked).exists():
                raise Blocked("already_reviewed", "This item is already graded: correct the review instead.")
            return _review_write(item=locked, reviewer=reviewer, clean=clean, version=1, reason="")
    except IntegrityError as exc:
        raise Blocked("already_reviewed", "This item is already graded.") from exc


def review_correct(*, review: Review, reviewer: User, data: dict[str, Any], reason: str) -> Review:
    """A correction: the next version becomes the one that counts; the old one is kept."""
    if not may_grade_team(reviewer, review.team_id):
        raise PermissionDenied("A supervisor grades their own team's sample only.")
    own_work_refuse(author_id=review.handler_id, reviewer_id=reviewer.pk)
    clean = review_clean(data, held=(review.vulnerability_id, review.prevention_id, review.preservation_id))
    reason = (reason or "").strip()
    if not reason or len(reason) > 2000:
        raise ValidationError({"correction_reason": ["Say why the review is corrected (up to 2,000 characters)"]})
    if errors := free_text_errors(correction_reason=reason, labels={"correction_reason": "The reason"}):
        raise ValidationError(errors)
    with transaction.atomic():
        item = SampleItem.objects.select_for_update().select_related("sample").get(pk=review.item_id)
        # Under the item's lock: a correction of a version someone else already corrected
        # is stale, not a second current version.
        if not Review.objects.filter(pk=review.pk, current=True).update(current=False):
            raise Blocked("review_superseded", "This review has been corrected since you opened it.")
        return _review_write(item=item, reviewer=reviewer, clean=clean, version=review.version + 1, reason=reason)


def review_acknowledge(*, review: Review, actor: User) -> Review:
    """The handler has read the feedback and accepts it."""
    if review.handler_id != actor.pk:
        raise PermissionDenied
    if Dispute.objects.filter(review=review, outcome=DisputeOutcome.OPEN).exists():
        raise Blocked("dispute_open", "This review is disputed: wait for the supervisor's answer.")
    Review.objects.filter(pk=review.pk, current=True, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now()
    )
    review.refresh_from_db()
    return review


def dispute_raise(*, review: Review, actor: User, comment: str) -> Dispute:
    """The handler challenges a grade; it goes back to the team's supervisor."""
    if review.handler_id != actor.pk:
        raise PermissionDenied
    comment = (comment or "").strip()
    if not comment or len(comment) > 2000:
        raise ValidationError({"comment": ["Say what you dispute and why (up to 2,000 characters)"]})
    if errors := free_text_errors(comment=comment):
        raise ValidationError(errors)
    if not review.current:
        raise Blocked("review_superseded", "This review has been corrected: read the new version.")
    if review.acknowledged_at is not None:
        raise Blocked("already_acknowledged", "You have acknowledged this review.")
    try:
        with transaction.atomic():
            return Dispute.objects.create(review=review, raised_by=actor, comment=comment)
    except IntegrityError as exc:
        raise Blocked("dispute_open", "This review is already disputed.") from exc


def dispute_resolve(
    *, dispute: Dispute, actor: User, outcome: str, response: str, data: dict[str, Any] | None = None
) -> Dispute:
    """The supervisor upholds the grade or changes it (a corrected review version). Both the
    dispute and every review version stay as history."""
    review = dispute.review
    if not may_grade_team(actor, review.team_id):
        raise PermissionDenied
    own_work_refuse(author_id=review.handler_id, reviewer_id=actor.pk)
    response = (response or "").strip()
    errors: dict[str, list[str]] = {}
    if outcome not in (DisputeOutcome.UPHELD, DisputeOutcome.CHANGED):
        errors["outcome"] = ["Choose whether to uphold or change the grade"]
    if not response or len(response) > 2000:
        errors["response"] = ["Give the handler your answer (up to 2,000 characters)"]
    for field, messages in free_text_errors(response=response).items():
        errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        won = Dispute.objects.filter(pk=dispute.pk, outcome=DisputeOutcome.OPEN).update(
            outcome=outcome, resolved_by=actor, resolved_at=timezone.now(), response=response
        )
        if not won:
            raise Blocked("dispute_resolved", "This dispute has already been answered.")
        if outcome == DisputeOutcome.CHANGED:
            new = review_correct(review=review, reviewer=actor, data=data or {}, reason=f"Dispute: {response}"[:2000])
            Dispute.objects.filter(pk=dispute.pk).update(new_review=new)
    dispute.refresh_from_db()
    return dispute


def repeat_check_prefill(incident: Incident) -> str:
    """What the incident records about the repeat victim check: "yes" when a check was
    logged on it (rule 6 writes a repeat_check log entry), else blank for the grader."""
    return Check.YES if LogEntry.objects.filter(incident=incident, kind=EntryKind.REPEAT_CHECK).exists() else ""


def export_record(
    *, user: User, format: str, filters: dict[str, str], request: HttpRequest | None = None, channel: str = ""
) -> ExportRecord:
    """Record a download of the figures: the export record (kept for ever: qa.models) and a
    disclosure in the audit log, where an administrator searches every other access, in
    one transaction. The filters name a team or a member of staff, never a victim."""
    with transaction.atomic():
        record = ExportRecord.objects.create(user=user, format=format, filters=filters)
        audit_record(
            actor=user,
            action=Action.DISCLOSE,
            object_type="qa_export",
            object_id=record.pk,
            description=f"{format}: " + ", ".join(f"{key}={value}" for key, value in filters.items()),
            request=request,
            channel=channel,
        )
    return record
