"""Rule 13's pages: the watch and the alert panel on the supervisor's home page, the polled
fragment (and what it costs), acknowledging from the page, the decision form, the queue and
the report."""

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.models import Alert
from alerts.services import alert_acknowledge, alert_decide, watch_start
from tests.factories import make_incident

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def high_risk_alert(handler) -> Alert:
    return Alert.objects.get(incident=make_incident(handler=handler, assessed=True, risk_level="high"))


def test_a_supervisor_starts_and_ends_a_watch_from_the_home_page(client_for, sup_a):
    client = client_for(sup_a)
    html = client.get("/").content.decode()
    assert "You are not on watch" in html
    assert 'action="/alerts/watch/start/"' in html
    response = client.post("/alerts/watch/start/")
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert "You are on watch since" in html
    assert 'action="/alerts/watch/end/"' in html
    client.post("/alerts/watch/end/")
    assert "You are not on watch" in client.get("/").content.decode()


def test_the_home_page_shows_an_alert_sent_to_the_supervisor(client_for, blue_handler, sup_a):
    alert = high_risk_alert(blue_handler)
    html = client_for(sup_a).get("/").content.decode()
    assert 'id="alert-panel"' in html
    assert 'hx-trigger="every 5s"' in html
    assert alert.incident.reference in html
    assert "High-risk assessment" in html
    assert f'action="/alerts/{alert.pk}/acknowledge/"' in html


def test_the_polled_fragment_shows_a_new_alert_and_answers_204_when_nothing_changed(client_for, blue_handler, sup_a):
    client = client_for(sup_a)
    empty = client.get("/alerts/panel/", **HTMX)
    assert empty.status_code == 200
    assert "No alerts for you" in empty.content.decode()
    seen = empty.context["panel"].fingerprint
    assert client.get("/alerts/panel/", {"seen": seen}, **HTMX).status_code == 204
    alert = high_risk_alert(blue_handler)
    fresh = client.get("/alerts/panel/", {"seen": seen}, **HTMX)
    assert fresh.status_code == 200
    html = fresh.content.decode()
    assert alert.incident.reference in html
    assert "<html" not in html  # the fragment only


@pytest.mark.parametrize("alerts", [1, 8])
def test_the_polled_fragment_costs_a_fixed_few_queries(
    client_for, blue_handler, sup_a, alerts, django_assert_num_queries
):
    for _ in range(alerts):
        high_risk_alert(blue_handler)
    client = client_for(sup_a)
    client.get("/alerts/panel/", **HTMX)
    # The session, the user, the alerts: three, however many alerts there are.
    with django_assert_num_queries(3):
        assert client.get("/alerts/panel/", **HTMX).status_code == 200


def test_a_poll_does_not_keep_the_session_alive(client_for, sup_a, settings):
    settings.SESSION_TOUCH_SECONDS = 0
    client = client_for(sup_a)
    session_key = client.session.session_key
    from django.contrib.sessions.models import Session

    before = Session.objects.get(session_key=session_key).expire_date
    client.get("/alerts/panel/", **HTMX)
    assert Session.objects.get(session_key=session_key).expire_date == before


def test_a_signed_out_poll_stops_polling_and_says_why(client):
    response = client.get("/alerts/panel/", **HTMX)
    assert response.status_code == 286
    assert "Sign in again" in response.content.decode()


def test_only_supervisors_have_the_panel(client_for, blue_handler, analyst):
    for user in (blue_handler, analyst):
        assert client_for(user).get("/alerts/panel/", **HTMX).status_code == 403
        assert client_for(user).get("/alerts/").status_code == 403


def test_acknowledging_from_the_page_takes_ownership(client_for, blue_handler, sup_a):
    alert = high_risk_alert(blue_handler)
    response = client_for(sup_a).post(f"/alerts/{alert.pk}/acknowledge/", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"You acknowledged the alert on {alert.incident.reference}" in html
    assert "Record what you did" in html
    alert.refresh_from_db()
    assert alert.acknowledged_by == sup_a


def test_the_second_supervisor_sees_who_owns_it(client_for, blue_handler, sup_a, sup_b):
    alert = high_risk_alert(blue_handler)
    alert_acknowledge(alert=alert, actor=sup_b)
    response = client_for(sup_a).post(f"/alerts/{alert.pk}/acknowledge/", **HTMX)
    assert response.status_code == 200
    assert "Bea Supervisor acknowledged this alert at" in response.content.decode()
    # Without htmx: back to the page, with the message.
    plain = client_for(sup_a).post(f"/alerts/{alert.pk}/acknowledge/", {"next": "/"}, follow=True)
    assert "Bea Supervisor acknowledged this alert at" in plain.content.decode()
    # And on the panel: taken, by whom.
    html = client_for(sup_a).get("/alerts/panel/", **HTMX).content.decode()
    assert "Bea Supervisor owns it" in html


def test_another_teams_supervisor_cannot_reach_an_alert_not_sent_to_them(client_for, blue_handler, sup_a, sup_red):
    watch_start(supervisor=sup_a)
    alert = high_risk_alert(blue_handler)
    assert client_for(sup_red).post(f"/alerts/{alert.pk}/acknowledge/").status_code == 404
    assert client_for(sup_red).get(f"/alerts/{alert.pk}/decision/").status_code == 404


def test_the_decision_form_records_what_the_owner_did(client_for, blue_handler, sup_a):
    alert = high_risk_alert(blue_handler)
    alert_acknowledge(alert=alert, actor=sup_a)
    client = client_for(sup_a)
    page = client.get(f"/alerts/{alert.pk}/decision/").content.decode()
    assert "Sent or upgraded a resource" in page
    bad = client.post(f"/alerts/{alert.pk}/decision/", {"decision": "advised", "note": ""})
    assert bad.status_code == 400
    assert "Enter what you did" in bad.content.decode()
    assert 'href="#note"' in bad.content.decode()
    done = client.post(f"/alerts/{alert.pk}/decision/", {"decision": "advised", "note": "Told Hal to call back."})
    assert done.status_code == 302
    alert.refresh_from_db()
    assert alert.decision == "advised"
    detail = client.get(f"/incidents/{alert.incident.reference}/").content.decode()
    assert "Advised the handler. Told Hal to call back." in detail


def test_the_queue_lists_the_teams_open_alerts_with_labels(client_for, blue_handler, sup_a):
    alert = high_risk_alert(blue_handler)
    html = client_for(sup_a).get("/alerts/").content.decode()
    assert '<h1 class="govuk-heading-l">Alerts</h1>' in html
    assert alert.incident.reference in html
    assert "high_risk" not in html


def test_the_report_lists_alerts_by_month_with_time_to_acknowledge(client_for, blue_handler, sup_a, analyst):
    first = high_risk_alert(blue_handler)
    Alert.objects.filter(pk=first.pk).update(raised_at=timezone.now() - timedelta(minutes=4))
    alert_acknowledge(alert=first, actor=sup_a)
    second = Alert.objects.get(incident=make_incident(handler=blue_handler, assessed=True, risk_level="high"))
    Alert.objects.filter(pk=second.pk).update(raised_at=timezone.now() - timedelta(minutes=16))
    alert_decide(alert=second, actor=sup_a, decision="no_change", note="Fine.")
    month = timezone.localdate().strftime("%Y-%m")
    for user in (sup_a, analyst):
        response = client_for(user).get("/alerts/report/", {"month": month})
        assert response.status_code == 200
        html = response.content.decode()
        row = html.split(f'data-month="{month}"', 1)[1].split("</tr>", 1)[0]
        cells = [c.split(">", 1)[1].split("<", 1)[0] for c in row.split("<td")[1:]]
        # raised, high risk, overdue, acknowledged, within 10 min, escalated, decided, average, longest
        assert cells[:7] == ["2", "2", "0", "2", "1", "0", "1"]
        assert cells[7] == "10 min"
        assert cells[8] == "16 min"
        assert first.incident.reference in html
        assert "Reviewed the risk: no change needed" in html


def test_the_report_refuses_a_bad_month_by_name(analyst, client_for):
    response = client_for(analyst).get("/alerts/report/", {"month": "2026-13"})
    assert response.status_code == 400
    assert "Month must be" in response.content.decode()


def test_handlers_do_not_see_the_report(client_for, blue_handler):
    assert client_for(blue_handler).get("/alerts/report/").status_code == 403


def test_the_report_costs_a_fixed_number_of_queries(
    client_for, blue_handler, sup_a, analyst, django_assert_max_num_queries
):
    for _ in range(5):
        high_risk_alert(blue_handler)
    month = timezone.localdate().strftime("%Y-%m")
    client = client_for(analyst)
    client.get("/alerts/report/")  # the session's first touch is not the page's cost
    # The session, the user, the teams, the months, the month's alerts.
    with django_assert_max_num_queries(5):
        assert client.get("/alerts/report/", {"month": month}).status_code == 200


def test_the_review_queue_loads_the_alert_panel(client_for, sup_a):
    html = client_for(sup_a).get("/thrive/reviews/").content.decode()
    assert 'hx-get="/alerts/panel/" hx-trigger="load"' in html
    assert 'href="/alerts/"' in html


def test_an_administrator_reads_alerts_in_the_admin_and_cannot_change_them(client_for, admin_user, blue_handler):
    alert = high_risk_alert(blue_handler)
    client = client_for(admin_user)
    assert alert.incident.reference in client.get("/admin/alerts/alert/").content.decode()
    assert client.get(f"/admin/alerts/alert/{alert.pk}/change/").status_code == 200
    assert client.post(f"/admin/alerts/alert/{alert.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Alert.objects.filter(pk=alert.pk).exists()


def test_the_panel_counts_every_open_alert_when_it_lists_only_the_oldest(
    client_for, blue_handler, sup_a, sup_b, monkeypatch
):
    from alerts import selectors

    monkeypatch.setattr(selectors, "PANEL_LENGTH", 3)
    alerts = [high_risk_alert(blue_handler) for _ in range(5)]
    html = client_for(sup_a).get("/alerts/").content.decode()
    assert "5 alerts waiting for a supervisor" in html
    assert "The 3 waiting longest are listed here. 2 more will show here as these are acknowledged." in html
    listed = [a.pk for a in alerts if f'data-alert="{a.pk}"' in html]
    assert listed == [a.pk for a in alerts[:3]]
    # Another supervisor takes one: the count changes, so a poll with the old fingerprint is
    # answered with the new panel, not 204.
    seen = selectors.alert_panel(sup_a, now=timezone.now()).fingerprint
    alert_acknowledge(alert=alerts[4], actor=sup_b)
    poll = client_for(sup_a).get("/alerts/panel/", {"seen": seen}, **HTMX)
    assert poll.status_code == 200
    assert "4 alerts waiting for a supervisor" in poll.content.decode()
