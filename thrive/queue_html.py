"""The review queue's tables and filter options, built in Python from values() rows (issue 18):
per-row template look-ups, `|date` and `|timesince` filters and `{% url %}` tags over model
instances with their related instances were most of the page's CPU. Every value goes through
markup.Template, which escapes it: names, references and labels reach the page as text only."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

from markup import Template, literal
from thrive.models import RISK_LEVELS, ReturnReason

# One queue row: the review link (its version for a screen reader), category, version,
# author, risk, submitted.
QUEUE_ROW = Template(
    '    <tr class="govuk-table__row">\n'
    '      <td class="govuk-table__cell"><a class="govuk-link" href="{}">Review {}'
    '<span class="govuk-visually-hidden"> version {}</span></a></td>\n'
    '      <td class="govuk-table__cell">{}</td>\n'
    '      <td class="govuk-table__cell">{}</td>\n'
    '      <td class="govuk-table__cell">{}</td>\n'
    '      <td class="govuk-table__cell">{}</td>\n'
    '      <td class="govuk-table__cell">{}</td>\n'
    "    </tr>\n"
)
# Open returns per handler: name, how many, the oldest's time and how long ago.
BY_HANDLER_ROW = Template(
    '    <tr class="govuk-table__row">\n'
    '      <td class="govuk-table__cell">{}</td>\n'
    '      <td class="govuk-table__cell govuk-table__cell--numeric">{}</td>\n'
    '      <td class="govuk-table__cell">{} ({})</td>\n'
    "    </tr>\n"
)
# Each open return: the incident's link and version (a closed incident's return is a late
# revision), returned to, reason, waiting.
OPEN_RETURN_ROW = Template(
    '    <tr class="govuk-table__row">\n'
    '      <td class="govuk-table__cell"><a class="govuk-link" href="{}">{}</a> v{}{}</td>\n'
    '      <td class="govuk-table__cell">{}</td>\n'
    '      <td class="govuk-table__cell">{}</td>\n'
    '      <td class="govuk-table__cell">{}</td>\n'
    "    </tr>\n"
)
LATE = literal(' <strong class="govuk-tag govuk-tag--grey">Closed: late revision</strong>')
NOT_LATE = literal("")
REASONS = dict(ReturnReason.choices)

# What each table reads, as values_list() fields.
QUEUE_FIELDS = (
    "pk", "incident__reference", "incident__category__name", "version", "author__full_name", "author__username",
    "risk_level", "submitted_at",
)  # fmt: skip
OPEN_RETURN_FIELDS = (
    "assessment__incident__reference", "assessment__version", "assessment__incident__status",
    "returned_to__full_name", "returned_to__username", "reason", "returned_at",
)  # fmt: skip


def _local(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


def _since(value: datetime | None) -> str:
    """What the |timesince filter gives."""
    if not value:
        return ""
    try:
        return timesince(value)
    except (ValueError, TypeError):
        return ""


def queue_rows_html(rows: Iterable[tuple]) -> SafeString:
    # The review page's address for pk 0, its digits swapped for each row's (one reverse()).
    head, tail = reverse("thrive:review-detail", args=[0]).rsplit("/0/", 1)
    return QUEUE_ROW.render_each(
        (f"{head}/{pk}/{tail}", reference, version, category, version, full_name or username,
         RISK_LEVELS.get(risk, risk) or "–", _local(submitted))
        for pk, reference, category, version, full_name, username, risk, submitted in rows
    )  # fmt: skip


def by_handler_rows_html(rows: Iterable[dict[str, Any]]) -> SafeString:
    return BY_HANDLER_ROW.render_each(
        (r["returned_to__full_name"] or r["returned_to__username"], r["open"], _local(r["oldest"]), _since(r["oldest"]))
        for r in rows
    )


def open_return_rows_html(rows: Iterable[tuple]) -> SafeString:
    return OPEN_RETURN_ROW.render_each(
        (reverse("incidents:incident-detail", kwargs={"reference": reference}), reference, version,
         LATE if status == "closed" else NOT_LATE, full_name or username, REASONS.get(reason, reason),
         _since(returned_at))
        for reference, version, status, full_name, username, reason, returned_at in rows
    )  # fmt: skip
