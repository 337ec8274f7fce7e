"""`{% alert_waiting_rows panel.waiting %}`: the panel's waiting alerts (alerts.panel_html), with
the request's CSRF token and the page each acknowledge form comes back to."""

from django import template
from django.utils.safestring import SafeString

from alerts.panel_html import waiting_rows

register = template.Library()


@register.simple_tag(takes_context=True)
def alert_waiting_rows(context: template.Context, alerts: list) -> SafeString:
    request = context["request"]
    htmx = getattr(request, "htmx", None)
    return waiting_rows(
        alerts,
        csrf_token=str(context.get("csrf_token", "")),
        next_path=(htmx.current_url_abs_path if htmx else None) or request.path,
    )
