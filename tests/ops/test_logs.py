"""Structured JSON logs (issue 17): one JSON object per line with a request id that travels
into the Celery task the request published, and no victim's details in any log.

What is grepped (docs/DEPLOYMENT.md "Logs"): the logs of a representative journey, captured
at INFO (more than the suite's WARNING) from this process and from a real Celery worker:
an incident, a victim linked with name, number, address and postcode, a search carrying the
name in its query string, a refused number, an assessment whose text the worker sends, the
incident page. None of the victim's details may appear in either log."""

import io
import json
import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from django.conf import settings

from config.celery import app
from config.logs import json_formatter
from tests.factories import UserFactory
from tests.victims.conftest import _test_database_url, texting_answers, wait_for
from victims.models import Text, TextStatus

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(__file__).resolve().parents[2]
VICTIM = {
    "name": "Zebedee Quintrell-Marsh",
    "phone": "07700 900987",
    "address": "17 Quillwort Lane, Ambridge",
    "postcode": "ZZ9 9ZQ",
    "date_of_birth": "1984-02-29",
}
# Every way the victim's details could be written down.
FORBIDDEN = [
    "Zebedee",
    "Quintrell",
    "Quillwort",
    "ZZ9 9ZQ",
    "ZZ99ZQ",
    "07700 900987",
    "07700900987",
    "+447700900987",
    "7700900987",
    "900987",
    "1984-02-29",
]


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Every record of this process, at INFO and above, rendered as the settings render them."""
    stream = io.StringIO()
    options = json_formatter()
    options.pop("()")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(**options))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


@pytest.fixture
def info_worker(django_db_setup: Any) -> Iterator[tuple[str, Path]]:
    """A real Celery worker logging at INFO (console gateway) into a file of its own."""
    queue = f"thrive-test-logs-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    name = f"{queue}@localhost"
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"{queue}.log"
    env = {
        **os.environ,
        "REDIS_URL": settings.REDIS_URL,
        "DATABASE_URL": _test_database_url(),
        "DB_CONN_MAX_AGE": "0",
        "CELERY_QUEUE": queue,
        "THRIVE_TESTING": "true",
        "TEXT_GATEWAY": "console",
        "LOG_LEVEL": "INFO",
    }
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue, "-n", name),
                *("--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    old_queue = app.conf.task_default_queue
    try:
        assert wait_for(lambda: app.control.ping(destination=[name], timeout=1.0), timeout=90), log_path.read_text()
        app.conf.task_default_queue = queue
        yield name, log_path
    finally:
        app.conf.task_default_queue = old_queue
        process.terminate()
        process.wait(timeout=30)
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        client.delete(queue)
        client.close()


def _json_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_a_journey_logs_json_with_the_request_id_into_the_task_and_no_victim_details(
    captured_logs, info_worker, api_client_for, client_for
):
    _, worker_log = info_worker
    handler = UserFactory(handler=True)
    api = api_client_for(handler)
    created = api.post(
        "/api/incidents/",
        {"channel": "999", "category": "burglary_dwelling", "grading": "priority", "summary": "s", "location": "l"},
        format="json",
    )
    assert created.status_code == 201, created.content
    ref = created.json()["reference"]
    linked = api.post(f"/api/incidents/{ref}/victims/", VICTIM, format="json")
    assert linked.status_code == 201, linked.content
    refused = api.post(f"/api/incidents/{ref}/victims/", {**VICTIM, "phone": "0770 090098712345"}, format="json")
    assert refused.status_code == 400
    page = client_for(handler)
    assert page.get(f"/incidents/?q={VICTIM['name']}&phone={VICTIM['phone']}").status_code == 200
    submitted = api.post(
        f"/api/incidents/{ref}/assessments/", {"submit": True, **texting_answers(VICTIM["phone"])}, format="json"
    )
    assert submitted.status_code == 201, submitted.content
    text = Text.objects.get(incident__reference=ref)
    assert wait_for(lambda: Text.objects.get(pk=text.pk).status == TextStatus.SENT, timeout=60), worker_log.read_text()
    assert page.get(f"/incidents/{ref}/").status_code == 200

    ours = captured_logs.getvalue()
    lines = _json_lines(ours)
    assert lines
    assert all(line.startswith("{") for line in ours.splitlines() if line.strip())  # every line is JSON
    started = [line for line in lines if line.get("event") == "request_started"]
    assert started
    assert all(line.get("request_id") for line in started)
    # A query string never reaches the log.
    assert all("?" not in line.get("request", "") for line in lines)
    submit_id = next(
        line["request_id"] for line in started if line["request"] == f"POST /api/incidents/{ref}/assessments/"
    )

    def worker_lines() -> list[dict[str, Any]]:
        return [line for line in _json_lines(worker_log.read_text()) if line.get("request_id") == submit_id]

    # The text task the submission published ran in the worker under the submission's request id.
    carried = wait_for(lambda: [line for line in worker_lines() if line.get("event") == "task_succeeded"], timeout=20)
    assert carried, worker_log.read_text()[-3000:]
    assert carried[0]["task_id"]

    everything = ours + worker_log.read_text()
    for detail in FORBIDDEN:
        assert detail.lower() not in everything.lower(), detail
