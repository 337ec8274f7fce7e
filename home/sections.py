"""The home pages' lists, read as `values_list` tuples and drawn with markup.Template (issue 18).

A row here is a tuple of the columns it shows, never a model instance with its related
instances, and its markup is built in Python: the lists were most of the supervisor's home
page's CPU as querysets of instances walked by template loops. Every value goes through
markup.Template, which escapes it.

The user's own open incidents come in one query (`own_open`) that serves three sections: the
list of their open incidents (the newest HOME_LIST_LENGTH), its count, and the handover
form's candidates (those with a re-THRIVE pending, the soonest due first, as
incidents.handover.handover_candidates orders them)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from config.statements import MARKER_TIME, Statement, marker_id
from incidents.models import Incident, Status, overdue_q, q_holds
from incidents.rows_html import HOME_ROW, OPEN, OPEN_OVERDUE
from markup import Template
from thrive.models import RISK_LEVELS, Assessment, AssessmentStatus

HOME_LIST_LENGTH = 25

# A reference as the URL converter allows it (config/converters.py), to be replaced by the
# row's own: every link below is reverse()'s for that reference, without a reverse per row.
_REFERENCE = "REFERENCE0"
_VERSION = 918273645


@cache
def _link_format(name: str, urlconf: str, prefix: str) -> str:
    kwargs: dict[str, Any] = {"reference": _REFERENCE}
    if name == "thrive:assessment-version":
        kwargs["version"] = _VERSION
    url = reverse(name, kwargs=kwargs)
    return url.replace("{", "{{").replace("}", "}}").replace(_REFERENCE, "{0}").replace(str(_VERSION), "{1}")


def link_format(name: str) -> str:
    """reverse(name) for a reference (and a version) as a str.format pattern, once per
    URLconf and script prefix. References are letters, digits, `-` and `_`
    (config/converters.py), which reverse() leaves as they are."""
    return _link_format(name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


def _local(value: datetime | None, pattern: str) -> str:
    """What the template filter `date` showed: local time, nothing for no time."""
    return timezone.localtime(value).strftime(pattern) if value else ""


# --- the user's own open incidents --------------------------------------------------------

# What the three sections show of each: the list's row, and the handover form's checkbox.
OWN_COLUMNS = ("pk", "reference", "opened_at", "category__name", "rethrive_due_at")


@dataclass(frozen=True)
class OwnOpen:
    """The user's open incidents: `rows` newest first (what the list shows), `count` in all,
    and `candidates` for the handover form (each a dict that _handover_form.html reads as it
    read an Incident: reference, category.name, rethrive_due_at)."""

    rows: list[tuple]
    count: int
    candidates: list[dict[str, Any]]


_OWN_OPEN = Statement(
    lambda owner: (
        Incident.objects.filter(owner_id=owner, status=Status.OPEN)
        .order_by("-opened_at", "-id")
        .values_list(*OWN_COLUMNS)
    ),
    owner=marker_id(1),
)


def own_open(user: Any) -> OwnOpen:
    """One query for the open incidents the user owns (Incident.owner: who answers for the
    next re-THRIVE, what `incident_list(owner=...)` and `handover_candidates` filter on)."""
    rows = _OWN_OPEN.rows(owner=user.pk)
    # handover_candidates: a re-THRIVE pending, the soonest due first, then by id.
    pending = sorted((r for r in rows if r[4] is not None), key=lambda r: (r[4], r[0]))
    candidates = [{"reference": r[1], "category": {"name": r[3]}, "rethrive_due_at": r[4]} for r in pending]
    return OwnOpen(rows=rows[:HOME_LIST_LENGTH], count=len(rows), candidates=candidates)


def own_rows_html(rows: Iterable[tuple], user: Any, now: datetime) -> SafeString:
    """incidents.rows_html's home rows for the user's own open incidents: the owner is the
    user; each is open, and overdue once its re-THRIVE time has passed (overdue_q)."""
    detail = link_format("incidents:incident-detail")
    owner = user.display_name
    overdue = overdue_q(now)  # rule 5's one definition, held against each row's own values
    return HOME_ROW.render_each(
        (
            detail.format(reference),
            reference,
            _local(opened_at, "%d/%m/%Y %H:%M"),
            category,
            owner,
            OPEN_OVERDUE if q_holds(SimpleNamespace(status=Status.OPEN, rethrive_due_at=due), overdue) else OPEN,
            _local(due, "%d/%m %H:%M"),
        )
        for _pk, reference, opened_at, category, due in rows
    )


# --- the supervisor's team ----------------------------------------------------------------


OVERDUE_COLUMNS = ("reference", "opened_at", "category__name", "owner__full_name", "owner__username", "rethrive_due_at")


_TEAM_OVERDUE = Statement(
    lambda team, now: (
        Incident.objects.filter(team_id=team).overdue(now).order_by("-opened_at", "-id").values_list(*OVERDUE_COLUMNS)
    )[:HOME_LIST_LENGTH],
    team=marker_id(2),
    now=MARKER_TIME,
)


def team_overdue_html(user: Any, now: datetime) -> SafeString:
    """The team's open incidents overdue a re-THRIVE (rule 5, IncidentQuerySet.overdue),
    newest first, as incidents.rows_html's home rows; the owner is who answers for it."""
    rows = _TEAM_OVERDUE.rows(team=user.team_id, now=now)
    detail = link_format("incidents:incident-detail")
    return HOME_ROW.render_each(
        (
            detail.format(reference),
            reference,
            _local(opened_at, "%d/%m/%Y %H:%M"),
            category,
            full_name or username,  # User.display_name
            OPEN_OVERDUE,  # every row is open and overdue: the query asks for those
            _local(due, "%d/%m %H:%M"),
        )
        for reference, opened_at, category, full_name, username, due in rows
    )


SUBMISSION_COLUMNS = (
    "incident__reference",
    "version",
    "author__full_name",
    "author__username",
    "submitted_at",
    "risk_level",
)
_SUBMISSION_ROW = Template(
    '    <tr class="govuk-table__row">\n'
    '      <td class="govuk-table__cell"><a class="govuk-link" href="{}">{}</a></td>\n'
    '      <td class="govuk-table__cell">{}</td><td class="govuk-table__cell">{}</td>\n'
    '      <td class="govuk-table__cell">{}</td><td class="govuk-table__cell">{}</td>\n'
    "    </tr>\n"
)


_TEAM_SUBMISSIONS = Statement(
    lambda team: (
        Assessment.objects.filter(status=AssessmentStatus.SUBMITTED, team_id=team)
        .order_by("-submitted_at")
        .values_list(*SUBMISSION_COLUMNS)
    )[:HOME_LIST_LENGTH],
    team=marker_id(3),
)


def team_submissions_html(user: Any) -> SafeString:
    """The team's latest submitted assessments: incident, version, author, when, risk."""
    rows = _TEAM_SUBMISSIONS.rows(team=user.team_id)
    version_link = link_format("thrive:assessment-version")
    return _SUBMISSION_ROW.render_each(
        (
            version_link.format(reference, version),
            reference,
            version,
            full_name or username,  # User.display_name
            _local(submitted_at, "%d/%m/%Y %H:%M"),
            RISK_LEVELS.get(risk_level, risk_level),  # Assessment.risk_level_label
        )
        for reference, version, full_name, username, submitted_at, risk_level in rows
    )


# --- the user's drafts --------------------------------------------------------------------

_DRAFT_ITEM = Template('<li><a class="govuk-link" href="{}">{}: draft version {}</a>, last saved {}</li>')


_DRAFTS = Statement(
    lambda author: (
        Assessment.objects.filter(author_id=author, status=AssessmentStatus.DRAFT, incident__status=Status.OPEN)
        .order_by("-updated_at")
        .values_list("incident__reference", "version", "updated_at")
    )[:HOME_LIST_LENGTH],
    author=marker_id(4),
)


def drafts_html(user: Any) -> SafeString:
    """The user's unfinished assessments of open incidents, the last saved first."""
    rows = _DRAFTS.rows(author=user.pk)
    form = link_format("thrive:assessment-form")
    return _DRAFT_ITEM.render_each(
        (form.format(reference), reference, version, _local(updated_at, "%d/%m/%Y %H:%M"))
        for reference, version, updated_at in rows
    )
