"""Rule 13 and the close: an alert nobody acknowledged stops calling supervisors once its
incident closes (settled, with who closed it and when), through every door that closes; a
closed incident raises none; a reopened one alerts again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from alerts.models import Alert, AlertRecipient, Reason
from alerts.rules import live_q
from alerts.selectors import alert_list_for_user, alert_panel, alert_report
from alerts.services import (
    alert_acknowledge,
    alert_decide,
    alert_escalate_due,
    alert_raise_overdue,
    watch_start,
)
from casework.services import assessment_record, incident_close
from config.errors import Blocked
from incidents.models import EntryKind, Incident, LogEntry
from incidents.reopen import incident_reopen
from tests.factories import UserFactory, complete_answers, make_incident
from thrive.returns import assessment_return

pytestmark = pytest.mark.django_db


def recipients(alert: Alert) -> set[str]:
    return set(AlertRecipient.objects.filter(alert=alert).values_list("supervisor__username", flat=True))


@pytest.fixture
def alerted(blue_handler, sup_a, sup_red):
    """A high-risk incident whose alert went to Ada (on watch); Rex, another team's, is on watch too."""
    watch_start(supervisor=sup_a)
    watch_start(supervisor=sup_red)
    incident = make_incident(handler=blue_handler, assessed=True, risk_level="high")
    return Alert.objects.get(incident=incident)


def test_closing_settles_the_open_alert_and_it_never_escalates(alerted, blue_handler, sup_a, sup_red):
    incident_close(incident=alerted.incident, actor=blue_handler, closure_code="crime_recorded")
    alerted.refresh_from_db()
    assert alerted.settled_by == blue_handler
    assert alerted.settled_at is not None
    assert alerted.acknowledged_at is None
    assert not alerted.is_open
    # Ten minutes on (and an hour): nobody else is called to a closed incident.
    assert alert_escalate_due(now=alerted.raised_at + timedelta(minutes=10)) == 0
    assert alert_escalate_due(now=alerted.raised_at + timedelta(hours=1)) == 0
    alerted.refresh_from_db()
    assert alerted.escalated_at is None
    assert recipients(alerted) == {"sup_a"}
    # Off the queues, off "open" in the API; the record stays.
    assert alert_panel(sup_a, now=timezone.now()).waiting == []
    assert list(alert_list_for_user(sup_a, status="open")) == []
    assert list(alert_list_for_user(sup_a)) == [alerted]
    entry = LogEntry.objects.filter(incident=alerted.incident, kind=EntryKind.ALERT).order_by("-id").first()
    assert "settled: the incident was closed by Hal Handler" in entry.text


def test_a_settled_alert_cannot_be_acknowledged_or_decided(alerted, blue_handler, sup_a):
    incident_close(incident=alerted.incident, actor=blue_handler, closure_code="crime_recorded")
    with pytest.raises(Blocked) as refused:
        alert_acknowledge(alert=alerted, actor=sup_a)
    assert refused.value.code == "incident_closed"
    with pytest.raises(Blocked):
        alert_decide(alert=alerted, actor=sup_a, decision="no_change", note="Too late.")
    alerted.refresh_from_db()
    assert (alerted.acknowledged_at, alerted.decided_at) == (None, None)


def test_an_owned_alert_stays_its_owners_to_decide_after_the_close(alerted, blue_handler, sup_a):
    alert_acknowledge(alert=alerted, actor=sup_a)
    incident_close(incident=alerted.incident, actor=blue_handler, closure_code="crime_recorded")
    alerted.refresh_from_db()
    assert alerted.settled_at is None
    assert [a.pk for a in alert_panel(sup_a, now=timezone.now()).mine] == [alerted.pk]
    decided = alert_decide(alert=alerted, actor=sup_a, decision="advised", note="Closed after advice.")
    assert decided.decided_at is not None


def test_the_sweep_skips_a_closed_incidents_alert_even_if_unsettled(alerted, blue_handler):
    """An alert left open on a closed incident by any other route (data from before this
    rule) is skipped by the sweep's own look at the incident."""
    incident_close(incident=alerted.incident, actor=blue_handler, closure_code="crime_recorded")
    Alert.objects.filter(pk=alerted.pk).update(settled_at=None, settled_by=None)
    assert alert_escalate_due(now=alerted.raised_at + timedelta(minutes=10)) == 0


def test_the_api_and_cad_close_settle_too(api_client_for, blue_handler, sup_a):
    first = Alert.objects.get(incident=make_incident(handler=blue_handler, assessed=True, risk_level="high"))
    answer = api_client_for(blue_handler).post(
        f"/api/incidents/{first.incident.reference}/close/", {"closure_code": "crime_recorded"}, format="json"
    )
    assert answer.status_code == 200, answer.content
    first.refresh_from_db()
    assert first.settled_by == blue_handler

    cad = UserFactory(role=Role.INTEGRATION, username="storm", team=None)
    second_incident = make_incident(handler=blue_handler, assessed=True, risk_level="high")
    Incident.objects.filter(pk=second_incident.pk).update(cad_ref="ST-42")
    answer = api_client_for(cad).post(
        "/api/cad/incidents/ST-42/close/", {"closure_code": "crime_recorded"}, format="json"
    )
    assert answer.status_code == 200, answer.content
    second = Alert.objects.get(incident=second_incident)
    assert second.settled_by == cad
    assert alert_escalate_due(now=timezone.now() + timedelta(minutes=11)) == 0


def test_the_report_counts_and_lists_the_settled_alert(alerted, blue_handler, supervisor_client):
    incident_close(incident=alerted.incident, actor=blue_handler, closure_code="crime_recorded")
    row = alert_report(today=timezone.localdate())[0]
    assert (row.raised, row.acknowledged, row.settled, row.unacknowledged) == (1, 0, 1, 0)
    page = supervisor_client.get(f"/alerts/report/?month={timezone.localdate():%Y-%m}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Settled by the close" in html
    assert "Nobody: settled when Hal Handler closed the incident" in html


def test_a_late_high_risk_version_on_a_closed_incident_raises_no_alert(blue_handler, sup_a):
    closed = make_incident(handler=blue_handler, closed=True)
    assessment_return(
        assessment=closed.assessments.get(),
        actor=sup_a,
        reason="poor_quality",
        sections=["prevention"],
        feedback="Say what advice was given.",
    )
    late = assessment_record(
        incident=closed, author=blue_handler, data=complete_answers(risk_level="high"), submit=True
    )
    assert late.late
    assert not Alert.objects.filter(incident=closed, assessment_version=late.version).exists()
    assert not Alert.objects.filter(live_q(), incident=closed).exists()


def test_a_reopened_incident_alerts_again_on_a_high_risk_and_when_its_rethrive_is_overdue(alerted, blue_handler, sup_a):
    incident = alerted.incident
    incident_close(incident=incident, actor=blue_handler, closure_code="crime_recorded")
    reopened = incident_reopen(incident=incident, actor=sup_a, reason="Caller rang back: he is outside again.")
    # The re-THRIVE due at reopening, missed by an hour: the sweep alerts.
    assert alert_raise_overdue(now=reopened.rethrive_due_at + timedelta(minutes=61)) == 1
    assert Alert.objects.filter(incident=incident, reason=Reason.RETHRIVE_OVERDUE, settled_at=None).exists()
    # A high risk after the reopening alerts afresh: the settled alert does not stand for it.
    assessment_record(incident=incident, author=blue_handler, data=complete_answers(risk_level="high"), submit=True)
    live = Alert.objects.filter(incident=incident, reason=Reason.HIGH_RISK, settled_at=None)
    assert live.count() == 1
    assert live.get().assessment_version == 2
