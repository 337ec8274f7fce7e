"""The rows of the incident tables (the incident list, the handler's and supervisor's home
pages), built in Python: fifty rows of template tags and date filters were most of the list
page's CPU at force scale (docs/BENCHMARKS.md). The markup is built with markup.Template, which
escapes every value it is given: no value reaches the page unescaped, whatever an edit adds.
(django.utils.html.format_html does the same but cost 12 % more CPU here: see markup/.)"""

from collections.abc import Iterable
from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from incidents.models import Incident, Status
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
