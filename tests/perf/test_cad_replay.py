"""The CAD replay (bench/cad_replay.py, issue 16) end to end at a small scale: gunicorn and a
real Celery worker against the test database, a local receiver verifying every signature with
`standardwebhooks`, three dozen calls replayed at 3,000 times real speed (a day in 30 s). The
receiver refuses a share of first tries, so retries with the same webhook-id happen too."""

import json
import socket

import pytest
from django.conf import settings

from bench.cad_replay import Options, replay


def database_url() -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{db.get('USER') or 'postgres'}{password}@{host}:{port}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_short_replay_delivers_every_event_and_closes_each_incident_once(tmp_path):
    results = replay(
        Options(
            calls=36,
            speed=3000,
            takers=4,
            database_url=database_url(),
            redis_url=settings.REDIS_URL,
            port=free_port(),
            migrate=False,
            fail_rate=0.15,
            fast_retries=True,
            drain_timeout=120,
            out=tmp_path,
        )
    )

    assert results["passed"], results["text"]
    assert results["calls_completed"] == 36
    assert results["database"]["incidents"] == results["database"]["incidents_closed"] == 36
    # Every submitted assessment and every close became an event, and each arrived.
    assert results["events_expected"] >= 36 + 30
    assert results["events_received"] == results["events_expected"]
    assert results["lost"] == 0
    assert results["duplicated_closures"] == 0
    assert results["database"]["incidents_closed_twice"] == 0
    assert results["bad_signatures"] == 0
    assert results["retries"] > 0  # refused tries came again with their webhook-id
    assert results["database"]["deliveries_pending"] == results["database"]["deliveries_failed"] == 0
    assert sum(e["5xx"] for e in results["endpoints"].values()) == 0
    assert results["endpoints"]["POST close"]["requests"] == 36
    saved = json.loads((tmp_path / "cad_replay.json").read_text())
    assert saved["lost"] == 0
    assert "Verdict: **passed**" in (tmp_path / "cad_replay.txt").read_text()
