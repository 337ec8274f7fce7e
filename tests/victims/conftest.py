"""Fixtures for victims and texts: a local fake GOV.UK Notify, real Celery workers, and a
way to point the broker at a closed port. The database and Redis are the real ones."""

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]
SERVICE_ID = str(uuid.UUID(int=1))
NOTIFY_KEY = f"thrive_test-{SERVICE_ID}-{uuid.UUID(int=2)}"
TEMPLATE_ID = str(uuid.UUID(int=3))
CALLBACK_TOKEN = "receipt-token-for-tests"


class FakeNotify:
    """Stands in for api.notifications.service.gov.uk: records each SMS request and answers
    201, or with the statuses queued in `fail_with` first. `lose_answers` queues statuses
    answered to texts that were nonetheless accepted (the answer lost on the way back: a
    timeout, a dropped connection). GET /v2/notifications?reference= lists the accepted ones
    with that reference, or answers with the statuses queued in `lookups_fail_with`."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.accepted: dict[str, list[str]] = {}  # reference -> notification ids
        self.lookups: list[str] = []
        self.fail_with: list[int] = []
        self.lose_answers: list[int] = []
        self.lookups_fail_with: list[int] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, answer: dict[str, Any]) -> None:
                if status >= 400:
                    answer = {"status_code": status, "errors": [{"error": "Fake", "message": f"fake {status}"}]}
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                notification = str(uuid.uuid4())
                with fake.lock:
                    fake.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
                    status = fake.fail_with.pop(0) if fake.fail_with else 201
                    if status == 201:
                        fake.accepted.setdefault(str(body.get("reference")), []).append(notification)
                        status = fake.lose_answers.pop(0) if fake.lose_answers else 201
                self._answer(status, {"id": notification, "reference": body.get("reference"), "content": {}})

            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                reference = query.get("reference", [""])[0]
                with fake.lock:
                    fake.lookups.append(reference)
                    status = fake.lookups_fail_with.pop(0) if fake.lookups_fail_with else 200
                    found = [{"id": i, "reference": reference} for i in fake.accepted.get(reference, [])]
                self._answer(status, {"notifications": found, "links": {}})

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def sms_for(self, text_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if r.get("reference") == str(text_id)]

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.accepted.clear()
            self.lookups.clear()
            self.fail_with.clear()
            self.lose_answers.clear()
            self.lookups_fail_with.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def fake_notify_server() -> Iterator[FakeNotify]:
    server = FakeNotify()
    yield server
    server.close()


@pytest.fixture
def fake_notify(fake_notify_server: FakeNotify, settings: Any) -> FakeNotify:
    """The fake, with this process's settings pointing the notify gateway at it."""
    fake_notify_server.reset()
    settings.TEXT_GATEWAY = "notify"
    settings.NOTIFY_API_KEY = NOTIFY_KEY
    settings.NOTIFY_TEMPLATE_ID = TEMPLATE_ID
    settings.NOTIFY_BASE_URL = fake_notify_server.url
    return fake_notify_server


@pytest.fixture(autouse=True)
def _own_queue(settings: Any) -> Iterator[str]:
    """Messages our tests publish go to a queue of this process's own, never the shared
    default, so nobody else's worker picks them up (and ours pick up nothing else)."""
    old = app.conf.task_default_queue
    queue = f"thrive-test-idle-{os.getpid()}"
    app.conf.task_default_queue = queue
    settings.NOTIFY_CALLBACK_TOKEN = CALLBACK_TOKEN
    yield queue
    app.conf.task_default_queue = old


def _test_database_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class Worker:
    def __init__(
        self,
        *,
        gateway: str,
        notify_url: str,
        redis_url: str | None = None,
        pool: str = "solo",
        threads: int = 1,
        label: str = "",
        extra_env: dict[str, str] | None = None,
    ) -> None:
        suffix = f"-{pool}" if pool != "solo" else ""
        self.queue = f"thrive-test-{gateway}{label}-{os.getpid()}{'-own' if redis_url else ''}{suffix}"
        self.name = f"{self.queue}@localhost"
        env = {
            **os.environ,
            "REDIS_URL": redis_url or settings.REDIS_URL,
            "DATABASE_URL": _test_database_url(),
            "DB_CONN_MAX_AGE": "0",  # hold no connection, so the test database can be dropped
            "CELERY_QUEUE": self.queue,
            "THRIVE_TESTING": "true",
            "TEXT_GATEWAY": gateway,
            "NOTIFY_API_KEY": NOTIFY_KEY,
            "NOTIFY_TEMPLATE_ID": TEMPLATE_ID,
            "NOTIFY_BASE_URL": notify_url,
            "LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        }
        self.log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"{self.queue}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "config",
                "worker",
                f"--pool={pool}",
                f"--concurrency={threads}",
                "-Q",
                self.queue,
                "-n",
                self.name,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Celery worker exited; see {self.log.name}")
            if app.control.ping(destination=[self.name], timeout=1.0):
                return
        self.stop()
        raise RuntimeError(f"Celery worker did not answer a ping; see {self.log.name}")

    def wait_idle(self, *, scheduled: bool = False, timeout: float = 20.0) -> bool:
        """Wait until the worker runs nothing (and, with `scheduled`, holds no countdown
        either), so a test's teardown does not empty the tables under a task still writing
        to them. A worker busy in its only thread cannot answer and counts as busy."""
        deadline = time.monotonic() + timeout
        inspect = app.control.inspect(destination=[self.name], timeout=1.0, limit=1)
        while time.monotonic() < deadline:
            active = (inspect.active() or {}).get(self.name)
            waiting = (inspect.scheduled() or {}).get(self.name) if scheduled else []
            if active == [] and waiting == []:
                return True
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture(scope="session")
def _workers(
    django_db_setup: Any, django_db_blocker: Any, fake_notify_server: FakeNotify
) -> Iterator[dict[str, Worker]]:
    """One worker per gateway, started once, after the test database exists, and stopped
    before it is dropped (this fixture depends on django_db_setup, so it ends first)."""
    started: dict[str, Worker] = {}
    try:
        for gateway in ("console", "notify"):
            started[gateway] = Worker(gateway=gateway, notify_url=fake_notify_server.url)
        for worker in started.values():  # started side by side, then waited for
            worker.wait_ready()
        yield started
    finally:
        for worker in started.values():
            worker.stop()
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        for worker in started.values():
            client.delete(worker.queue)
        client.delete(f"thrive-test-idle-{os.getpid()}")
        client.close()


@pytest.fixture
def console_worker(_workers: dict[str, Worker], _own_queue: str) -> Iterator[Worker]:
    worker = _workers["console"]
    app.conf.task_default_queue = worker.queue
    yield worker
    app.conf.task_default_queue = _own_queue
    worker.wait_idle()  # nothing still writing when the tables are emptied


@pytest.fixture
def notify_worker(_workers: dict[str, Worker], fake_notify: FakeNotify, _own_queue: str) -> Iterator[Worker]:
    worker = _workers["notify"]
    app.conf.task_default_queue = worker.queue
    yield worker
    app.conf.task_default_queue = _own_queue
    worker.wait_idle()  # nothing still writing when the tables are emptied


class RedisServer:
    """A redis-server of the test's own on a spare port, to stop and start at will."""

    def __init__(self) -> None:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        try:
            wait_for(lambda: _pings(client), timeout=10, interval=0.05)
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def _pings(client: Any) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


@pytest.fixture
def own_redis(
    fake_notify: FakeNotify, _workers: dict[str, Any], _own_queue: str
) -> Iterator[tuple[RedisServer, Worker]]:
    """A redis-server of our own, with this process publishing to it and a notify worker
    consuming from it. Needs the session's workers only so the test database is set up."""
    server = RedisServer()
    server.start()
    old = app.conf.broker_url
    _reset_producers()
    app.conf.broker_url = server.url
    worker = Worker(gateway="notify", notify_url=fake_notify.url, redis_url=server.url)
    try:
        worker.wait_ready()
        app.conf.task_default_queue = worker.queue
        yield server, worker
    finally:
        worker.stop()
        server.stop()
        _reset_producers()
        app.conf.broker_url = old
        app.conf.task_default_queue = _own_queue


def _reset_producers() -> None:
    # Forget the cached pools so the next publish connects to the broker URL set now. The
    # old pools stay open: kombu keeps them in its own registry, keyed by URL, for reuse.
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_down() -> Iterator[None]:
    """Point this process's producer at a port nothing listens on, as in a Redis outage."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    old = app.conf.broker_url
    _reset_producers()
    app.conf.broker_url = f"redis://127.0.0.1:{closed_port}/0"
    try:
        yield
    finally:
        _reset_producers()
        app.conf.broker_url = old


def wait_for(predicate: Any, *, timeout: float = 30.0, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return predicate()


def texting_answers(phone: str = "07700 900123") -> dict[str, Any]:
    from tests.factories import complete_answers

    return complete_answers(
        prevention={"send_link": True, "safe_to_text_confirmed": True, "phone": phone, "link_not_sent_reason": ""}
    )
