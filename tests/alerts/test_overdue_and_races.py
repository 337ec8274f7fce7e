"""Rule 13's other two doors: the re-THRIVE sweep's hour-overdue alert, and two supervisors
acknowledging at the same moment (real threads, real row locks)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from alerts.models import Alert, Reason
from alerts.services import alert_acknowledge, alert_raise_overdue
from config.errors import Blocked
from incidents.models import EntryKind, LogEntry
from tests.factories import complete_answers, make_incident
from thrive.tasks import rethrive_sweep


@pytest.mark.django_db
def test_the_rethrive_sweep_alerts_on_an_incident_an_hour_overdue_once(blue_handler, sup_a):
    now = timezone.now()
    # Due 3 h 30 min after opening: one is 61 minutes overdue, the other 59.
    late = make_incident(handler=blue_handler, opened_at=now - timedelta(minutes=210 + 61))
    nearly = make_incident(handler=blue_handler, opened_at=now - timedelta(minutes=210 + 59))
    rethrive_sweep()
    alert = Alert.objects.get()
    assert alert.incident == late
    assert alert.reason == Reason.RETHRIVE_OVERDUE
    assert alert.due_at == late.rethrive_due_at
    assert not Alert.objects.filter(incident=nearly).exists()
    text = LogEntry.objects.get(incident=late, kind=EntryKind.ALERT).text
    assert text.startswith("Supervisors alerted: the re-THRIVE is 1 h 1 min overdue.")
    # The next sweeps raise nothing more for the same due time.
    rethrive_sweep()
    assert alert_raise_overdue(now=now + timedelta(minutes=5)) == 1  # `nearly`, now past the hour
    assert Alert.objects.filter(incident=late).count() == 1


@pytest.mark.django_db
def test_the_overdue_hour_is_a_setting(settings, blue_handler, sup_a):
    settings.ALERT_OVERDUE_MINUTES = 15
    make_incident(handler=blue_handler, opened_at=timezone.now() - timedelta(minutes=210 + 16))
    assert alert_raise_overdue() == 1


@pytest.mark.django_db
def test_a_new_due_time_missed_by_an_hour_alerts_again(blue_handler, sup_a):
    from casework.services import assessment_record

    now = timezone.now()
    incident = make_incident(handler=blue_handler, opened_at=now - timedelta(hours=10))
    assert alert_raise_overdue() == 1
    # A re-THRIVE 8 hours ago: due again 4 h 30 min ago, missed by far more than an hour.
    assessment_record(
        incident=incident,
        author=blue_handler,
        data=complete_answers(risk_level="standard"),
        submit=True,
        submitted_at=now - timedelta(hours=8),
    )
    assert alert_raise_overdue() == 1
    assert Alert.objects.filter(incident=incident).count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_supervisors_acknowledging_at_once_exactly_one_wins(blue_handler, sup_a, sup_b):
    alert = Alert.objects.get(incident=make_incident(handler=blue_handler, assessed=True, risk_level="high"))
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def acknowledge(user) -> None:
        try:
            start.wait()
            alert_acknowledge(alert=alert, actor=user)
            outcomes[user.username] = "won"
        except Blocked as refused:
            outcomes[user.username] = refused.message
        finally:
            connection.close()

    threads = [threading.Thread(target=acknowledge, args=(u,)) for u in (sup_a, sup_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    alert.refresh_from_db()
    winner = alert.acknowledged_by.username
    loser = ({"sup_a", "sup_b"} - {winner}).pop()
    assert outcomes[winner] == "won"
    assert outcomes[loser].startswith(f"{alert.acknowledged_by.display_name} acknowledged this alert at")
    assert (
        LogEntry.objects.filter(incident=alert.incident, kind=EntryKind.ALERT, text__contains="acknowledged").count()
        == 1
    )
