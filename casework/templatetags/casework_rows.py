"""`{% versions_rows assessments incident %}`: an incident's versions table rows
(casework.versions_html), with the reader's own draft linked."""

from django import template
from django.utils.safestring import SafeString

from casework.versions_html import versions_rows as rows_html

register = template.Library()


@register.simple_tag(takes_context=True)
def versions_rows(context: template.Context, assessments: list, incident: object) -> SafeString:
    user = context.get("user")
    return rows_html(assessments, reference=incident.reference, reader_id=getattr(user, "pk", None))
