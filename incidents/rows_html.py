"""The rows of the incident tables (the incident list, the handler's and supervisor's home
pages), built in Python: fifty rows of template tags and date filters were most of the list
page's CPU at force scale (docs/BENCHMARKS.md). Every value is escaped here."""

from collections.abc import Iterable
from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from incidents.models import Incident, Status


def _local(value: datetime | None, pattern: str) -> str:
    return timezone.localtime(value).strftime(pattern) if value else ""


def status_tags_html(incident: Incident, now: datetime) -> str:
    """Open or Closed, and Re-THRIVE overdue when it is."""
    if incident.status == Status.CLOSED:
        tags = '<strong class="govuk-tag govuk-tag--grey">Closed</strong>'
    else:
        tags = '<strong class="govuk-tag govuk-tag--blue">Open</strong>'
    if incident.is_overdue(now):
        tags += ' <strong class="govuk-tag govuk-tag--red">Re-THRIVE overdue</strong>'
    return tags


def incident_rows_html(incidents: Iterable[Incident], now: datetime, *, full: bool) -> SafeString:
    """One table row per incident. `full` (the incident list) adds the grading and shows the
    re-THRIVE time for open incidents only; the home pages list open incidents alone."""
    rows = []
    for incident in incidents:
        cell = '<td class="govuk-table__cell">'
        url = reverse("incidents:incident-detail", kwargs={"reference": incident.reference})
        due = _local(incident.rethrive_due_at, "%d/%m %H:%M")
        if full and incident.status != Status.OPEN:
            due = "–"
        rows.append(
            '<tr class="govuk-table__row">'
            f'{cell}<a class="govuk-link" href="{escape(url)}">{escape(incident.reference)}</a></td>'
            f"{cell}{_local(incident.opened_at, '%d/%m/%Y %H:%M')}</td>"
            f"{cell}{escape(incident.category.name)}</td>"
            + (f"{cell}{escape(incident.get_grading_display())}</td>" if full else "")
            + f"{cell}{escape(incident.handler.display_name)}</td>"
            f"{cell}{status_tags_html(incident, now)}</td>"
            f"{cell}{due}</td>"
            "</tr>\n"
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped
