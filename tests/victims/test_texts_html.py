"""An incident's texts table drawn in Python (victims.texts_html): the status a handler reads,
why a text failed or went again, the link, the tries and the time, every value escaped."""

from datetime import UTC, datetime

import pytest

from tests.factories import make_incident, make_texts
from victims.models import Text, TextStatus
from victims.texts_html import texts_rows

pytestmark = pytest.mark.django_db


def test_each_status_reads_as_a_tag_with_its_reason(handler):
    incident = make_incident(handler=handler, assessed=True)
    failed, resent, queued = make_texts(incident, 3)
    Text.objects.filter(pk=failed.pk).update(status=TextStatus.FAILED, last_error='<b>refused</b> & "x"', attempts=3)
    Text.objects.filter(pk=resent.pk).update(
        status=TextStatus.DELIVERED, resend_reason="new number", sent_at=datetime(2026, 7, 1, 13, 5, tzinfo=UTC)
    )
    Text.objects.filter(pk=queued.pk).update(status=TextStatus.QUEUED, sent_at=None, attempts=0)
    html = texts_rows(list(Text.objects.filter(incident=incident).order_by("-id")))
    queued_row, resent_row, failed_row = html.split("</tr>")[:3]
    assert '<strong class="govuk-tag govuk-tag--yellow">Queued</strong>' in queued_row
    assert '<td class="govuk-table__cell">0</td>\n<td class="govuk-table__cell">–</td>' in queued_row
    assert '<strong class="govuk-tag govuk-tag--green">Delivered</strong>' in resent_row
    assert "Sent again: new number</p>" in resent_row
    assert '<td class="govuk-table__cell">01/07/2026 14:05</td>' in resent_row  # London time
    assert '<strong class="govuk-tag govuk-tag--red">Failed</strong>' in failed_row
    assert "&lt;b&gt;refused&lt;/b&gt; &amp; &quot;x&quot;</p>" in failed_row
    assert '<td class="govuk-table__cell">3</td>' in failed_row
    assert (
        '<a class="govuk-link" href="https://example.org/advice?text=1" rel="noreferrer noopener">'
        "https://example.org/advice?text=1</a>"
    ) in failed_row


def test_no_texts_no_rows():
    assert texts_rows([]) == ""
