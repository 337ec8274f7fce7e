"""/metrics (issue 17): the Prometheus format behind a bearer token and/or a network rule;
requests and latency by view, texts by status, the oldest queued text's age, re-THRIVEs
overdue, lockouts; webhook events once that outbox exists; a fixed number of queries."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from ops import selectors
from ops.models import WorkerHeartbeat
from tests.factories import make_incident
from tests.ops.conftest import METRICS_TOKEN, scrape
from victims.models import Text

pytestmark = pytest.mark.django_db


def _texts(incident, statuses):
    assessment = incident.assessments.get()
    now = timezone.now()
    # One text per assessment: give each its own incident's assessment.
    return [
        Text.objects.create(
            incident=incident,
            assessment=assessment,
            created_by=incident.handler,
            phone="+447700900123",
            link="https://example.org",
            body="b",
            status=status,
            next_attempt_at=now,
            sent_at=now if status in {"sent", "delivered"} else None,
        )
        for status in statuses
    ]


def _world(n: int = 1) -> None:
    for i in range(n):
        incident = make_incident(assessed=True)
        _texts(incident, ["queued" if i % 2 == 0 else "failed"])
        Text.objects.filter(incident=incident).update(created_at=timezone.now() - timedelta(minutes=10 + i))


def test_metrics_is_off_without_a_token_or_network(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = []
    assert client.get("/metrics").status_code == 404


def test_metrics_wants_the_bearer_token(client, metrics_settings):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics")["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Token {METRICS_TOKEN}").status_code == 401
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")


def test_a_network_rule_alone_lets_its_scrapers_in(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1").status_code == 403


def test_token_and_network_together_need_both(client, metrics_settings, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    auth = f"Bearer {METRICS_TOKEN}"
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION=auth).status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1", HTTP_AUTHORIZATION=auth).status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 401


def test_the_figures(client, metrics_settings, settings, handler_client):
    # A real worker started by an earlier test may still write its heartbeat here: none, for
    # the "-1: never" figure below (the deletion is rolled back with the test).
    WorkerHeartbeat.objects.all().delete()
    _world(3)  # two queued (10 and 12 minutes old), one failed
    make_incident(opened_at=timezone.now() - timedelta(hours=20), assessed=True)  # overdue a re-THRIVE
    AccessAttempt.objects.create(
        username="locked.out",
        ip_address="192.0.2.7",
        user_agent="x",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        attempt_time=timezone.now(),
    )
    handler_client.get("/incidents/")
    samples = scrape(client)
    assert samples['thrive_texts{status="queued"}'] == 2
    assert samples['thrive_texts{status="failed"}'] == 1
    assert samples['thrive_texts{status="sent"}'] == 0
    assert 12 * 60 <= samples["thrive_oldest_queued_text_age_seconds"] < 13 * 60
    assert samples["thrive_rethrive_overdue"] == selectors.rethrive_overdue_count(timezone.now()) >= 1
    assert samples["thrive_login_lockouts"] == 1
    assert samples["thrive_worker_heartbeat_age_seconds"] == -1
    # django-prometheus: requests and latency by view.
    assert any(
        name.startswith("django_http_requests_total_by_view_transport_method_total{")
        and 'view="incidents:incident-list"' in name
        for name in samples
    )
    assert any(name.startswith("django_http_requests_latency_seconds_by_view_method_bucket{") for name in samples)
    # The webhook outbox has not landed: its figures are left out, nothing fails.
    assert not any(name.startswith("thrive_webhook_events") for name in samples)


def test_webhook_figures_appear_when_the_model_exists(client, metrics_settings, settings, monkeypatch):
    # Any model with status and created_at stands in for the webhook outbox here (the real
    # one is tests/ops/test_webhook_events.py's, where the webhooks app is installed).
    settings.OPS_WEBHOOK_EVENT_MODEL = "victims.Text"
    monkeypatch.setattr(selectors, "WEBHOOK_PENDING", ("queued",))
    _world(2)
    samples = scrape(client)
    assert samples['thrive_webhook_events{status="queued"}'] == 1
    assert samples['thrive_webhook_events{status="failed"}'] == 1
    assert samples["thrive_oldest_pending_webhook_event_age_seconds"] >= 10 * 60


@pytest.mark.parametrize("rows", [1, 30])
def test_the_scrape_costs_the_same_few_queries_however_many_rows(
    client, metrics_settings, django_assert_max_num_queries, rows
):
    _world(rows)
    # Four, and one more for the webhook deliveries where that outbox is installed.
    with django_assert_max_num_queries(4 + (selectors.webhook_event_model() is not None)):
        scrape(client)
