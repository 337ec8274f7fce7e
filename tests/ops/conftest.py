"""Fixtures for the operations tests: a redis-server of the test's own (to stop and start),
a real Celery worker on it whose heartbeat the readiness check reads, and /metrics access."""

from collections.abc import Iterator
from typing import Any

import pytest

from config.celery import app
from tests.victims.conftest import RedisServer, Worker

METRICS_TOKEN = "scrape-token-for-tests"


@pytest.fixture
def metrics_settings(settings: Any) -> str:
    settings.METRICS_TOKEN = METRICS_TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    return METRICS_TOKEN


def scrape(client: Any, token: str = METRICS_TOKEN) -> dict[str, float]:
    """GET /metrics and read its samples: {'name{labels}': value}."""
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content[:300]
    samples = {}
    for line in response.content.decode().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def _forget_producers() -> None:
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def redis_and_worker(django_db_setup: Any, settings: Any) -> Iterator[tuple[RedisServer, Worker]]:
    """Our own redis-server (the broker and the Redis /health/ready asks), and one worker on
    it; this process publishes there too, so a stop is an outage for all three."""
    server = RedisServer()
    server.start()
    old_broker, old_queue = app.conf.broker_url, app.conf.task_default_queue
    settings.REDIS_URL = server.url
    _forget_producers()
    app.conf.broker_url = server.url
    worker = Worker(gateway="console", notify_url="http://127.0.0.1:9", redis_url=server.url)
    try:
        worker.wait_ready()
        app.conf.task_default_queue = worker.queue
        yield server, worker
    finally:
        worker.stop()
        server.stop()
        _forget_producers()
        app.conf.broker_url = old_broker
        app.conf.task_default_queue = old_queue
