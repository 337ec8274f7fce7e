"""Compliance over every incident, not the sample: the one home of these figures, shared by
the page, the API and the XLSX export.

Per local month: incidents closed; the share closed with a complete assessment (rule 1: a
closure without an exempt code had one); the share closed under an exemption, and the count
per exempt code; the share of re-THRIVEs in on time (rule 5, as recorded at submission); and
the texts asked for that month, how many were sent and how many delivered.

Each count is declared once as a summary family (qa.summary): settled months are summed from
the monthly summary, the current month (and any month changed since it was built) counted
live, each family one aggregate over a stored local month behind its own index
(incident_closed_month, assessment_rethrive_month, text_month_status), so the page costs the
same whatever the number of years kept.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateField,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from incidents.models import ClosureCode, Grading, Incident, Status
from incidents.rules import rethrive_interval
from qa.rules import month_bounds, month_range, percentage
from qa.selectors import QaFilters
from qa.summary import Family, counted, in_months, month_runs
from thrive.models import Assessment, AssessmentStatus
from victims.models import Text, TextStatus

# The columns of the API and the export, in order, with the page's labels.
COMPLIANCE_COLUMNS: list[tuple[str, str]] = [
    ("month", "Month"),
    ("incidents_closed", "Incidents closed"),
    ("closed_with_assessment_pct", "Closed with a complete assessment (%)"),
    ("closed_exempt_pct", "Closed under an exemption (%)"),
    ("rethrives", "Re-THRIVEs"),
    ("rethrive_on_time_pct", "Re-THRIVEs on time (%)"),
    ("texts_requested", "Texts requested"),
    ("texts_sent", "Texts sent"),
    ("texts_delivered", "Texts delivered"),
    # After the columns above (their order is kept for existing readers): the counts behind
    # the two closure shares, and the re-THRIVEs that never came.
    ("closed_with_assessment", "Closed with a complete assessment"),
    ("closed_exempt", "Closed under an exemption"),
    ("rethrives_missed", "Re-THRIVEs missed"),
]
# The page's order: each closure count beside its share, the missed beside the on-time share.
PAGE_ORDER = [
    "incidents_closed",
    "closed_with_assessment",
    "closed_with_assessment_pct",
    "closed_exempt",
    "closed_exempt_pct",
    "rethrives",
    "rethrives_missed",
    "rethrive_on_time_pct",
    "texts_requested",
    "texts_sent",
    "texts_delivered",
]


@dataclass(frozen=True)
class ComplianceFigures:
    month: date
    incidents_closed: int
    closed_with_assessment_pct: Decimal | None
    closed_exempt_pct: Decimal | None
    exempt_by_code: dict[str, int] = field(default_factory=dict)
    # The exempt codes' names (code -> name) for the pages, which show names, never codes;
    # not part of the API's answer, whose exempt_by_code keeps the codes (API.md).
    exempt_names: dict[str, str] = field(default_factory=dict, compare=False)
    rethrives: int = 0
    rethrive_on_time_pct: Decimal | None = None
    texts_requested: int = 0
    texts_sent: int = 0
    texts_delivered: int = 0
    closed_with_assessment: int = 0
    closed_exempt: int = 0
    rethrives_missed: int = 0

    def as_api(self) -> dict[str, Any]:
        def number(value: Decimal | None) -> float | None:
            return None if value is None else float(value)

        return {
            "month": f"{self.month:%Y-%m}",
            "incidents_closed": self.incidents_closed,
            "closed_with_assessment_pct": number(self.closed_with_assessment_pct),
            "closed_exempt_pct": number(self.closed_exempt_pct),
            "exempt_by_code": dict(self.exempt_by_code),
            "rethrives": self.rethrives,
            "rethrive_on_time_pct": number(self.rethrive_on_time_pct),
            "texts_requested": self.texts_requested,
            "texts_sent": self.texts_sent,
            "texts_delivered": self.texts_delivered,
            "closed_with_assessment": self.closed_with_assessment,
            "closed_exempt": self.closed_exempt,
            "rethrives_missed": self.rethrives_missed,
        }


def _rethrive_interval() -> Case:
    """Rule 5's interval for each incident's grading, as SQL: the values come from
    incidents.rules.rethrive_interval, the one place the interval is decided."""
    return Case(
        *[When(grading=grading, then=Value(rethrive_interval(grading))) for grading in Grading.values],
        default=Value(rethrive_interval("")),
        output_field=DurationField(),
    )


def _missed_rows(months: list[date]) -> QuerySet[Incident]:
    """Issue 15: the re-THRIVEs that never came, with the local month in which each fell due
    (`due_month`), for those months.

    One per incident at most: its last submitted version made the next due one interval
    later (the clock `rethrive_on_time` keeps for a re-THRIVE that did come, so a grading
    change's "due now" is not counted missed the moment it is made), and the incident was
    closed after that time, or is still open past it, with no later version. A re-THRIVE
    that came late counts as late (rule 5's record), not here; an incident never assessed
    owed a first assessment, not a re-THRIVE. Open past it means past now: a settled month's
    due times are all past, so its count no longer moves with the clock."""
    now = timezone.now()
    # Per run of months: the incidents open in it (opened before its end, closed after its
    # start or still open), and a due time within it.
    candidates, due_in = Q(pk__in=[]), Q(pk__in=[])
    for first, last in month_runs(months):
        start, end = month_bounds(first)[0], month_bounds(last)[1]
        candidates |= Q(opened_at__lt=end) & (Q(status=Status.OPEN) | Q(closed_at__gte=start))
        due_in |= Q(due__gte=start, due__lt=end)
    # A late version (revised after closure) re-THRIVEs nothing: it must not move the clock
    # past the closure and so hide the re-THRIVE missed before it.
    latest = (
        Assessment.objects.filter(incident=OuterRef("pk"), status=AssessmentStatus.SUBMITTED, late=False)
        .order_by("-submitted_at", "-version")
        .values("submitted_at")[:1]
    )
    zone = timezone.get_default_timezone()
    return (
        Incident.objects.filter(candidates)
        .annotate(last_at=Subquery(latest))
        .filter(last_at__isnull=False)
        .annotate(due=ExpressionWrapper(F("last_at") + _rethrive_interval(), output_field=DateTimeField()))
        .filter(due_in)
        .filter(Q(status=Status.CLOSED, closed_at__gt=F("due")) | Q(status=Status.OPEN, due__lt=now))
        .annotate(due_month=TruncMonth("due", tzinfo=zone, output_field=DateField()))
    )


# The compliance figures' additive counts as summary families (qa.summary). A handler filter
# means the incidents that handler opened (and the re-THRIVEs and texts on them).
CLOSURES = Family(
    name="closures",
    counts=("closed",),
    # Each count names a column of its index (never `id`), so that PostgreSQL can answer from
    # the index alone (an index-only scan) instead of visiting every row of the year.
    rows=lambda months: Incident.objects.filter(in_months("closed_month", months)),
    aggregates=lambda: {"closed": Count("closed_month")},
    month="closed_month",
    team="team",
    handler="handler",
    # By closure code: whether a code is exempt is read when the figures are shown, so an
    # administrator's change to a code counts in every month at once.
    key="closure_code",
)
RETHRIVES = Family(
    name="rethrives",
    counts=("rethrives", "on_time"),
    rows=lambda months: Assessment.objects.filter(in_months("submitted_month", months), rethrive_on_time__isnull=False),
    aggregates=lambda: {
        "rethrives": Count("submitted_month"),
        "on_time": Count("rethrive_on_time", filter=Q(rethrive_on_time=True)),
    },
    month="submitted_month",
    team="incident__team",
    handler="incident__handler",
)
MISSED = Family(
    name="missed",
    counts=("missed",),
    rows=_missed_rows,
    aggregates=lambda: {"missed": Count("id")},
    month="due_month",
    team="team",
    handler="handler",
)
TEXTS = Family(
    name="texts",
    counts=("requested", "sent", "delivered"),
    rows=lambda months: Text.objects.filter(in_months("created_month", months)),
    aggregates=lambda: {
        "requested": Count("created_month"),
        "sent": Count("status", filter=Q(status__in=[TextStatus.SENT, TextStatus.DELIVERED])),
        "delivered": Count("status", filter=Q(status=TextStatus.DELIVERED)),
    },
    month="created_month",
    team="incident__team",
    handler="incident__handler",
)
COMPLIANCE_FAMILIES = [CLOSURES, RETHRIVES, MISSED, TEXTS]


def compliance_monthly(filters: QaFilters) -> list[ComplianceFigures]:
    """One row per month of the range, oldest first, every percentage from the summed counts
    (settled months from the monthly summary, the others live: qa.summary)."""
    counts = counted(
        COMPLIANCE_FAMILIES, first=filters.first, last=filters.last, team=filters.team, handler=filters.handler
    )
    exempt_codes, exempt_names = {}, {}
    for pk, code, name in ClosureCode.objects.filter(exempt=True).values_list("pk", "code", "name"):
        exempt_codes[pk] = code
        exempt_names[code] = name
    closed: dict[date, dict[str, Any]] = {}
    for (month, closure_code), row in counts["closures"].items():
        c = closed.setdefault(month, {"all": 0, "exempt": 0, "by_code": {}})
        c["all"] += row["closed"]
        code = exempt_codes.get(closure_code)
        if code is not None and row["closed"]:
            c["exempt"] += row["closed"]
            c["by_code"][code] = c["by_code"].get(code, 0) + row["closed"]
    on_time = {month: row for (month, _), row in counts["rethrives"].items()}
    missed = {month: row["missed"] for (month, _), row in counts["missed"].items()}
    sent = {month: row for (month, _), row in counts["texts"].items()}

    rows = []
    for month in month_range(filters.first, filters.last):
        c = closed.get(month, {"all": 0, "exempt": 0, "by_code": {}})
        r = on_time.get(month, {"rethrives": 0, "on_time": 0})
        missed_n = missed.get(month, 0)
        t = sent.get(month, {"requested": 0, "sent": 0, "delivered": 0})
        rows.append(
            ComplianceFigures(
                month=month,
                incidents_closed=c["all"],
                closed_with_assessment_pct=percentage(c["all"] - c["exempt"], c["all"]),
                closed_exempt_pct=percentage(c["exempt"], c["all"]),
                exempt_by_code=dict(sorted(c["by_code"].items())),
                exempt_names=exempt_names,
                rethrives=r["rethrives"],
                rethrive_on_time_pct=percentage(r["on_time"], r["rethrives"] + missed_n),
                texts_requested=t["requested"],
                texts_sent=t["sent"],
                texts_delivered=t["delivered"],
                closed_with_assessment=c["all"] - c["exempt"],
                closed_exempt=c["exempt"],
                rethrives_missed=missed_n,
            )
        )
    return rows
