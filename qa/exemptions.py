"""The exemption audit (issue 15): each month a share of the closures made without an
assessment (an exempt closure code) is drawn with the dip sample, and a supervisor records
whether closing without one was justified, with feedback. Reported apart from the four
Wiltshire measures: its own table, its own API rows and its own sheet of the export.

- `exemption_eligible` / `exemption_pick`: what may be drawn, and the seeded pick (the
  sample's seed, so the same draw is made again).
- `exemption_check_record`: the one write of a finding (page and API).
- `exemption_audit_monthly`: the one home of the figures (page, API, XLSX), counted from
  `EXEMPTION_FAMILY` (qa.summary).
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Role, Team, User
from config.errors import Blocked
from config.text import free_text_problem
from incidents.models import Incident, Status
from qa.models import ExemptionCheck, Sample
from qa.rules import month_bounds, month_range, own_work_refuse, percentage
from qa.selectors import QaFilters, may_grade_team
from qa.summary import Family, counted, in_months

DEFAULT_EXEMPT_PER_HANDLER = 1
MAX_EXEMPT_PER_HANDLER = 20
# Who closed it and is a supervisor or an administrator is not audited with a team (as in
# the dip sample): their exempt closures are drawn only in the supervisors' sample, no team.
OVERSEERS = (Role.SUPERVISOR, Role.ADMIN)


def exemption_eligible(*, month: date, team: Team | None, overseers: bool = False) -> list[dict[str, Any]]:
    """Incidents closed in the local month under an exempt closure code, with who closed
    them (the member of staff the finding is about). Scoped as the dip sample is: a team's
    and the all-teams sample leave supervisors' and administrators' closures to the
    supervisors' sample. One query over incident_closed_at."""
    start, end = month_bounds(month)
    qs = Incident.objects.filter(
        status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end, closure_code__exempt=True
    )
    if overseers:
        qs = qs.filter(Q(closed_by__role__in=OVERSEERS) | Q(closed_by__is_superuser=True))
    else:
        qs = qs.exclude(closed_by__role__in=OVERSEERS).exclude(closed_by__is_superuser=True)
        if team is not None:
            qs = qs.filter(closed_by__team=team)
    return [
        {
            "id": row["id"],
            "reference": row["reference"],
            "handler_id": row["closed_by_id"],
            "handler__username": row["closed_by__username"],
            "team_id": None if overseers else row["closed_by__team_id"],
        }
        for row in qs.order_by().values("id", "reference", "closed_by_id", "closed_by__username", "closed_by__team_id")
    ]


def exemption_pick(eligible: list[dict[str, Any]], *, per_handler: int, seed: int) -> list[dict[str, Any]]:
    """Per member of staff with any exempt closure, `per_handler` of them at random (all when
    fewer). Seeded apart from the dip sample's own pick, so adding the audit changes no
    assessment drawn."""
    by_handler: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in eligible:
        by_handler[row["handler__username"]].append(row)
    picked: list[dict[str, Any]] = []
    for username in sorted(by_handler):
        candidates = sorted(by_handler[username], key=lambda r: (r["reference"], r["id"]))
        rng = random.Random(f"{seed}:exempt:{username}")  # noqa: S311 - a sample, not a secret
        picked.extend(sorted(rng.sample(candidates, k=min(per_handler, len(candidates))), key=lambda r: r["reference"]))
    return picked


def exemption_checks_create(*, sample: Sample) -> int:
    """Draw the sample's exemption audit (inside sample_draw's transaction)."""
    if sample.exempt_per_handler < 1:
        return 0
    picked = exemption_pick(
        exemption_eligible(month=sample.month, team=sample.team, overseers=sample.overseers),
        per_handler=sample.exempt_per_handler,
        seed=sample.seed,
    )
    ExemptionCheck.objects.bulk_create(
        ExemptionCheck(
            sample=sample,
            incident_id=row["id"],
            handler_id=row["handler_id"],
            team_id=row["team_id"],
            month=sample.month,
        )
        for row in picked
    )
    return len(picked)


def exemption_check_record(*, check: ExemptionCheck, reviewer: User, justified: Any, feedback: Any) -> ExemptionCheck:
    """A supervisor's finding on one drawn exempt closure: justified or not, with feedback
    (required when not justified: the member of staff must learn why). Recorded once (409
    already_audited); refused on one's own closure (409 own_work) and on a withdrawn sample."""
    if not may_grade_team(reviewer, check.team_id):
        raise PermissionDenied("A supervisor audits their own team's exemptions only.")
    own_work_refuse(author_id=check.handler_id, reviewer_id=reviewer.pk)
    errors: dict[str, list[str]] = {}
    if not isinstance(justified, bool):
        errors["justified"] = ["Say whether closing without an assessment was justified"]
    feedback = feedback if isinstance(feedback, str) else None
    if feedback is None or len(feedback) > 4000:
        errors["feedback"] = ["Feedback must be text of 4,000 characters or fewer"]
    elif problem := free_text_problem(feedback):
        errors["feedback"] = [f"Feedback {problem}"]
    elif justified is False and not feedback.strip():
        errors["feedback"] = ["Say why the exemption was not justified"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = ExemptionCheck.objects.select_for_update().select_related("sample").get(pk=check.pk)
        if locked.sample.withdrawn_at is not None:
            raise Blocked("sample_withdrawn", "This sample has been withdrawn.")
        if locked.reviewed_at is not None:
            raise Blocked("already_audited", "This exemption has already been audited.")
        locked.justified = justified
        locked.feedback = feedback.strip()
        locked.reviewer = reviewer
        locked.reviewed_at = timezone.now()
        locked.save(update_fields=["justified", "feedback", "reviewer", "reviewed_at"])
    return locked


@dataclass(frozen=True)
class ExemptionAuditFigures:
    month: date
    exemptions_drawn: int
    exemptions_audited: int
    exemptions_justified: int
    exemptions_justified_pct: Decimal | None

    def as_api(self) -> dict[str, Any]:
        pct = self.exemptions_justified_pct
        return {
            "month": f"{self.month:%Y-%m}",
            "exemptions_drawn": self.exemptions_drawn,
            "exemptions_audited": self.exemptions_audited,
            "exemptions_justified": self.exemptions_justified,
            "exemptions_justified_pct": None if pct is None else float(pct),
        }


EXEMPTION_COLUMNS: list[tuple[str, str]] = [
    ("month", "Month"),
    ("exemptions_drawn", "Exempt closures drawn"),
    ("exemptions_audited", "Exempt closures audited"),
    ("exemptions_justified", "Exemption justified"),
    ("exemptions_justified_pct", "Exemption justified (%)"),
]


# The audit's additive counts as a summary family (qa.summary): the exempt closures drawn in
# live samples, by the month drawn for; the handler is who closed them.
EXEMPTION_FAMILY = Family(
    name="exemptions",
    counts=("drawn", "audited", "justified"),
    rows=lambda months: ExemptionCheck.objects.filter(in_months("month", months), sample__withdrawn_at__isnull=True),
    aggregates=lambda: {
        "drawn": Count("id"),
        "audited": Count("id", filter=Q(reviewed_at__isnull=False)),
        "justified": Count("id", filter=Q(justified=True)),
    },
    month="month",
    team="team",
    handler="handler",
)


def exemption_audit_monthly(filters: QaFilters) -> list[ExemptionAuditFigures]:
    """Per month of the range, oldest first: exempt closures drawn in live samples, audited,
    and the share of those audited found justified (settled months from the monthly summary,
    the others live: qa.summary). The handler filter means who closed them."""
    by_month = {
        month: row
        for (month, _), row in counted(
            [EXEMPTION_FAMILY], first=filters.first, last=filters.last, team=filters.team, handler=filters.handler
        )["exemptions"].items()
    }
    rows = []
    for month in month_range(filters.first, filters.last):
        row = by_month.get(month, {"drawn": 0, "audited": 0, "justified": 0})
        rows.append(
            ExemptionAuditFigures(
                month=month,
                exemptions_drawn=row["drawn"],
                exemptions_audited=row["audited"],
                exemptions_justified=row["justified"],
                exemptions_justified_pct=percentage(row["justified"], row["audited"]),
            )
        )
    return rows


# What the handler's feedback page shows of each finding (qa/feedback_html.py).
EXEMPTION_FIELDS = (
    "pk", "incident__reference", "month", "incident__closure_code__name", "justified", "feedback",
    "reviewer__full_name", "reviewer__username", "reviewed_at",
)  # fmt: skip


def exemption_checks_for_handler(user: User) -> list[tuple]:
    """The findings on a member of staff's own exempt closures, newest first, as the tuples of
    EXEMPTION_FIELDS: the page builds its cards from them, no instances (issue 18)."""
    return list(
        ExemptionCheck.objects.filter(handler=user, reviewed_at__isnull=False, sample__withdrawn_at__isnull=True)
        .order_by("-reviewed_at")
        .values_list(*EXEMPTION_FIELDS)[:100]
    )
