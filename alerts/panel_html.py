"""The alert panel's waiting alerts, drawn in Python with markup.Template (which escapes every
value it is given).

A full panel lists PANEL_LENGTH alerts, each with its tags, its incident's link and summary, and
an acknowledge form with the CSRF token: fifty of them through template tags were most of the
supervisor's home page and the alert queue at force scale (docs/BENCHMARKS.md, issue 18). The
markup is what the panel's template drew."""

from collections.abc import Sequence
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from alerts.models import Alert
from markup import Template, literal

WAITING = Template(
    '<li class="govuk-!-margin-bottom-4" data-alert="{:d}">\n'
    '<strong class="govuk-tag govuk-tag--red">{}</strong>{}\n'
    '<p class="govuk-body govuk-!-margin-top-2 govuk-!-margin-bottom-2"><a class="govuk-link" href="{}">{}</a>{}: '
    "raised at {}{}. {}</p>\n"
    '<form method="post" action="{}" hx-post="{}" hx-target="#alert-panel" hx-swap="outerHTML">\n'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{}">\n'
    '<input type="hidden" name="next" value="{}">\n'
    '<button type="submit" class="govuk-button govuk-!-margin-bottom-0" data-module="govuk-button">Acknowledge'
    '<span class="govuk-visually-hidden"> the alert on {}</span></button>\n'
    "</form>\n</li>\n"
)
ESCALATED = literal(' <strong class="govuk-tag govuk-tag--orange">Sent to every supervisor on watch</strong>')
TEAM = Template(", {}")
VERSION = Template(", assessment version {:d}")
NOTHING = literal("")
# What reverse() leaves unquoted in a path argument (django.urls.resolvers).
URL_SAFE = "!$&'()*+,;=/~:@"
# Stand-ins for a row's values in a URL reversed once per panel (a reverse is ~0.1 ms).
_PK, _REF = 987654321, "REFERENCE-MARKER"


def waiting_rows(alerts: Sequence[Alert], *, csrf_token: str, next_path: str) -> SafeString:
    """The waiting alerts as list items, each with its acknowledge form (which comes back to
    `next_path`)."""
    if not alerts:
        return NOTHING
    detail = reverse("incidents:incident-detail", kwargs={"reference": _REF})
    acknowledge = reverse("alerts:acknowledge", args=[_PK])
    rows = []
    for alert in alerts:
        reference = alert.incident.reference
        action = acknowledge.replace(str(_PK), str(alert.pk))
        rows.append(
            (
                alert.pk,
                alert.get_reason_display(),
                ESCALATED if alert.escalated_at else NOTHING,
                detail.replace(_REF, quote(reference, safe=URL_SAFE)),
                reference,
                TEAM.render(alert.team.name) if alert.team_id else NOTHING,
                timezone.localtime(alert.raised_at).strftime("%H:%M"),
                VERSION.render(alert.assessment_version) if alert.assessment_version else NOTHING,
                Truncator(alert.incident.summary).chars(120),
                action,
                action,
                csrf_token,
                next_path,
                reference,
            )
        )
    return WAITING.render_each(rows)
