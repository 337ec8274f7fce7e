"""The rows of the incident tables (the incident list, the handler's and supervisor's home
pages), built in Python: fifty rows of template tags and date filters were most of the list
page's CPU at force scale (docs/BENCHMARKS.md). The markup is built with markup.Template, which
escapes every value it is given: no value reaches the page unescaped, whatever an edit adds.
(django.utils.html.format_html does the same but cost 12 % more CPU here: see markup/.)"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from incidents.gradings import grading_label
from incidents.models import EntryKind, Incident, IncidentQuerySet, LogEntry, Status
from markup import Template, literal

# Fixed markup without values: safe as written.
CLOSED = literal('<strong class="govuk-tag govuk-tag--grey">Closed</strong>')
OPEN = literal('<strong class="govuk-tag govuk-tag--blue">Open</strong>')
OPEN_OVERDUE = literal(
    '<strong class="govuk-tag govuk-tag--blue">Open</strong> '
    '<strong class="govuk-tag govuk-tag--red">Re-THRIVE overdue</strong>'
)
CLOSED_OVERDUE = literal(  # is_overdue says no for a closed incident today; kept whole if that changes
    '<strong class="govuk-tag govuk-tag--grey">Closed</strong> '
    '<strong class="govuk-tag govuk-tag--red">Re-THRIVE overdue</strong>'
)
# (closed, overdue): status_tags_html's answer.
TAGS = {(False, False): OPEN, (True, False): CLOSED, (False, True): OPEN_OVERDUE, (True, True): CLOSED_OVERDUE}

_CELL = '<td class="govuk-table__cell">{}</td>'
_LINK_CELL = '<td class="govuk-table__cell"><a class="govuk-link" href="{}">{}</a></td>'
# The incident list: reference, opened, category, grading, owner, status, re-THRIVE due.
FULL_ROW = Template('<tr class="govuk-table__row">' + _LINK_CELL + _CELL * 6 + "</tr>\n")
# The home pages: the same without the grading.
HOME_ROW = Template('<tr class="govuk-table__row">' + _LINK_CELL + _CELL * 5 + "</tr>\n")


def _local(value: datetime | None, pattern: str) -> str:
    return timezone.localtime(value).strftime(pattern) if value else ""


def status_tags_html(incident: Incident, now: datetime) -> SafeString:
    """Open or Closed, and Re-THRIVE overdue when it is."""
    closed = incident.status == Status.CLOSED
    if incident.is_overdue(now):
        return CLOSED_OVERDUE if closed else OPEN_OVERDUE
    return CLOSED if closed else OPEN


def _row_values(incident: Incident, now: datetime, full: bool) -> tuple:
    url = reverse("incidents:incident-detail", kwargs={"reference": incident.reference})
    due = _local(incident.rethrive_due_at, "%d/%m %H:%M")
    if full and incident.status != Status.OPEN:
        due = "–"
    opened = _local(incident.opened_at, "%d/%m/%Y %H:%M")
    # The current owner, who answers for the next re-THRIVE (a watch handover moves it).
    handler = incident.owner.display_name
    tags = status_tags_html(incident, now)
    if full:
        return (url, incident.reference, opened, incident.category.name, incident.get_grading_display(), handler,
                tags, due)  # fmt: skip
    return (url, incident.reference, opened, incident.category.name, handler, tags, due)


def incident_rows_html(incidents: Iterable[Incident], now: datetime, *, full: bool) -> SafeString:
    """One table row per incident. `full` (the incident list) adds the grading and shows the
    re-THRIVE time for open incidents only; the home pages list open incidents alone."""
    return (FULL_ROW if full else HOME_ROW).render_each(_row_values(incident, now, full) for incident in incidents)


# The incident list's columns, read as plain values (no model instances: fifty rows of an
# incident with its category, handler, owner and team were most of the list's CPU).
LIST_COLUMNS = (
    "reference", "opened_at", "category__name", "grading", "owner__full_name", "owner__username", "status",
    "rethrive_due_at", "overdue",
)  # fmt: skip


def incident_list_values(incidents: IncidentQuerySet, now: datetime) -> Any:
    """The list's queryset as LIST_COLUMNS tuples; `overdue` is rule 5's own annotation
    (IncidentQuerySet.with_overdue), so that the list says overdue as the filter does."""
    return incidents.with_overdue(now).values_list(*LIST_COLUMNS)


def _detail_url_parts() -> tuple[str, str]:
    """The incident page's URL around its reference, reversed once per table, not per row."""
    marker = "0MARKER0"
    url = reverse("incidents:incident-detail", kwargs={"reference": marker})
    before, _, after = url.partition(marker)
    return before, after


def incident_list_rows_html(rows: Iterable[tuple]) -> SafeString:
    """The incident list's rows (as incident_rows_html's full=True) from incident_list_values'
    tuples. The reference is quoted in its URL as reverse() quotes it."""
    before, after = _detail_url_parts()
    localtime = timezone.localtime
    labels: dict[str, str] = {}
    values = []
    for reference, opened_at, category, grading, full_name, username, status, due_at, overdue in rows:
        due = "–"  # the re-THRIVE time for open incidents only
        if status == Status.OPEN:
            due = localtime(due_at).strftime("%d/%m %H:%M") if due_at else ""
        label = labels.get(grading)
        if label is None:
            label = labels[grading] = grading_label(grading)
        values.append(
            (
                before + quote(reference, safe="!$&'()*+,;=/~:@") + after,
                reference,
                localtime(opened_at).strftime("%d/%m/%Y %H:%M") if opened_at else "",
                category,
                label,
                full_name or username,
                TAGS[status == Status.CLOSED, bool(overdue)],
                due,
            )
        )
    return FULL_ROW.render_each(values)


# An incident's log entries (incidents/partials/log_entries.html): twenty entries of per-field
# template lookups and date filters were a tenth of the incident page's template time.
_ENTRY = Template(
    '\n    <li class="app-timeline__item" id="entry-{}">\n'
    '      <p class="app-timeline__meta"><time datetime="{}">{}</time> · {}{}</p>\n'
    '      <p class="app-timeline__text">{}</p>\n    </li>\n  '
)
_BY = Template(" · {}")


def log_entries_html(entries: Iterable[LogEntry]) -> SafeString:
    """The entries' list items, as the template wrote them: the time local, the kind's label,
    the author's name when there is one, the text; each value escaped."""
    labels = dict(EntryKind.choices)
    localtime = timezone.localtime
    rows = []
    for entry in entries:
        at = localtime(entry.at)
        author = entry.author
        rows.append(
            (
                entry.pk,
                at.isoformat(),
                at.strftime("%d/%m/%Y %H:%M:%S"),
                str(labels.get(entry.kind, entry.kind)),
                _BY.render(author.display_name) if author is not None else "",
                entry.text,
            )
        )
    return _ENTRY.render_each(rows)
