"""Building the monthly summary (qa.summary): a settled month's counts written from the same
family declarations the live figures count with, under a lock that the change triggers wait
on, so a change made while a month is built leaves it dirty, never wrongly clean.

- `month_build`: one month, all families (the sweep, the command).
- `summaries_refresh`: the beat sweep: dirty months, then settled months never built.
- `summaries_build`: the management command's range.
"""

from collections import defaultdict
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from incidents.models import Incident
from qa.compliance import COMPLIANCE_FAMILIES
from qa.exemptions import EXEMPTION_FAMILY
from qa.models import MonthlyCount, SummaryMonth, SummaryScope
from qa.rules import local_month, month_range
from qa.selectors import QA_FAMILY
from qa.summary import COUNT_COLUMNS, Family, live, settled_before, summaries_enabled
from qa.victims_code import VICTIMS_CODE_FAMILY

FAMILIES: list[Family] = [QA_FAMILY, *COMPLIANCE_FAMILIES, VICTIMS_CODE_FAMILY, EXEMPTION_FAMILY]
# The sweep's bound on a run (a month of a large force takes about a second to build).
SWEEP_MONTHS = 12


def _rows(family: Family, month: date) -> list[MonthlyCount]:
    """One family's rows for one month at the three scopes: each handler within a team (as
    counted), each team, and all."""
    scopes: dict[tuple[int, Any, Any, Any], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in live(family, [month], group=("team", "handler", "key") if family.key else ("team", "handler")):
        key = row.get("key")
        for scope, team, handler in (
            (SummaryScope.HANDLER, row["team"], row["handler"]),
            (SummaryScope.TEAM, row["team"], None),
            (SummaryScope.ALL, None, None),
        ):
            cell = scopes[(scope, team, handler, key)]
            for name in family.counts:
                cell[name] += row[name]
    return [
        MonthlyCount(
            family=family.name,
            month=month,
            scope=scope,
            team_id=team,
            handler_id=handler,
            key=key,
            **{column: counts.get(name, 0) for name, column in zip(family.counts, COUNT_COLUMNS, strict=False)},
        )
        for (scope, team, handler, key), counts in scopes.items()
    ]


def month_build(month: date) -> bool:
    """(Re)build one settled month's summary; False when the month is not settled yet or
    another builder holds it. The month's row is locked first: a change's trigger, marking
    the month dirty, waits for this transaction, so it lands after the build and the month
    is counted live again until the next build."""
    if not summaries_enabled() or month >= settled_before():
        return False
    with transaction.atomic():
        SummaryMonth.objects.bulk_create([SummaryMonth(month=month, dirty=True)], ignore_conflicts=True)
        row = SummaryMonth.objects.select_for_update(skip_locked=True).filter(month=month).first()
        if row is None:
            return False
        MonthlyCount.objects.filter(month=month).delete()
        MonthlyCount.objects.bulk_create(
            [count for family in FAMILIES for count in _rows(family, month)], batch_size=2000
        )
        row.dirty = False
        row.built_at = timezone.now()
        row.floor = month == first_month()
        if row.floor:
            SummaryMonth.objects.filter(floor=True).exclude(pk=row.pk).update(floor=False)
        row.save(update_fields=["dirty", "built_at", "floor"])
    return True


def first_month() -> date | None:
    """The oldest month with any figures: that of the oldest incident (everything counted
    belongs to an incident opened no later than it is counted)."""
    oldest = Incident.objects.aggregate(first=Min("opened_at"))["first"]
    return None if oldest is None else local_month(oldest)


def months_to_build(limit: int | None = None) -> list[date]:
    """Dirty months, newest first, then settled months never built, newest first."""
    if not summaries_enabled():
        return []
    before = settled_before()
    dirty = list(
        SummaryMonth.objects.filter(dirty=True, month__lt=before).order_by("-month").values_list("month", flat=True)
    )
    start = first_month()
    built = set(SummaryMonth.objects.values_list("month", flat=True))
    never = [] if start is None else [m for m in reversed(month_range(start, before)) if m < before and m not in built]
    months = dirty + never
    return months if limit is None else months[:limit]


def summaries_refresh(limit: int = SWEEP_MONTHS) -> int:
    """The beat sweep: build the dirty and never-built settled months (at most `limit`)."""
    return sum(month_build(month) for month in months_to_build(limit))


def summaries_build(first: date | None = None, last: date | None = None) -> list[date]:
    """Build every settled month of [first, last] (default: from the oldest incident's month
    to the last settled month); the months built."""
    if not summaries_enabled():
        return []
    start = first or first_month()
    if start is None:
        return []
    before = settled_before()
    return [month for month in month_range(start, last or before) if month < before and month_build(month)]
