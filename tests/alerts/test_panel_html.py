"""The alert panel's waiting alerts drawn in Python (alerts.panel_html): each with its tags, its
incident, the time it was raised, and an acknowledge form that comes back to the page."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from alerts.models import Alert
from alerts.panel_html import waiting_rows
from incidents.models import Incident
from tests.factories import make_incident

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script> & Co'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co"
HTMX = {"HTTP_HX_REQUEST": "true"}


def _alert(handler, **changes) -> Alert:
    alert = Alert.objects.get(incident=make_incident(handler=handler, assessed=True, risk_level="high"))
    Alert.objects.filter(pk=alert.pk).update(**changes)
    return Alert.objects.select_related("incident", "team").get(pk=alert.pk)


def test_a_waiting_alert_reads_as_the_supervisor_needs_it(blue_handler):
    raised = datetime(2026, 7, 1, 13, 5, tzinfo=UTC)  # 14:05 in London, summer time
    alert = _alert(blue_handler, raised_at=raised)
    html = waiting_rows([alert], csrf_token="tok", next_path="/alerts/")
    reference = alert.incident.reference
    assert f'<li class="govuk-!-margin-bottom-4" data-alert="{alert.pk}">' in html
    assert '<strong class="govuk-tag govuk-tag--red">High-risk assessment</strong>\n' in html
    assert (
        f'<a class="govuk-link" href="/incidents/{reference}/">{reference}</a>, {alert.team.name}: raised at 14:05'
        in html
    )
    assert "Sent to every supervisor on watch" not in html
    assert f'action="/alerts/{alert.pk}/acknowledge/" hx-post="/alerts/{alert.pk}/acknowledge/"' in html
    assert '<input type="hidden" name="csrfmiddlewaretoken" value="tok">' in html
    assert '<input type="hidden" name="next" value="/alerts/">' in html
    assert f'Acknowledge<span class="govuk-visually-hidden"> the alert on {reference}</span>' in html


def test_an_escalated_alert_says_so_and_a_long_summary_is_cut_and_escaped(blue_handler):
    alert = _alert(blue_handler, escalated_at=timezone.now())
    Incident.objects.filter(pk=alert.incident_id).update(summary=HOSTILE + " " + "y" * 200)
    alert.incident.refresh_from_db()
    html = waiting_rows([alert], csrf_token="tok", next_path='/x/?a="1"')
    assert '<strong class="govuk-tag govuk-tag--orange">Sent to every supervisor on watch</strong>' in html
    assert ESCAPED in html
    assert HOSTILE not in html
    assert "y" * 120 not in html
    assert "…</p>" in html
    assert 'name="next" value="/x/?a=&quot;1&quot;"' in html


def test_nothing_waiting_draws_nothing():
    assert waiting_rows([], csrf_token="tok", next_path="/") == ""


def test_the_acknowledge_form_comes_back_to_the_page_the_panel_is_on(client_for, blue_handler, sup_a):
    alert = _alert(blue_handler)
    client = client_for(sup_a)
    page = client.get("/alerts/").content.decode()
    assert '<input type="hidden" name="next" value="/alerts/">' in page
    # A poll from the review queue's panel: the form returns to the queue, not to the fragment.
    poll = client.get("/alerts/panel/", HTTP_HX_CURRENT_URL="http://testserver/thrive/reviews/", **HTMX)
    assert '<input type="hidden" name="next" value="/thrive/reviews/">' in poll.content.decode()
    response = client.post(f"/alerts/{alert.pk}/acknowledge/", {"next": "/thrive/reviews/"})
    assert response.status_code == 302
    assert response.url == "/thrive/reviews/"
