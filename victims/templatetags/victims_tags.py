from typing import Any

from django import template
from django.utils.safestring import SafeString

from incidents.models import Incident
from victims.models import Victim
from victims.selectors import texts_recent, victims_for_user
from victims.texts_html import texts_rows as rows_html
from victims.victims_code import answers_summary, victims_code_met

register = template.Library()


@register.inclusion_tag("victims/partials/panel.html", takes_context=True)
def victims_panel(context: template.Context, incident: Incident) -> dict[str, Any]:
    """The incident page's victims and its latest texts, loaded here so the page's own view
    needs no change (three queries, whatever the number of texts). The victims come through
    the access helper, which records the read: only when the panel is really shown (an htmx
    fragment of the page is not)."""
    return {
        "incident": incident,
        "victims": victims_for_user(context["user"], incident, request=context.get("request")),
        "texts": texts_recent(incident),
        "user": context.get("user"),
        "request": context.get("request"),
    }


@register.simple_tag
def texts_rows(texts: list) -> SafeString:
    """The texts table's rows (victims.texts_html)."""
    return rows_html(texts)


@register.filter
def iso_datetime(value: str) -> Any:
    """A stored ISO time (the repeat check's matches are JSON) back as a datetime."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


MATCH_LABELS = {"phone": "Phone", "name_dob": "Name and date of birth", "address": "Address (household)"}


@register.filter
def matched_label(routes: list[str]) -> str:
    return ", ".join(MATCH_LABELS.get(r, r) for r in routes)


@register.filter
def code_met(victim: Victim) -> bool:
    """Rule 14: all three of the Victims' Code answers given (victims.victims_code)."""
    return victims_code_met(victim)


@register.filter
def code_summary(victim: Victim) -> str:
    """The Victims' Code answers as a person reads them."""
    return answers_summary(victim).capitalize() + "."
