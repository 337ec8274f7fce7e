"""The monthly summary (issue 18): the compliance, Victims' Code, exemption-audit and QA figures
of settled months read from stored counts, the current month (and any month changed since it
was built) counted live, so a page costs the same whatever the number of years kept.

Each measure family (`Family`) is declared beside the measure that owns it (qa.selectors,
qa.compliance, qa.victims_code, qa.exemptions): which rows it counts (`rows`), how
(`aggregates`, additive counts only) and by which columns a month, a team and a handler are
found. The same declaration counts a month live and builds its summary (qa.summary_build), so
there is no second copy of a rule; `counted` adds the two together for the measure's one
function, which computes every percentage from the sums.

- Settled months are those before the current Europe/London month. A month is read from the
  summary only when its SummaryMonth row is built and clean; otherwise it is counted live.
- Triggers (migration 0006, PostgreSQL) mark a settled month dirty in the transaction that
  changes anything its figures depend on. Without them (the SQLite demo) every month is live.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import Team, User
from qa.models import MonthlyCount, SummaryMonth, SummaryScope
from qa.rules import local_month, month_add, month_range

# The summary's columns for counts: a family names at most this many.
COUNT_COLUMNS = tuple(f"c{i}" for i in range(9))
# A month is built only once it has been over this long: a transaction that began in the
# month's last moments (whose trigger saw it as the current month) has long committed.
BUILD_GRACE = timedelta(minutes=10)

Group = str  # "month", "team" or "handler": what the figures are broken down by


@dataclass(frozen=True)
class Family:
    """The additive counts behind one family of measures.

    rows(months): the rows the rule counts in those months (a sorted list, not always one
    run: the dirty months and the current one), with `month` naming the column (or
    annotation) that holds each row's local month; `in_months` makes the filter. `team` and `handler` name
    what the team and handler filters mean for this family, `key` an extra breakdown kept
    in the summary (or ""). aggregates(): name -> aggregate, the counts, in the order they
    are stored."""

    name: str
    counts: tuple[str, ...]
    rows: Callable[[list[date]], QuerySet[Any]]
    aggregates: Callable[[], dict[str, Any]]
    month: str
    team: str
    handler: str
    key: str = ""

    def __post_init__(self) -> None:
        if len(self.counts) > len(COUNT_COLUMNS):
            raise ValueError(f"A summary family holds at most {len(COUNT_COLUMNS)} counts")


def month_runs(months: Iterable[date]) -> list[tuple[date, date]]:
    """Sorted months as runs of consecutive months, (first, last) each."""
    runs: list[tuple[date, date]] = []
    for month in sorted(set(months)):
        if runs and month_add(runs[-1][1], 1) == month:
            runs[-1] = (runs[-1][0], month)
        else:
            runs.append((month, month))
    return runs


def in_months(field: str, months: Iterable[date]) -> Q:
    """`field` (a stored local month) in any of the months: a range per run, so that an
    index on the month is scanned over those months only."""
    q = Q(pk__in=[])
    for first, last in month_runs(months):
        q |= Q(**{f"{field}__gte": first, f"{field}__lte": last})
    return q


def summaries_enabled() -> bool:
    """The summary is kept right by PostgreSQL triggers; elsewhere every month is counted live."""
    return connection.vendor == "postgresql"


def current_month(now: datetime | None = None) -> date:
    return local_month(now or timezone.now())


def settled_before(now: datetime | None = None) -> date:
    """The first month that may not be built yet: the current one, or the one before it in
    the first minutes of a month (BUILD_GRACE)."""
    return local_month((now or timezone.now()) - BUILD_GRACE)


def clean_months(months: Iterable[date]) -> set[date]:
    """Of `months`, those the summary answers for (one query, none when no month is settled
    or the summary is off): settled, built and unchanged since; and settled months before
    the floor (the oldest incident's month when it was built) with no row, which have
    nothing to count."""
    before = current_month()
    settled = [month for month in months if month < before]
    if not settled or not summaries_enabled():
        return set()
    rows = SummaryMonth.objects.filter(Q(month__in=settled) | Q(floor=True)).values_list("month", "dirty", "floor")
    known, clean, floor = set(), set(), None
    for month, dirty, is_floor in rows:
        known.add(month)
        if not dirty:
            clean.add(month)
        if is_floor:
            floor = month
    empty = {month for month in settled if floor is not None and month < floor and month not in known}
    return (clean & set(settled)) | empty


def live(
    family: Family,
    months: list[date],
    *,
    team: Team | None = None,
    handler: User | None = None,
    group: tuple[str, ...] = ("month",),
) -> list[dict[str, Any]]:
    """The family's counts counted from its rows for `months`, by `group` (any of "month",
    "team", "handler", "key"): one aggregate query. Each row has its group's values under
    those names and each count under its own name."""
    if not months:
        return []
    qs = family.rows(sorted(months))
    if team is not None:
        qs = qs.filter(**{family.team: team})
    if handler is not None:
        qs = qs.filter(**{family.handler: handler})
    paths = {"month": family.month, "team": family.team, "handler": family.handler, "key": family.key}
    values = {f"g_{name}": F(paths[name]) for name in group if paths[name]}
    rows = []
    for row in qs.order_by().values(**values).annotate(**family.aggregates()):
        out = {name: row.get(f"g_{name}") for name in group}
        out.update({name: row[name] or 0 for name in family.counts})
        rows.append(out)
    return rows


def _scope(*, team: Team | None, handler: User | None, group: Group) -> int:
    """The coarsest stored breakdown that answers the filters and the grouping."""
    if handler is not None or group == "handler":
        return SummaryScope.HANDLER
    if team is not None or group == "team":
        return SummaryScope.TEAM
    return SummaryScope.ALL


def counted(
    families: list[Family],
    *,
    first: date,
    last: date,
    team: Team | None = None,
    handler: User | None = None,
    group: Group = "month",
    stored: set[date] | None = None,
) -> dict[str, dict[tuple[Any, Any], dict[str, int]]]:
    """The counts of each family over [first, last], by `group` and the family's key:
    {family name: {(group value, key): {count: n}}}. Clean settled months are summed from the
    summary (one query for all the families), the others counted live (a query per family),
    and the two added together: the same numbers as counting every month live. `stored`:
    the clean months (clean_months), when the caller has already asked."""
    months = month_range(first, last)
    stored = clean_months(months) if stored is None else stored
    out: dict[str, dict[tuple[Any, Any], dict[str, int]]] = {
        family.name: defaultdict(lambda: defaultdict(int)) for family in families
    }
    if stored:
        by_name = {family.name: family for family in families}
        qs = MonthlyCount.objects.filter(
            family__in=list(by_name),
            month__in=sorted(stored),
            scope=_scope(team=team, handler=handler, group=group),
        )
        if team is not None:
            qs = qs.filter(team_id=team.pk)
        if handler is not None:
            qs = qs.filter(handler_id=handler.pk)
        column = {"month": "month", "team": "team_id", "handler": "handler_id"}[group]
        for row in qs.order_by().values("family", column, "key").annotate(**{c: Sum(c) for c in COUNT_COLUMNS}):
            family = by_name[row["family"]]
            cell = out[family.name][(row[column], row["key"])]
            for name, c in zip(family.counts, COUNT_COLUMNS, strict=False):
                cell[name] += row[c] or 0
    rest = [month for month in months if month not in stored]
    for family in families:
        for row in live(family, rest, team=team, handler=handler, group=(group, "key") if family.key else (group,)):
            cell = out[family.name][(row[group], row.get("key"))]
            for name in family.counts:
                cell[name] += row[name]
    return {name: {k: dict(v) for k, v in cells.items()} for name, cells in out.items()}
