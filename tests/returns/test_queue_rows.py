"""The review queue's rows, built in Python (thrive/queue_html.py): what each row shows, and
that names typed by people reach the page as text (issue 18)."""

import pytest
from django.utils import timezone
from django.utils.html import escape

from tests.factories import UserFactory, make_incident
from thrive.returns import assessment_return

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script> & Co'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co"


def test_each_queue_row_shows_the_version_its_author_risk_and_time(supervisor_client, handler):
    incident = make_incident(handler=handler, assessed=True, risk_level="high", category="domestic_abuse")
    version = incident.assessments.get()
    html = supervisor_client.get("/thrive/reviews/").content.decode()
    submitted = timezone.localtime(version.submitted_at).strftime("%d/%m/%Y %H:%M")
    assert (
        f'<a class="govuk-link" href="/thrive/reviews/{version.pk}/">Review {incident.reference}'
        '<span class="govuk-visually-hidden"> version 1</span></a></td>'
    ) in html
    assert f'<td class="govuk-table__cell">{incident.category.name}</td>' in html
    assert f'<td class="govuk-table__cell">{escape(handler.display_name)}</td>' in html
    assert '<td class="govuk-table__cell">High</td>' in html
    assert f'<td class="govuk-table__cell">{submitted}</td>' in html
    assert "1 to review" in html
    # The filters offer the team's handlers, the categories and the risk levels, the chosen one marked.
    chosen = supervisor_client.get("/thrive/reviews/?risk_level=high&handler=handler").content.decode()
    assert '<option value="high" selected>High</option>' in chosen
    assert f'<option value="handler" selected>{escape(handler.display_name)}</option>' in chosen
    assert '<option value="domestic_abuse">' in chosen


def test_the_open_returns_show_who_has_them_and_why(supervisor_client, supervisor, handler):
    incident = make_incident(handler=handler, assessed=True)
    assessment_return(
        assessment=incident.assessments.get(),
        actor=supervisor,
        reason="poor_quality",
        sections=["harm"],
        feedback="More.",
    )
    html = supervisor_client.get("/thrive/reviews/").content.decode()
    assert f'<a class="govuk-link" href="/incidents/{incident.reference}/">{incident.reference}</a> v1</td>' in html
    assert '<td class="govuk-table__cell">Poor quality</td>' in html
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td>' in html
    # Twice: per handler, and the return.
    assert html.count(f'<td class="govuk-table__cell">{escape(handler.display_name)}</td>') == 2
    assert "Closed: late revision" not in html


def test_names_typed_by_people_are_escaped_in_every_table(supervisor_client, supervisor):
    author = UserFactory(handler=True, team=supervisor.team, full_name=HOSTILE)
    incident = make_incident(handler=author, assessed=True)
    make_incident(handler=author, assessed=True)
    assessment_return(
        assessment=incident.assessments.get(), actor=supervisor, reason="missing", sections=["harm"], feedback="More."
    )
    html = supervisor_client.get("/thrive/reviews/").content.decode()
    assert HOSTILE not in html
    # The queue's author, the handler filter, the returns per handler and each return.
    assert html.count(ESCAPED) == 4
