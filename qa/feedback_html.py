"""A handler's QA feedback cards, built in Python from values() rows (issue 18): per-card
template look-ups through a review, its incident, its three grades, its reviewer, its themes
and its disputes, each a model instance, were most of the page's CPU. Every value goes through
markup.Template, which escapes it: feedback, comments and answers typed by people reach the
page as text, their line breaks as <br> (what the |linebreaksbr filter gave)."""

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString

from markup import Template, join, literal
from qa.models import Check, DisputeOutcome
from qa.selectors import FeedbackExtras

CARD_HEAD = Template(
    '<div class="govuk-summary-card" id="review-{}">\n'
    '  <div class="govuk-summary-card__title-wrapper">\n'
    '    <h2 class="govuk-summary-card__title">{}, {}{}</h2>\n'
    '    <ul class="govuk-summary-card__actions"><li class="govuk-summary-card__action">{}</li></ul>\n'
    "  </div>\n"
    '  <div class="govuk-summary-card__content">\n'
    '    <dl class="govuk-summary-list">\n'
    '      <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Vulnerability</dt>'
    '<dd class="govuk-summary-list__value">{}</dd></div>\n'
    '      <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Prevention</dt>'
    '<dd class="govuk-summary-list__value">{}</dd></div>\n'
    '      <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Scene preservation</dt>'
    '<dd class="govuk-summary-list__value">{}</dd></div>\n'
    '      <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Repeat victim check done</dt>'
    '<dd class="govuk-summary-list__value">{}</dd></div>\n'
    '      <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Feedback</dt>'
    '<dd class="govuk-summary-list__value">{}{}</dd></div>\n'
    "      {}"
    '<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Reviewer</dt>'
    '<dd class="govuk-summary-list__value">{}, {}</dd></div>\n'
    "      {}{}\n"
    "    </dl>\n"
)
CORRECTED = Template(" (corrected, version {})")
ACKNOWLEDGED = literal('<strong class="govuk-tag govuk-tag--green">Acknowledged</strong>')
DISPUTED = literal('<strong class="govuk-tag govuk-tag--yellow">Disputed</strong>')
NEW = literal('<strong class="govuk-tag govuk-tag--blue">New</strong>')
GOOD_PRACTICE = literal('<br><strong class="govuk-tag govuk-tag--green">Good practice</strong>')
THEMES = Template(
    '<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Learning themes</dt>'
    '<dd class="govuk-summary-list__value">{}</dd></div>\n      '
)
# The dispute a corrected version answered, and each dispute of this version.
ANSWERED = Template(
    '<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Your dispute</dt>'
    '<dd class="govuk-summary-list__value">{}<br><span class="govuk-body-s">{}, by {} on {}: {}</span></dd></div>'
)
DISPUTE = Template(
    '<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Your dispute</dt>'
    '<dd class="govuk-summary-list__value">{}<br><span class="govuk-body-s">{}{}</span></dd></div>'
)
RESPONSE = Template(": {}")
# Acknowledge, or dispute with a comment: only on a review that has neither. The dispute's
# box is open, marked and refilled when the comment sent from this card was refused.
FORMS = Template(
    '    <form method="post" action="{}" class="govuk-!-display-inline-block">\n'
    '      <input type="hidden" name="csrfmiddlewaretoken" value="{}">\n'
    '      <button type="submit" class="govuk-button" data-module="govuk-button">Acknowledge'
    '<span class="govuk-visually-hidden"> the review of {}</span></button>\n'
    "    </form>\n"
    '    <details class="govuk-details"{}>\n'
    '      <summary class="govuk-details__summary"><span class="govuk-details__summary-text">Dispute a grade'
    '<span class="govuk-visually-hidden"> of the review of {}</span></span></summary>\n'
    '      <div class="govuk-details__text">\n'
    '        <form method="post" action="{}" novalidate>\n'
    '          <input type="hidden" name="csrfmiddlewaretoken" value="{}">\n'
    '          <div class="govuk-form-group{}">\n'
    '            <label class="govuk-label" for="dispute-{}">What do you dispute, and why?</label>\n'
    "            {}\n"
    '            <textarea class="govuk-textarea{}" id="dispute-{}" name="comment" rows="3" maxlength="2000"{}>'
    "{}</textarea>\n"
    "          </div>\n"
    '          <button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">'
    "Send the dispute</button>\n"
    "        </form>\n"
    "      </div>\n"
    "    </details>\n"
)
ERROR = Template(
    '<p class="govuk-error-message" id="dispute-{}-error"><span class="govuk-visually-hidden">Error:</span> {}</p>'
)
DESCRIBED_BY = Template(' aria-describedby="dispute-{}-error"')
CARD_END = literal("  </div>\n</div>\n")
NOTHING = literal("")
OPEN = literal(" open")
GROUP_ERROR = literal(" govuk-form-group--error")
TEXTAREA_ERROR = literal(" govuk-textarea--error")
# A finding of the exemption audit on one of the handler's closures.
EXEMPTION_CARD = Template(
    '<div class="govuk-summary-card" id="exemption-{}">\n'
    '  <div class="govuk-summary-card__title-wrapper"><h3 class="govuk-summary-card__title">{}, {}</h3></div>\n'
    '  <div class="govuk-summary-card__content">\n'
    '    <dl class="govuk-summary-list">\n'
    '      <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Closed as</dt>'
    '<dd class="govuk-summary-list__value">{}</dd></div>\n'
    '      <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Exemption</dt>'
    '<dd class="govuk-summary-list__value">{}</dd></div>\n'
    '      <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Feedback</dt>'
    '<dd class="govuk-summary-list__value">{}</dd></div>\n'
    '      <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Audited by</dt>'
    '<dd class="govuk-summary-list__value">{}, {}</dd></div>\n'
    "    </dl>\n"
    "  </div>\n"
    "</div>\n"
)
CHECKS = dict(Check.choices)
OUTCOMES = dict(DisputeOutcome.choices)
NEWLINES = re.compile(r"\r\n|\r|\n")


def _day(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y") if value else ""


def lines(text: str) -> SafeString:
    """Text with its line breaks as <br>, every line escaped (the |linebreaksbr filter)."""
    return join(NEWLINES.split(text), "<br>")


def _answered_html(d: dict[str, Any] | None) -> SafeString:
    if d is None:
        return NOTHING
    by = d["resolved_by__full_name"] or d["resolved_by__username"] or ""
    return ANSWERED.render(
        d["comment"], OUTCOMES.get(d["outcome"], d["outcome"]), by, _day(d["resolved_at"]), d["response"]
    )


def _disputes_html(disputes: list[dict[str, Any]]) -> SafeString:
    return join(
        [
            DISPUTE.render(
                d["comment"],
                OUTCOMES.get(d["outcome"], d["outcome"]),
                RESPONSE.render(d["response"]) if d["response"] else NOTHING,
            )
            for d in disputes
        ]
    )


@dataclass
class CardOptions:
    """Per page: the form addresses (a review's id in place of 0), the CSRF token, and the card
    whose dispute was refused with its errors and what was typed."""

    acknowledge_url: str
    dispute_url: str
    csrf_token: str
    dispute_review: int | None = None
    dispute_errors: list[str] = field(default_factory=list)
    dispute_comment: str = ""


def _forms_html(pk: int, reference: str, options: CardOptions) -> SafeString:
    failed = pk == options.dispute_review
    ack_url = options.acknowledge_url.replace("/0/", f"/{pk}/", 1)
    dispute_url = options.dispute_url.replace("/0/", f"/{pk}/", 1)
    errors = ERROR.render_each((pk, m) for m in options.dispute_errors) if failed else NOTHING
    return FORMS.render(
        ack_url, options.csrf_token, reference, OPEN if failed else NOTHING, reference, dispute_url,
        options.csrf_token, GROUP_ERROR if failed else NOTHING, pk, errors, TEXTAREA_ERROR if failed else NOTHING,
        pk, DESCRIBED_BY.render(pk) if failed else NOTHING, options.dispute_comment if failed else "",
    )  # fmt: skip


def cards_html(rows: list[tuple], extras: FeedbackExtras, options: CardOptions) -> SafeString:
    """One summary card per review, newest first."""
    parts = []
    for (pk, reference, month, version, acknowledged_at, vulnerability, prevention, preservation, check, feedback,
         good_practice, reviewer_name, reviewer_username, created_at) in rows:  # fmt: skip
        disputes = extras.disputes.get(pk, [])
        themes = extras.themes.get(pk)
        status = ACKNOWLEDGED if acknowledged_at else DISPUTED if disputes else NEW
        parts.append(
            CARD_HEAD.render(
                pk,
                reference,
                month.strftime("%B %Y"),
                CORRECTED.render(version) if version > 1 else NOTHING,
                status,
                vulnerability,
                prevention,
                preservation,
                CHECKS.get(check, check),
                lines(feedback or "None given"),
                GOOD_PRACTICE if good_practice else NOTHING,
                THEMES.render(", ".join(themes)) if themes else NOTHING,
                reviewer_name or reviewer_username,
                _day(created_at),
                _answered_html(extras.answered.get(pk)),
                _disputes_html(disputes),
            )
        )
        if not acknowledged_at and not disputes:
            parts.append(_forms_html(pk, reference, options))
        parts.append(CARD_END)
    return join(parts)


def exemption_cards_html(rows: list[tuple]) -> SafeString:
    """One card per finding on the handler's exempt closures (qa.exemptions.EXEMPTION_FIELDS)."""
    return EXEMPTION_CARD.render_each(
        (pk, reference, month.strftime("%B %Y"), closure or "", "Justified" if justified else "Not justified",
         lines(feedback or "None"), reviewer_name or reviewer_username or "", _day(reviewed_at))
        for pk, reference, month, closure, justified, feedback, reviewer_name, reviewer_username, reviewed_at in rows
    )  # fmt: skip
