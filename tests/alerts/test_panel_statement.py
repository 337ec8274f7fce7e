"""The alert panel read through its compiled statement (alerts.selectors.alert_panel): the same
alerts, counts and joined rows as its query run through the ORM, for a supervisor with a team
and one without, in one query."""

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts import selectors
from alerts.models import Alert, AlertRecipient
from alerts.services import alert_acknowledge
from tests.factories import UserFactory, make_incident

pytestmark = pytest.mark.django_db


def _alert(handler) -> Alert:
    return Alert.objects.get(incident=make_incident(handler=handler, assessed=True, risk_level="high"))


def _orm(user, now):
    since = now - selectors.OWNED_SHOWN_FOR
    return list(selectors._panel(user.pk, since, user.team_id, length=selectors.PANEL_LENGTH))


def _same(panel, expected) -> None:
    rows = [*panel.waiting, *panel.mine, *panel.taken]
    assert sorted(a.pk for a in rows) == sorted(a.pk for a in expected)
    assert panel.waiting_total == (expected[0].open_total if expected else 0)
    by_pk = {a.pk: a for a in expected}
    for alert in rows:
        assert alert.incident.reference == by_pk[alert.pk].incident.reference
        assert Alert.incident.field.is_cached(alert)
        assert Alert.team.field.is_cached(alert)


def test_a_supervisor_with_a_team_sees_the_teams_and_their_own(blue_handler, sup_a, sup_b, django_assert_num_queries):
    alerts = [_alert(blue_handler) for _ in range(4)]
    alert_acknowledge(alert=alerts[0], actor=sup_b)  # taken by a colleague: shown, who owns it
    alert_acknowledge(alert=alerts[1], actor=sup_a)  # theirs, without a decision yet
    now = timezone.now()
    with django_assert_num_queries(1):
        panel = selectors.alert_panel(sup_a, now=now)
        names = [a.acknowledged_by.display_name for a in panel.taken]
    _same(panel, _orm(sup_a, now))
    assert [a.pk for a in panel.waiting] == [alerts[2].pk, alerts[3].pk]
    assert [a.pk for a in panel.mine] == [alerts[1].pk]
    assert [a.pk for a in panel.taken] == [alerts[0].pk]
    assert names == ["Bea Supervisor"]
    assert panel.waiting_total == 2


def test_a_supervisor_without_a_team_sees_only_what_was_sent_to_them(blue_handler, sup_a):
    lone = UserFactory(supervisor=True, team=None)
    sent, other = _alert(blue_handler), _alert(blue_handler)
    AlertRecipient.objects.create(alert=sent, supervisor=lone, sent_at=timezone.now())
    now = timezone.now()
    panel = selectors.alert_panel(lone, now=now)
    _same(panel, _orm(lone, now))
    assert [a.pk for a in panel.waiting] == [sent.pk]
    assert panel.waiting_total == 1
    # The team's supervisor sees both; a later hour no longer shows what was taken long ago.
    assert {a.pk for a in selectors.alert_panel(sup_a, now=now).waiting} == {sent.pk, other.pk}
    alert_acknowledge(alert=other, actor=sup_a)
    later = now + selectors.OWNED_SHOWN_FOR + timedelta(minutes=1)
    UserFactory(supervisor=True, team=sup_a.team)  # a colleague: taken alerts are theirs to read too
    assert other.pk in [a.pk for a in selectors.alert_panel(sup_a, now=later).mine]
    _same(selectors.alert_panel(sup_a, now=later), _orm(sup_a, later))


def test_the_panels_length_is_read_when_it_is_drawn(blue_handler, sup_a, monkeypatch):
    alerts = [_alert(blue_handler) for _ in range(4)]
    monkeypatch.setattr(selectors, "PANEL_LENGTH", 2)
    panel = selectors.alert_panel(sup_a, now=timezone.now())
    assert [a.pk for a in panel.waiting] == [alerts[0].pk, alerts[1].pk]
    assert panel.waiting_total == 4
