"""Rule 13's API: GET /api/alerts/, POST /api/alerts/{id}/acknowledge/ and .../decision/,
supervisors only."""

import pytest

from alerts.models import Alert
from alerts.services import alert_acknowledge
from tests.factories import make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(blue_handler, sup_a) -> Alert:
    return Alert.objects.get(incident=make_incident(handler=blue_handler, assessed=True, risk_level="high"))


def test_a_supervisor_lists_their_alerts(api_client_for, sup_a, alert):
    response = api_client_for(sup_a).get("/api/alerts/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["id"] == alert.pk
    assert row["incident"] == alert.incident.reference
    assert row["reason"] == "high_risk"
    assert row["reason_label"] == "High-risk assessment"
    assert row["team"] == "Blue Watch"
    assert row["acknowledged_by"] is None
    assert api_client_for(sup_a).get("/api/alerts/", {"status": "acknowledged"}).json()["count"] == 0
    assert api_client_for(sup_a).get("/api/alerts/", {"status": "open"}).json()["count"] == 1


def test_a_bad_status_filter_is_a_400_naming_it(api_client_for, sup_a):
    response = api_client_for(sup_a).get("/api/alerts/", {"status": "closed"})
    assert response.status_code == 400
    assert "status" in response.json()


def test_acknowledge_then_the_second_is_409_naming_the_owner(api_client_for, sup_a, sup_b, alert):
    first = api_client_for(sup_b).post(f"/api/alerts/{alert.pk}/acknowledge/")
    assert first.status_code == 200
    assert first.json()["acknowledged_by"] == "sup_b"
    second = api_client_for(sup_a).post(f"/api/alerts/{alert.pk}/acknowledge/")
    assert second.status_code == 409
    assert second.json()["code"] == "already_acknowledged"
    assert second.json()["acknowledged_by"] == "sup_b"
    assert "Bea Supervisor" in second.json()["detail"]


def test_the_owner_records_the_decision(api_client_for, sup_a, alert):
    alert_acknowledge(alert=alert, actor=sup_a)
    client = api_client_for(sup_a)
    bad = client.post(f"/api/alerts/{alert.pk}/decision/", {"decision": "shrugged", "note": ""}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()) == {"decision", "note"}
    done = client.post(
        f"/api/alerts/{alert.pk}/decision/", {"decision": "regraded", "note": "Now immediate."}, format="json"
    )
    assert done.status_code == 200
    assert done.json()["decision_label"] == "Changed the grading"
    again = client.post(f"/api/alerts/{alert.pk}/decision/", {"decision": "regraded", "note": "x"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_decided"


@pytest.mark.parametrize("role", ["handler", "trainer", "analyst", "admin"])
def test_only_supervisors_are_let_in(api_client_for, alert, role):
    """(A superuser passes every role check, as everywhere in accounts.roles; an
    administrator who is not one is refused.)"""
    from tests.factories import UserFactory

    client = api_client_for(UserFactory(**{role: True}, is_superuser=False))
    assert client.get("/api/alerts/").status_code == 403
    assert client.post(f"/api/alerts/{alert.pk}/acknowledge/").status_code == 403
    assert client.post(f"/api/alerts/{alert.pk}/decision/", {}, format="json").status_code == 403


def test_anonymous_is_401(client, alert):
    assert client.get("/api/alerts/").status_code == 401
    assert client.post(f"/api/alerts/{alert.pk}/acknowledge/").status_code == 401


def test_an_alert_not_for_the_supervisor_is_404(api_client_for, sup_red, sup_a, blue_handler):
    from alerts.services import watch_start

    watch_start(supervisor=sup_a)
    alert = Alert.objects.get(incident=make_incident(handler=blue_handler, assessed=True, risk_level="high"))
    client = api_client_for(sup_red)
    assert client.post(f"/api/alerts/{alert.pk}/acknowledge/").status_code == 404
    assert client.post("/api/alerts/999999/acknowledge/").status_code == 404
    assert client.get("/api/alerts/").json()["count"] == 0
