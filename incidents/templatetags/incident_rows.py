from collections.abc import Iterable
from datetime import datetime

from django import template
from django.utils.safestring import SafeString

from incidents.models import Incident, LogEntry
from incidents.rows_html import incident_rows_html, log_entries_html, status_tags_html

register = template.Library()


@register.simple_tag
def incident_rows(incidents: Iterable[Incident], now: datetime, full: bool = False) -> SafeString:
    """{% incident_rows page.object_list now full=True %}: the rows of an incident table."""
    return incident_rows_html(incidents, now, full=full)


@register.simple_tag
def incident_status_tags(incident: Incident, now: datetime) -> SafeString:
    """{% incident_status_tags incident now %}: Open or Closed, and Re-THRIVE overdue."""
    return status_tags_html(incident, now)


@register.simple_tag
def log_entry_items(entries: Iterable[LogEntry]) -> SafeString:
    """{% log_entry_items entries %}: the items of an incident's log (incidents/rows_html.py)."""
    return log_entries_html(entries)
