"""Fault: a Celery worker killed outright (SIGKILL) while the gateway call for a text is in
flight. Real worker processes on the machine's Redis, the test database, and a local fake
GOV.UK Notify whose answer the test holds back so the kill lands mid-call.

What docs/TEXTS.md promises, and so what is asserted:
- while the dead worker's claim is live (5 minutes), nothing sends the text again: not a new
  worker, not a duplicate message, not the sweep;
- once the claim lapses the sweep hands it to a worker, which sends it, and it ends `sent`
  with one TEXT_SENT entry on the incident;
- the retry asks the gateway first whether it already has the text (by our reference). If
  the gateway had accepted the killed call (a worker killed between the gateway's answer and
  the status write), the retry finds it and records it sent without a second call: the
  victim gets one text. If the call died before the gateway accepted it, the lookup finds
  nothing and the retry sends it: again exactly one.
"""

import json
import os
import signal
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app
from incidents.models import EntryKind
from tests.factories import UserFactory, make_incident
from tests.victims.conftest import NOTIFY_KEY, TEMPLATE_ID, Worker, texting_answers, wait_for
from victims.models import Text, TextStatus
from victims.tasks import text_enqueue, text_sweep

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class HangingNotify:
    """A fake Notify that holds the first SMS request until released. `accept_first` says
    whether that first request counts as accepted (the gateway took it, then the answer was
    lost) or died before the gateway took it. Every later request is accepted at once. A
    lookup by reference (GET, what a retry asks first) lists the accepted ones."""

    def __init__(self, *, accept_first: bool) -> None:
        self.accepted: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        self.lookups: list[str] = []
        self.holding = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                provider_id = str(uuid.uuid4())
                with fake.lock:
                    fake.received.append(body)
                    first = len(fake.received) == 1
                    if not first or accept_first:
                        fake.accepted.append({**body, "id": provider_id})
                if first:
                    fake.holding.set()
                    fake.release.wait(timeout=60)
                    return  # the worker is dead by now: nobody reads an answer
                payload = json.dumps({"id": provider_id, "reference": body.get("reference"), "content": {}})
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload.encode())

            def do_GET(self) -> None:
                reference = parse_qs(urlsplit(self.path).query).get("reference", [""])[0]
                with fake.lock:
                    fake.lookups.append(reference)
                    found = [
                        {"id": sms["id"], "reference": reference}
                        for sms in fake.accepted
                        if sms.get("reference") == reference
                    ]
                payload = json.dumps({"notifications": found, "links": {}})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload.encode())

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway_settings(settings: Any) -> None:
    settings.TEXT_GATEWAY = "notify"
    settings.NOTIFY_API_KEY = NOTIFY_KEY
    settings.NOTIFY_TEMPLATE_ID = TEMPLATE_ID


@pytest.fixture
def workers() -> Iterator[list[Worker]]:
    """Workers this test starts (on a queue of this process's own); stopped at the end, and
    their queue emptied, whatever happened."""
    started: list[Worker] = []
    old_queue = app.conf.task_default_queue
    yield started
    app.conf.task_default_queue = old_queue
    for worker in started:
        if worker.process.poll() is None:
            worker.stop()
        elif not worker.log.closed:
            worker.log.close()
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    for worker in started:
        client.delete(worker.queue)
    client.close()


def _start(workers: list[Worker], url: str) -> Worker:
    # redis_url given: the queue is "<…>-own", not the session notify worker's queue.
    worker = Worker(gateway="notify", notify_url=url, redis_url=settings.REDIS_URL)
    workers.append(worker)
    worker.wait_ready()
    app.conf.task_default_queue = worker.queue
    return worker


@pytest.mark.parametrize(
    ("accept_first", "calls"),
    [
        pytest.param(False, 2, id="killed-before-the-gateway-accepted"),
        pytest.param(True, 1, id="killed-after-the-gateway-accepted"),
    ],
)
def test_a_worker_killed_mid_send(
    accept_first: bool, calls: int, gateway_settings: None, workers: list[Worker], api_client_for: Any
) -> None:
    fake = HangingNotify(accept_first=accept_first)
    try:
        first = _start(workers, fake.url)
        handler = UserFactory(handler=True)
        incident = make_incident(handler=handler)
        response = api_client_for(handler).post(
            f"/api/incidents/{incident.reference}/assessments/", {"submit": True, **texting_answers()}, format="json"
        )
        assert response.status_code == 201, response.content
        text = Text.objects.get(incident=incident)

        # The worker claimed the text and is inside the gateway call: kill it there.
        assert fake.holding.wait(timeout=60), first.log.name
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait(timeout=10)
        fake.release.set()

        text.refresh_from_db()
        assert text.status == TextStatus.QUEUED
        assert text.claimed_until is not None
        assert text.claimed_until > timezone.now()  # the dead worker's claim still holds

        # A new worker, a duplicate message and the sweep, all while the claim is live:
        # nothing calls the gateway again.
        second = _start(workers, fake.url)
        text_enqueue(text_id=text.pk)
        assert text_sweep() == 0  # the live claim keeps it out of the sweep
        text_enqueue(text_id=text.pk)
        wait_for(lambda: False, timeout=2)  # solo worker: both messages have run by now
        assert len(fake.received) == 1
        assert Text.objects.get(pk=text.pk).status == TextStatus.QUEUED

        # The claim lapses (5 minutes on): the sweep enqueues it and the new worker asks the
        # gateway for it, then sends it only if the gateway does not have it.
        later = timezone.now() + timedelta(minutes=6)
        Text.objects.filter(pk=text.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
        assert text_sweep(now=later) == 1
        assert wait_for(lambda: Text.objects.get(pk=text.pk).status == TextStatus.SENT), second.log.name

        text.refresh_from_db()
        assert text.provider_id
        assert fake.lookups == [str(text.pk)]  # the retry asked first
        assert len(fake.received) == calls  # a second send only when the gateway had none
        assert len(fake.accepted) == 1  # what reaches the victim's phone: one text
        assert text.provider_id == fake.accepted[0]["id"]
        assert all(sms["reference"] == str(text.pk) for sms in fake.received)
        assert incident.entries.filter(kind=EntryKind.TEXT_SENT).count() == 1

        # Nothing later sends it again: a late redelivery finds it sent.
        text_enqueue(text_id=text.pk)
        wait_for(lambda: False, timeout=1.5)
        assert len(fake.received) == calls
    finally:
        fake.close()
