"""Rule 13 through the services: raising, who it goes to, acknowledging, deciding, escalating."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from alerts.models import Alert, AlertRecipient, Reason
from alerts.selectors import alert_panel
from alerts.services import alert_acknowledge, alert_decide, alert_escalate_due, watch_end, watch_start
from audit.models import AuditEvent
from casework.services import assessment_record
from config.errors import Blocked
from incidents.models import EntryKind, LogEntry
from tests.factories import UserFactory, complete_answers, make_incident

pytestmark = pytest.mark.django_db


def recipients(alert: Alert) -> set[str]:
    return set(AlertRecipient.objects.filter(alert=alert).values_list("supervisor__username", flat=True))


def alert_entries(incident) -> list[str]:
    return list(LogEntry.objects.filter(incident=incident, kind=EntryKind.ALERT).values_list("text", flat=True))


def test_a_high_risk_submission_alerts_the_teams_supervisors_on_watch(blue_handler, sup_a, sup_b, sup_red):
    watch_start(supervisor=sup_a)
    watch_start(supervisor=sup_red)
    incident = make_incident(handler=blue_handler, assessed=True, risk_level="high")
    alert = Alert.objects.get(incident=incident)
    assert alert.reason == Reason.HIGH_RISK
    assert alert.assessment_version == 1
    # On watch and of the team: Ada. Bea is off watch; Rex is another team's.
    assert recipients(alert) == {"sup_a"}
    assert "Sent to the team's supervisors on watch: Ada Supervisor." in alert_entries(incident)[0]


@pytest.mark.parametrize("risk_level", ["medium", "standard"])
def test_a_lower_risk_raises_no_alert(blue_handler, sup_a, risk_level):
    incident = make_incident(handler=blue_handler, assessed=True, risk_level=risk_level)
    assert not Alert.objects.filter(incident=incident).exists()


def test_a_draft_raises_no_alert(blue_handler, sup_a):
    incident = make_incident(handler=blue_handler)
    assessment_record(incident=incident, author=blue_handler, data=complete_answers(risk_level="high"), submit=False)
    assert not Alert.objects.exists()


def test_the_alert_is_raised_in_the_submissions_transaction(blue_handler, sup_a):
    """A refused submission (incomplete) raises nothing: the alert is written with the version."""
    incident = make_incident(handler=blue_handler)
    with pytest.raises(ValidationError):
        assessment_record(
            incident=incident, author=blue_handler, data=complete_answers(risk_level="high", harm=""), submit=True
        )
    assert not Alert.objects.exists()


def test_when_no_team_supervisor_is_on_watch_every_supervisor_on_watch_gets_it(blue_handler, sup_a, sup_red):
    watch_start(supervisor=sup_red)
    alert = Alert.objects.get(incident=make_incident(handler=blue_handler, assessed=True, risk_level="high"))
    assert recipients(alert) == {"sup_red"}
    assert alert.sent_to == "every supervisor on watch (none of the team's is)"


def test_when_nobody_is_on_watch_the_teams_supervisors_get_it(blue_handler, sup_a, sup_b, sup_red):
    alert = Alert.objects.get(incident=make_incident(handler=blue_handler, assessed=True, risk_level="high"))
    assert recipients(alert) == {"sup_a", "sup_b"}
    assert alert.sent_to == "the team's supervisors (nobody is on watch)"


def test_a_team_without_supervisors_and_nobody_on_watch_still_reaches_every_supervisor(red, sup_a):
    lone = UserFactory(handler=True, team=None)
    alert = Alert.objects.get(incident=make_incident(handler=lone, assessed=True, risk_level="high"))
    assert "sup_a" in recipients(alert)


def test_a_second_high_risk_version_while_the_first_alert_is_open_raises_no_second(blue_handler, sup_a):
    incident = make_incident(handler=blue_handler, assessed=True, versions=2, risk_level="high")
    assert Alert.objects.filter(incident=incident).count() == 1


def test_a_high_risk_version_after_the_alert_was_acknowledged_raises_a_new_one(blue_handler, sup_a):
    incident = make_incident(handler=blue_handler, assessed=True, risk_level="high")
    alert_acknowledge(alert=Alert.objects.get(incident=incident), actor=sup_a)
    assessment_record(incident=incident, author=blue_handler, data=complete_answers(risk_level="high"), submit=True)
    assert list(
        Alert.objects.filter(incident=incident).order_by("id").values_list("assessment_version", flat=True)
    ) == [
        1,
        2,
    ]


def test_the_first_to_acknowledge_owns_it_and_the_second_is_told_who(blue_handler, sup_a, sup_b):
    alert = Alert.objects.get(incident=make_incident(handler=blue_handler, assessed=True, risk_level="high"))
    alert_acknowledge(alert=alert, actor=sup_b)
    with pytest.raises(Blocked) as refused:
        alert_acknowledge(alert=alert, actor=sup_a)
    assert refused.value.code == "already_acknowledged"
    assert "Bea Supervisor acknowledged this alert at" in refused.value.message
    alert.refresh_from_db()
    assert alert.acknowledged_by == sup_b
    # Logged on the incident and audited, once.
    assert any("acknowledged by Bea Supervisor" in t for t in alert_entries(alert.incident))
    assert AuditEvent.objects.filter(object_type="alert", object_id=str(alert.pk), actor_username="sup_b").count() == 1
    # The owner acknowledging again changes nothing.
    again = alert_acknowledge(alert=alert, actor=sup_b)
    assert again.acknowledged_at == alert.acknowledged_at
    assert AuditEvent.objects.filter(object_type="alert", object_id=str(alert.pk)).count() == 1


def test_the_owner_records_a_decision_once_logged_and_audited(blue_handler, sup_a, sup_b):
    alert = Alert.objects.get(incident=make_incident(handler=blue_handler, assessed=True, risk_level="high"))
    alert_acknowledge(alert=alert, actor=sup_a)
    with pytest.raises(Blocked) as not_theirs:
        alert_decide(alert=alert, actor=sup_b, decision="advised", note="Spoke to Hal.")
    assert not_theirs.value.code == "already_acknowledged"
    decided = alert_decide(alert=alert, actor=sup_a, decision="resource_sent", note="Upgraded to immediate; unit 4.")
    assert decided.decision == "resource_sent"
    assert any(
        "Sent or upgraded a resource. Upgraded to immediate; unit 4." in t for t in alert_entries(alert.incident)
    )
    assert AuditEvent.objects.filter(object_type="alert", description__startswith="decision:").count() == 1
    with pytest.raises(Blocked) as twice:
        alert_decide(alert=alert, actor=sup_a, decision="advised", note="Again.")
    assert twice.value.code == "already_decided"


@pytest.mark.parametrize(
    ("decision", "note", "field"),
    [("", "Did things.", "decision"), ("made_up", "Did things.", "decision"), ("advised", "  ", "note"),
     ("advised", "x" * 2001, "note"), ("advised", "bad\x00note", "note")],
)  # fmt: skip
def test_a_bad_decision_names_the_field_and_saves_nothing(blue_handler, sup_a, decision, note, field):
    alert = Alert.objects.get(incident=make_incident(handler=blue_handler, assessed=True, risk_level="high"))
    with pytest.raises(ValidationError) as refused:
        alert_decide(alert=alert, actor=sup_a, decision=decision, note=note)
    assert field in refused.value.message_dict
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    assert alert.decided_at is None


def test_deciding_an_unacknowledged_alert_acknowledges_it(blue_handler, sup_a):
    alert = Alert.objects.get(incident=make_incident(handler=blue_handler, assessed=True, risk_level="high"))
    decided = alert_decide(alert=alert, actor=sup_a, decision="no_change", note="Risk reviewed with Hal.")
    assert decided.acknowledged_by == sup_a
    assert decided.decided_at == decided.acknowledged_at


def test_unacknowledged_after_ten_minutes_it_goes_to_every_supervisor_on_watch(blue_handler, sup_a, sup_b, sup_red):
    watch_start(supervisor=sup_a)
    watch_start(supervisor=sup_red)
    alert = Alert.objects.get(incident=make_incident(handler=blue_handler, assessed=True, risk_level="high"))
    assert recipients(alert) == {"sup_a"}
    # The clock moved on 9 minutes 59 seconds: not yet.
    assert alert_escalate_due(now=alert.raised_at + timedelta(minutes=9, seconds=59)) == 0
    assert recipients(alert) == {"sup_a"}
    # Ten minutes: every supervisor on watch (Rex, of another team), once.
    assert alert_escalate_due(now=alert.raised_at + timedelta(minutes=10)) == 1
    assert recipients(alert) == {"sup_a", "sup_red"}
    assert alert_escalate_due(now=alert.raised_at + timedelta(minutes=11)) == 0
    alert.refresh_from_db()
    assert alert.escalated_at == alert.raised_at + timedelta(minutes=10)
    assert any(
        "unacknowledged after 10 min: sent to every supervisor on watch" in t for t in alert_entries(alert.incident)
    )
    assert [a.pk for a in alert_panel(sup_red, now=timezone.now()).waiting] == [alert.pk]


def test_the_escalation_time_is_a_setting(settings, blue_handler, sup_a, sup_red):
    settings.ALERT_ESCALATE_MINUTES = 3
    alert = Alert.objects.get(incident=make_incident(handler=blue_handler, assessed=True, risk_level="high"))
    assert alert_escalate_due(now=alert.raised_at + timedelta(minutes=3)) == 1


def test_an_acknowledged_alert_never_escalates(blue_handler, sup_a, sup_red):
    alert = Alert.objects.get(incident=make_incident(handler=blue_handler, assessed=True, risk_level="high"))
    alert_acknowledge(alert=alert, actor=sup_a)
    assert alert_escalate_due(now=alert.raised_at + timedelta(hours=1)) == 0


def test_escalation_with_nobody_on_watch_goes_to_every_supervisor(blue_handler, sup_a, sup_red):
    alert = Alert.objects.get(incident=make_incident(handler=blue_handler, assessed=True, risk_level="high"))
    alert_escalate_due(now=alert.raised_at + timedelta(minutes=10))
    assert recipients(alert) == {"sup_a", "sup_red"}


def test_coming_on_watch_brings_the_teams_open_alerts(blue_handler, sup_a, sup_b, sup_red):
    watch_start(supervisor=sup_a)
    alert = Alert.objects.get(incident=make_incident(handler=blue_handler, assessed=True, risk_level="high"))
    assert "sup_b" not in recipients(alert)
    watch_start(supervisor=sup_b)
    assert "sup_b" in recipients(alert)
    # Another team's supervisor gets it only once it has gone to everyone on watch.
    watch_start(supervisor=sup_red)
    assert "sup_red" not in recipients(alert)


def test_a_watch_starts_once_ends_and_lapses(settings, sup_a):
    first = watch_start(supervisor=sup_a)
    assert watch_start(supervisor=sup_a).pk == first.pk
    assert watch_end(supervisor=sup_a).pk == first.pk
    assert watch_end(supervisor=sup_a) is None
    # A watch nobody ended stops counting after WATCH_MAX_HOURS.
    from alerts.selectors import supervisors_on_watch

    second = watch_start(supervisor=sup_a)
    assert list(supervisors_on_watch(timezone.now())) == [sup_a]
    assert list(supervisors_on_watch(second.started_at + timedelta(hours=settings.WATCH_MAX_HOURS))) == []
    assert AuditEvent.objects.filter(object_type="watch").count() == 3
