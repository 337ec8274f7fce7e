"""Rule 14's figures: the share of victims of crime who were told what happens next, offered
a written acknowledgement and given the support information (all three), per month, per
team and per handler, with the counts behind each percentage. The one home of these
figures: the compliance page, the API (/api/qa/victims-code/), the CSV
(/qa/victims-code.csv) and the XLSX export's own sheet read them.

Who and what the rule counts is victims.victims_code's (APPLIES_Q, MET_Q). Here:
- a victim counts in the local month they were linked (`Victim.linked_month`);
- the team is the incident's (the handler's team when the call came in, as compliance);
- the handler is whoever linked the victim: the person on the call, who owes the victim
  the Code (a correction by a supervisor does not move the credit);
- the denominator is every victim of crime linked, recorded or not.
Each breakdown is one aggregate query over the victim_linked_month index.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet

from qa.rules import month_range, percentage
from qa.selectors import QaFilters
from victims.models import Victim
from victims.victims_code import APPLIES_Q, MET_Q, RECORDED_Q

# The table's columns, in order: the CSV's header and the XLSX sheet's (codes), and what the
# page shows for each (labels).
CODE_COLUMNS: list[tuple[str, str]] = [
    ("breakdown", "By"),
    ("key", "Month, team or username"),
    ("name", "Name"),
    ("victims_of_crime", "Victims of crime"),
    ("recorded", "Answers recorded"),
    ("all_given", "All three given"),
    ("all_given_pct", "All three given (%)"),
]


@dataclass(frozen=True)
class CodeFigures:
    """One line of the figures: a month, a team or a handler."""

    breakdown: str  # "month", "team" or "handler"
    key: str  # 2026-06, the team's name, the handler's username
    name: str  # what a person reads: "June 2026", the team, the handler's name
    victims_of_crime: int
    recorded: int
    all_given: int

    @property
    def all_given_pct(self) -> Decimal | None:
        return percentage(self.all_given, self.victims_of_crime)

    def as_api(self) -> dict[str, Any]:
        pct = self.all_given_pct
        return {
            "breakdown": self.breakdown,
            "key": self.key,
            "name": self.name,
            "victims_of_crime": self.victims_of_crime,
            "recorded": self.recorded,
            "all_given": self.all_given,
            "all_given_pct": None if pct is None else float(pct),
        }


def _victims(filters: QaFilters) -> QuerySet[Victim]:
    qs = Victim.objects.filter(APPLIES_Q, linked_month__gte=filters.first, linked_month__lte=filters.last)
    if filters.team is not None:
        qs = qs.filter(incident__team=filters.team)
    if filters.handler is not None:
        qs = qs.filter(created_by=filters.handler)
    return qs


def _counted(qs: QuerySet[Victim], *group: str) -> list[dict[str, Any]]:
    return list(
        qs.order_by()
        .values(*group)
        .annotate(n=Count("id"), recorded=Count("id", filter=RECORDED_Q), met=Count("id", filter=MET_Q))
    )


def victims_code_monthly(filters: QaFilters) -> list[CodeFigures]:
    """One line per month of the range, oldest first (zeros where no victim of crime)."""
    by_month = {row["linked_month"]: row for row in _counted(_victims(filters), "linked_month")}
    rows = []
    for month in month_range(filters.first, filters.last):
        row = by_month.get(month, {"n": 0, "recorded": 0, "met": 0})
        rows.append(
            CodeFigures(
                breakdown="month",
                key=f"{month:%Y-%m}",
                name=_month_name(month),
                victims_of_crime=row["n"],
                recorded=row["recorded"],
                all_given=row["met"],
            )
        )
    return rows


def victims_code_by_team(filters: QaFilters) -> list[CodeFigures]:
    """One line per team with any victim of crime in the range, by name."""
    rows = [
        CodeFigures(
            breakdown="team",
            key=row["incident__team__name"] or "",
            name=row["incident__team__name"] or "No team",
            victims_of_crime=row["n"],
            recorded=row["recorded"],
            all_given=row["met"],
        )
        for row in _counted(_victims(filters), "incident__team__name")
    ]
    return sorted(rows, key=lambda r: r.name.lower())


def victims_code_by_handler(filters: QaFilters) -> list[CodeFigures]:
    """One line per handler who linked a victim of crime in the range, by name."""
    rows = [
        CodeFigures(
            breakdown="handler",
            key=row["created_by__username"],
            name=row["created_by__full_name"] or row["created_by__username"],
            victims_of_crime=row["n"],
            recorded=row["recorded"],
            all_given=row["met"],
        )
        for row in _counted(_victims(filters), "created_by__username", "created_by__full_name")
    ]
    return sorted(rows, key=lambda r: (r.name.lower(), r.key))


def victims_code_figures(filters: QaFilters) -> dict[str, list[CodeFigures]]:
    """All three breakdowns (three queries)."""
    return {
        "months": victims_code_monthly(filters),
        "teams": victims_code_by_team(filters),
        "handlers": victims_code_by_handler(filters),
    }


def victims_code_lines(figures: dict[str, list[CodeFigures]]) -> list[CodeFigures]:
    """The three breakdowns as one table: the months, then the teams, then the handlers."""
    return [*figures["months"], *figures["teams"], *figures["handlers"]]


def _month_name(month: date) -> str:
    return f"{month:%B %Y}"


def victims_code_csv(figures: dict[str, list[CodeFigures]]) -> str:
    """The figures as CSV: the codes of CODE_COLUMNS as the header, a line per month, team
    and handler; an empty cell where a percentage has nothing to count."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([key for key, _ in CODE_COLUMNS])
    for line in victims_code_lines(figures):
        values = line.as_api()
        writer.writerow([_cell("" if values[key] is None else values[key]) for key, _ in CODE_COLUMNS])
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    """A name is free text: one that a spreadsheet would read as a formula is quoted."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return f"'{value}"
    return value


def victims_code_context(filters: QaFilters) -> dict[str, Any]:
    """What the compliance page's Victims' Code block shows (empty when the filters are bad)."""
    if filters.errors:
        return {}
    figures = victims_code_figures(filters)
    return {
        "victims_code": figures,
        "victims_code_tables": [
            ("By month", "Month", figures["months"]),
            ("By team", "Team", figures["teams"]),
            ("By handler", "Handler", figures["handlers"]),
        ],
    }
