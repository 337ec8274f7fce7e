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
Each breakdown sums the settled months' summary and counts the others live (qa.summary,
`VICTIMS_CODE_FAMILY`), then reads the teams' or handlers' names.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count

from accounts.models import Team, User
from qa.rules import month_range, percentage
from qa.selectors import QaFilters
from qa.summary import Family, clean_months, counted, in_months
from qa.tables_html import victims_code_body
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


# Rule 14's additive counts as a summary family (qa.summary): victims of crime by the month
# they were linked, the team the incident's, the handler whoever linked them.
VICTIMS_CODE_FAMILY = Family(
    name="victims_code",
    counts=("victims", "recorded", "met"),
    rows=lambda months: Victim.objects.filter(APPLIES_Q, in_months("linked_month", months)),
    aggregates=lambda: {
        "victims": Count("id"),
        "recorded": Count("id", filter=RECORDED_Q),
        "met": Count("id", filter=MET_Q),
    },
    month="linked_month",
    team="incident__team",
    handler="created_by",
)


def _counted(filters: QaFilters, group: str, stored: set[date] | None = None) -> dict[Any, dict[str, int]]:
    """The family's counts over the filters' range by month, team id or handler id."""
    counts = counted(
        [VICTIMS_CODE_FAMILY],
        first=filters.first,
        last=filters.last,
        team=filters.team,
        handler=filters.handler,
        group=group,
        stored=stored,
    )["victims_code"]
    return {value: row for (value, _), row in counts.items() if row["victims"]}


def _line(breakdown: str, key: str, name: str, row: dict[str, int]) -> CodeFigures:
    return CodeFigures(
        breakdown=breakdown,
        key=key,
        name=name,
        victims_of_crime=row["victims"],
        recorded=row["recorded"],
        all_given=row["met"],
    )


def victims_code_monthly(filters: QaFilters, stored: set[date] | None = None) -> list[CodeFigures]:
    """One line per month of the range, oldest first (zeros where no victim of crime)."""
    by_month = _counted(filters, "month", stored)
    empty = {"victims": 0, "recorded": 0, "met": 0}
    return [
        _line("month", f"{month:%Y-%m}", _month_name(month), by_month.get(month, empty))
        for month in month_range(filters.first, filters.last)
    ]


def victims_code_by_team(filters: QaFilters, stored: set[date] | None = None) -> list[CodeFigures]:
    """One line per team with any victim of crime in the range, by name."""
    by_team = _counted(filters, "team", stored)
    names = dict(Team.objects.filter(pk__in=[pk for pk in by_team if pk is not None]).values_list("pk", "name"))
    rows = [
        _line("team", names.get(pk, ""), names.get(pk) or "No team", row)
        for pk, row in by_team.items()
        if pk is None or pk in names
    ]
    return sorted(rows, key=lambda r: r.name.lower())


def victims_code_by_handler(filters: QaFilters, stored: set[date] | None = None) -> list[CodeFigures]:
    """One line per handler who linked a victim of crime in the range, by name."""
    by_handler = _counted(filters, "handler", stored)
    people = {
        pk: (username, full_name)
        for pk, username, full_name in User.objects.filter(pk__in=list(by_handler)).values_list(
            "pk", "username", "full_name"
        )
    }
    rows = [
        _line("handler", people[pk][0], people[pk][1] or people[pk][0], row)
        for pk, row in by_handler.items()
        if pk in people
    ]
    return sorted(rows, key=lambda r: (r.name.lower(), r.key))


def victims_code_figures(filters: QaFilters) -> dict[str, list[CodeFigures]]:
    """All three breakdowns: which months the summary answers for (one query), then each
    breakdown's counts, and the teams' and the handlers' names."""
    stored = clean_months(month_range(filters.first, filters.last))
    return {
        "months": victims_code_monthly(filters, stored),
        "teams": victims_code_by_team(filters, stored),
        "handlers": victims_code_by_handler(filters, stored),
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
            ("By month", "Month", victims_code_body(figures["months"])),
            ("By team", "Team", victims_code_body(figures["teams"])),
            ("By handler", "Handler", victims_code_body(figures["handlers"])),
        ],
    }
