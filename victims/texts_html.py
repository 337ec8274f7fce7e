"""The rows of an incident's texts table (its page shows the latest few, its texts' pages fifty
at a time), drawn in Python with markup.Template, which escapes every value it is given. The
markup is what the table's template drew (issue 18: rows of template tags were a large part of
the incident page's CPU)."""

from collections.abc import Sequence

from django.utils import timezone
from django.utils.safestring import SafeString

from markup import Template, literal
from victims.models import Text, TextStatus

ROW = Template(
    '<tr class="govuk-table__row">\n<td class="govuk-table__cell">\n{}{}{}\n</td>\n'
    '<td class="govuk-table__cell app-answer"><a class="govuk-link" href="{}" rel="noreferrer noopener">{}</a></td>\n'
    '<td class="govuk-table__cell">{:d}</td>\n<td class="govuk-table__cell">{}</td>\n</tr>\n'
)
TAGS = {
    TextStatus.QUEUED: literal('<strong class="govuk-tag govuk-tag--yellow">Queued</strong>'),
    TextStatus.SENT: literal('<strong class="govuk-tag govuk-tag--blue">Sent</strong>'),
    TextStatus.DELIVERED: literal('<strong class="govuk-tag govuk-tag--green">Delivered</strong>'),
}
FAILED = literal('<strong class="govuk-tag govuk-tag--red">Failed</strong>')
NOTE = Template('\n<p class="govuk-body-s govuk-!-margin-top-1 govuk-!-margin-bottom-0">{}</p>')
RESENT = Template('\n<p class="govuk-body-s govuk-!-margin-top-1 govuk-!-margin-bottom-0">Sent again: {}</p>')
NOTHING = literal("")


def texts_rows(texts: Sequence[Text]) -> SafeString:
    """A row per text: its status (and why it failed, or why it was sent again), the link it
    carries, the tries and when the provider took it."""
    return ROW.render_each(
        (
            TAGS.get(t.status, FAILED),
            NOTE.render(t.last_error) if t.status == TextStatus.FAILED and t.last_error else NOTHING,
            RESENT.render(t.resend_reason) if t.resend_reason else NOTHING,
            t.link,
            t.link,
            t.attempts,
            timezone.localtime(t.sent_at).strftime("%d/%m/%Y %H:%M") if t.sent_at else "–",
        )
        for t in texts
    )
