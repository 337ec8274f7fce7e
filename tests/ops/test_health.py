"""/health/live and /health/ready (issue 17): JSON, no personal data, 503 when not ready.
Done when: stopping Redis turns /health/ready to 503 within 10 s and back to 200 when it
returns, and /metrics shows the queued texts rising meanwhile."""

import json
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from ops import health
from ops.heartbeat import beat
from ops.models import WorkerHeartbeat
from tests.factories import UserFactory, make_incident
from tests.ops.conftest import scrape
from tests.victims.conftest import texting_answers, wait_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _ready(client):
    response = client.get("/health/ready")
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"].startswith("max-age=0")
    return response.status_code, response.json()


def test_live_answers_200_json_without_signing_in(client):
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"process": "ok"}}


def test_ready_without_a_worker_heartbeat_is_503_and_names_the_check(client, settings):
    settings.REDIS_URL = settings.CELERY_BROKER_URL  # the machine's Redis answers
    # A real worker started by an earlier test commits its heartbeat to this database; this
    # test is about none being there (the deletion is rolled back with the test).
    WorkerHeartbeat.objects.all().delete()
    status, body = _ready(client)
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"] == "ok"
    assert body["checks"]["migrations"] == "ok"
    assert body["checks"]["worker"] == "No Celery worker seen recently"


def test_ready_is_200_with_a_fresh_heartbeat_and_503_with_a_stale_one(client, settings):
    settings.REDIS_URL = settings.CELERY_BROKER_URL
    beat("celery@web-test")
    assert _ready(client) == (
        200,
        {"status": "ok", "checks": dict.fromkeys(["database", "migrations", "redis", "worker"], "ok")},
    )
    WorkerHeartbeat.objects.update(last_seen=timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE + 1))
    assert _ready(client)[0] == 503


def test_ready_is_503_while_a_migration_is_not_applied(client, settings):
    settings.REDIS_URL = settings.CELERY_BROKER_URL
    beat("celery@web-test")
    health._migrations_applied = False
    recorder = MigrationRecorder(connection)
    row = recorder.migration_qs.get(app="ops", name="0001_worker_heartbeat")
    row.delete()
    try:
        status, body = _ready(client)
        assert status == 503
        assert body["checks"]["migrations"] == "1 migration(s) not applied"
    finally:
        recorder.record_applied("ops", "0001_worker_heartbeat")
    assert _ready(client)[0] == 200


def test_ready_names_no_person_host_or_record(client, settings):
    settings.REDIS_URL = settings.CELERY_BROKER_URL
    handler = UserFactory(handler=True, username="pat.handler")
    make_incident(handler=handler)
    beat("celery@web-test")
    raw = client.get("/health/ready").content.decode()
    assert set(json.loads(raw)["checks"]) == {"database", "migrations", "redis", "worker"}
    for secret in ("pat.handler", "127.0.0.1", "6379", "web-test", "thrive"):
        assert secret not in raw


def _submit_texting_assessment(api_client, incident):
    response = api_client.post(
        f"/api/incidents/{incident.reference}/assessments/", {"submit": True, **texting_answers()}, format="json"
    )
    assert response.status_code == 201, response.content


def test_stopping_redis_turns_ready_503_within_10s_and_back_while_queued_texts_rise(
    client, redis_and_worker, api_client_for, metrics_settings
):
    server, worker = redis_and_worker
    # The worker's own heartbeat thread (ops/heartbeat.py) wrote its row on start-up.
    assert wait_for(lambda: WorkerHeartbeat.objects.filter(hostname=worker.name).exists(), timeout=15)
    assert wait_for(lambda: _ready(client)[0] == 200, timeout=10), _ready(client)
    handler = UserFactory(handler=True)
    api = api_client_for(handler)
    queued_before = scrape(client)['thrive_texts{status="queued"}']

    server.stop()
    stopped = time.monotonic()
    assert wait_for(lambda: _ready(client)[0] == 503, timeout=10, interval=0.2)
    assert time.monotonic() - stopped <= 10
    _, body = _ready(client)
    assert body["checks"]["redis"].startswith("Unable to connect to Redis")
    assert body["checks"]["database"] == "ok"

    # Meanwhile submissions still succeed; their texts wait in the outbox, and /metrics says so.
    seen = [queued_before]
    for _ in range(3):
        _submit_texting_assessment(api, make_incident(handler=handler))
        seen.append(scrape(client)['thrive_texts{status="queued"}'])
    assert seen == [queued_before + n for n in range(4)], seen
    assert scrape(client)["thrive_oldest_queued_text_age_seconds"] >= 0

    server.start()
    restarted = time.monotonic()
    assert wait_for(lambda: _ready(client)[0] == 200, timeout=10, interval=0.2), _ready(client)
    assert time.monotonic() - restarted <= 10
