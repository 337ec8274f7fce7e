"""Webhook test support: a real local receiver (http.server in a thread, on a port of its
own that it keeps across a stop and a start), a real Celery worker whose backoff is
compressed (seconds for the hour), and the helpers the tests share. Fixtures are imported
by tests/webhooks/conftest.py and tests/faults/test_webhook_faults.py."""

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.conf import settings

from config.celery import app
from tests.victims.conftest import Worker

# The worker's compressed clock: retries 1 s, 2 s, 2 s, ... for two minutes, a 2 s timeout.
FAST_RETRIES = {
    "WEBHOOK_RETRY_BASE_SECONDS": "1",
    "WEBHOOK_RETRY_CEILING_SECONDS": "2",
    "WEBHOOK_RETRY_PERIOD_SECONDS": "120",
    "WEBHOOK_TIMEOUT_SECONDS": "2",
}


class Receiver:
    """A webhook receiver. Records every POST (headers, body, when); answers the statuses
    queued in `answers` first, then 200; `hang` seconds of silence before answering."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/events"
        self.received: list[dict[str, Any]] = []
        self.answers: list[int] = []
        self.hang = 0.0
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.start()

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                hang = receiver.hang
                with receiver.lock:  # recorded on arrival, answered (or not) after the hang
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    receiver.received.append(
                        {
                            "headers": dict(self.headers.items()),
                            "body": body,
                            "status": 0 if hang else status,
                            "path": self.path,
                        }
                    )
                if hang:
                    time.sleep(hang)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Down: nothing listens on the port (connections are refused)."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.answers.clear()
        self.hang = 0.0

    def delivered(self) -> list[dict[str, Any]]:
        """Each request answered 2xx, with its body parsed."""
        with self.lock:
            rows = [r for r in self.received if 200 <= r["status"] < 300]
        return [{**r, "json": json.loads(r["body"]), "id": r["headers"].get("webhook-id")} for r in rows]


@pytest.fixture(scope="session")
def receiver_server() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def receiver(receiver_server: Receiver) -> Iterator[Receiver]:
    receiver_server.reset()
    if receiver_server.server is None:
        receiver_server.start()
    yield receiver_server
    receiver_server.hang = 0.0


@pytest.fixture
def idle_queue() -> Iterator[str]:
    """Messages a test publishes go to a queue of this process's own that no worker reads."""
    old = app.conf.task_default_queue
    queue = f"thrive-test-webhooks-idle-{os.getpid()}"
    app.conf.task_default_queue = queue
    yield queue
    app.conf.task_default_queue = old


@pytest.fixture(scope="session")
def _webhook_worker(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Worker]:
    """One worker for the session, started after the test database exists and stopped
    before it is dropped; threads, as in production, so a hanging receiver holds one."""
    worker = Worker(
        gateway="console",
        notify_url="http://127.0.0.1:9",
        label="-webhooks",
        pool="threads",
        threads=4,
        extra_env=FAST_RETRIES,
    )
    try:
        worker.wait_ready()
        yield worker
    finally:
        worker.stop()
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        client.delete(worker.queue, f"thrive-test-webhooks-idle-{os.getpid()}")
        client.close()


@pytest.fixture
def webhook_worker(_webhook_worker: Worker, idle_queue: str) -> Iterator[Worker]:
    app.conf.task_default_queue = _webhook_worker.queue
    yield _webhook_worker
    app.conf.task_default_queue = idle_queue
    _settle(_webhook_worker)


def _settle(worker: Worker) -> None:
    """End a test's deliveries before its tables are emptied. A test may stop while the
    worker still posts to a hanging receiver or holds a retry's countdown; the tables are
    truncated next, and a worker writing to them then can deadlock the truncation (CI saw
    it: "couldn't be flushed", and the next test found the last one's users). Nothing is
    left to send, then the worker is waited for until it runs and holds nothing."""
    from webhooks.models import Delivery, DeliveryStatus

    Delivery.objects.filter(status=DeliveryStatus.PENDING).update(status=DeliveryStatus.FAILED)
    assert worker.wait_idle(scheduled=True), f"the webhook worker is still busy; see {worker.log.name}"


def subscribe(url: str, events: list[str] | None = None) -> Any:
    """A subscription made through the service, as the API and admin make one."""
    from tests.factories import UserFactory
    from webhooks.rules import EVENT_TYPES
    from webhooks.services import webhook_subscription_create

    admin = UserFactory(admin=True)
    return webhook_subscription_create(actor=admin, url=url, events=list(events or EVENT_TYPES), channel="command")


def wait_for(predicate: Any, *, timeout: float = 30.0, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return predicate()
