"""Pure QA rules over loaded data: months, and the one percentage (rule 11). No I/O."""

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from config.dates import local_month  # noqa: F401 - re-exported: qa code imports it from here
from config.errors import Blocked

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
MAX_MONTHS = 120  # ten years in one request: enough for any trend, a bound on the work


def own_work_refuse(*, author_id: int | None, reviewer_id: int) -> None:
    """Rule 10: nobody grades their own work (a sampled version they wrote, or a closure
    they made under an exemption). The one check, asked by grading, correcting, a dispute's
    change and the exemption audit: refused as 409 `own_work`."""
    if author_id is not None and author_id == reviewer_id:
        raise Blocked("own_work", "This is your own work: another supervisor or an administrator must grade it.")


def month_parse(value: str) -> date:
    """`YYYY-MM` → the first day of that month; ValueError with a message otherwise."""
    match = MONTH_RE.match((value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise ValueError("Enter a month as YYYY-MM, for example 2022-06")
    return date(int(match.group(1)), int(match.group(2)), 1)


def month_add(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_range(first: date, last: date) -> list[date]:
    months = []
    current = first
    while current <= last:
        months.append(current)
        current = month_add(current, 1)
    return months


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The local (Europe/London) month as aware datetimes [start, end): a month starts at
    local midnight, which is 23:00 UTC the day before in summer time."""
    zone = timezone.get_default_timezone()
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    end_month = month_add(month, 1)
    return start, datetime(end_month.year, end_month.month, 1, tzinfo=zone)


def percentage(numerator: int, denominator: int) -> Decimal | None:
    """Rule 11: numerator / denominator as a percentage to one decimal place, rounded half
    up; None when nothing counts. Integer arithmetic, so 0.05 boundaries are exact
    (a float would make 2.675 into 2.67499...)."""
    if denominator <= 0:
        return None
    tenths = (numerator * 2000 + denominator) // (2 * denominator)
    return (Decimal(tenths) / Decimal(10)).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class MonthlyFigures:
    """One month of the QA table, in the column order of API.md."""

    month: date
    calls_assessed: int
    vulnerability_pct: Decimal | None
    prevention_pct: Decimal | None
    preservation_pct: Decimal | None
    repeat_victim_check_pct: Decimal | None

    @property
    def month_label(self) -> str:
        return f"{self.month:%Y-%m}"

    def as_api(self) -> dict[str, object]:
        def number(value: Decimal | None) -> float | None:
            return None if value is None else float(value)

        return {
            "month": self.month_label,
            "calls_assessed": self.calls_assessed,
            "vulnerability_pct": number(self.vulnerability_pct),
            "prevention_pct": number(self.prevention_pct),
            "preservation_pct": number(self.preservation_pct),
            "repeat_victim_check_pct": number(self.repeat_victim_check_pct),
        }


# The columns of the table, the API, the CSV and the XLSX, in API.md's order, with the
# dashboard's row labels (as the force's published table reads).
COLUMNS: list[tuple[str, str]] = [
    ("month", "Month"),
    ("calls_assessed", "Calls assessed"),
    ("vulnerability_pct", "Good / outstanding vulnerability assessment (%)"),
    ("prevention_pct", "Good / outstanding prevention (%)"),
    ("preservation_pct", "Good / outstanding preservation (%)"),
    ("repeat_victim_check_pct", "Repeat victim check"),
]
