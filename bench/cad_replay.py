# ruff: noqa: S603, S608 - fixed commands and SQL over this module's own table names
"""Replay a day of a large force's calls through the CAD API at N times real speed, with a
local webhook receiver, and report what arrived (issue 16; docs/INTEGRATION.md, "An adapter
example", and docs/BENCHMARKS.md, "CAD replay").

    .venv/bin/python bench/cad_replay.py --calls 4000 --speed 20

It serves the app under gunicorn (3 workers x 4 threads, DEBUG off) against PostgreSQL with a
real Celery worker, starts a receiver that verifies every signature with `standardwebhooks`,
subscribes it as an administrator, makes the adapter's account and the call takers with
`import_staff` and their tokens with POST /api/auth/token/, replays each call (bench.cad_day,
bench.cad_adapter), waits for the outbox to drain and writes var/bench/cad_replay.json and
.txt. It exits 1 on any lost event, duplicated closure, 5xx, bad signature or unfinished call.

The database is CAD_REPLAY_DATABASE_URL, else DATABASE_URL (migrated first unless
--no-migrate); Redis is REDIS_URL. Each run's CAD references are new (a prefix from the
clock), so a database can be replayed into again.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the bench package from the checkout

import requests  # noqa: E402
from standardwebhooks import Webhook  # noqa: E402

from bench.cad_adapter import Adapter  # noqa: E402
from bench.cad_day import call_takers, day  # noqa: E402
from bench.cad_receiver import Receiver  # noqa: E402
from bench.cad_report import report, write  # noqa: E402
from bench.common import OUT, VENV, load_average  # noqa: E402
from bench.database import Database  # noqa: E402
from bench.server import Server  # noqa: E402

EVENTS = ["assessment.submitted", "assessment.returned", "incident.closed", "incident.rethrive_overdue"]


@dataclass
class Options:
    calls: int = 4000
    speed: float = 20.0
    seed: int = 1
    takers: int = 60
    database_url: str = ""
    redis_url: str = ""
    port: int = 8766
    migrate: bool = True
    fail_rate: float = 0.01  # first arrivals the receiver answers 503 (retries exercised)
    fast_retries: bool = False  # the worker retries after 1-2 s instead of 30 s and up
    drain_timeout: float = 900.0
    worker_threads: int = 16
    adapter_threads: int = 48
    out: Path = OUT
    docs: bool = False  # rewrite the "CAD replay" figures in docs/BENCHMARKS.md


class Replay(Database, Server):
    """Reuses make bench's database helpers (psql, manage) and its gunicorn (serve)."""

    collect_static = False  # the API alone: bench/settings.py's BENCH_STATIC_PLAIN

    def __init__(self, options: Options) -> None:
        self.options = options
        self.database_url = options.database_url
        self.port = options.port
        self.workers, self.threads = 3, 4
        options.out.mkdir(parents=True, exist_ok=True)
        self.access_log = options.out / "cad_replay_access.log"
        self.queue = f"cad_replay_{os.getpid()}"
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": options.database_url,
            "REDIS_URL": options.redis_url,
            "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
            "DEBUG": "false",
            "THRIVE_TESTING": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "BENCH_STATIC_PLAIN": "1",
            "CELERY_QUEUE": self.queue,
            "LOG_LEVEL": "WARNING",
            "WEBHOOK_HTTP_HOSTS": "127.0.0.1,localhost",
        }
        if options.fast_retries:
            self.env.update({"WEBHOOK_RETRY_BASE_SECONDS": "1", "WEBHOOK_RETRY_CEILING_SECONDS": "2"})
        self.env.pop("DJANGO_SETTINGS_MODULE", None)

    # --- set-up -------------------------------------------------------------------------

    def worker(self) -> subprocess.Popen:
        return subprocess.Popen(
            [str(VENV / "celery"), "-A", "config", "worker", "--loglevel", "WARNING", "--pool", "threads",
             "--concurrency", str(self.options.worker_threads), "-Q", self.queue, "-n", f"{self.queue}@localhost",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env={**self.env, "DJANGO_SETTINGS_MODULE": "config.settings"},
            stdout=(self.options.out / "cad_replay_worker.log").open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip

    def accounts(self) -> tuple[str, str, dict[str, str]]:
        """The administrator, the adapter's account and the call takers, by import_staff (as a
        force would), and a token each by POST /api/auth/token/: (admin, cad, {taker: token})."""
        password = secrets.token_urlsafe(18)
        rows = ["username,full_name,email,role,team,password",
                f"replay-admin,Replay administrator,,admin,,{password}",
                f"replay-cad,Replay CAD adapter,,integration,,{password}"]  # fmt: skip
        for name, shift in call_takers(self.options.takers):
            rows.append(f"{name},Call taker {name[-3:]},,call_handler,Replay watch {'ABC'[shift]},{password}")
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as handle:
            handle.write("\n".join(rows) + "\n")
        try:
            self.manage("import_staff", handle.name, settings="config.settings")
        finally:
            os.unlink(handle.name)

        def token(username: str) -> str:
            answer = requests.post(f"{self.base}/api/auth/token/", json={"username": username, "password": password},
                                   timeout=60)  # fmt: skip
            answer.raise_for_status()
            return answer.json()["token"]

        names = [name for name, _ in call_takers(self.options.takers)]
        with ThreadPoolExecutor(max_workers=6) as pool:  # each sign-in is a deliberately slow hash
            takers = dict(zip(names, pool.map(token, names), strict=True))
        return token("replay-admin"), token("replay-cad"), takers

    def subscribe(self, admin: str, receiver: Receiver) -> int:
        answer = requests.post(
            f"{self.base}/api/webhooks/", headers={"Authorization": f"Token {admin}"}, timeout=30,
            json={"url": receiver.url, "events": EVENTS, "description": "cad_replay receiver"},
        )  # fmt: skip
        answer.raise_for_status()
        receiver.hook = Webhook(answer.json()["secret"])
        return answer.json()["id"]

    # --- the run ------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        options = self.options
        results: dict[str, Any] = {"started": datetime.now(UTC).isoformat(timespec="seconds"),
                                   "load_at_start": load_average(), "options": _plain(options)}  # fmt: skip
        if options.migrate:
            self.manage("migrate", "-v0", settings="config.settings")
        server = self.serve()
        worker = self.worker()
        try:
            with Receiver(fail_rate=options.fail_rate, seed=options.seed) as receiver:
                admin, cad, takers = self.accounts()
                subscription = self.subscribe(admin, receiver)
                prefix = "R" + datetime.now(UTC).strftime("%m%d%H%M%S")
                calls = day(calls=options.calls, seed=options.seed, prefix=prefix, takers=options.takers)
                span = max(c.at + c.steps[-1][0] for c in calls)
                adapter = Adapter(base_url=self.base, cad_token=cad, taker_tokens=takers, speed=options.speed,
                                  threads=options.adapter_threads)  # fmt: skip
                print(f"cad_replay: {len(calls)} calls ({prefix}/...) at "
                      f"{options.speed:g}x: about {span / options.speed / 60:.1f} min", flush=True)  # fmt: skip
                results["load_during"] = []
                results["replay_seconds"] = adapter.run(calls, progress=lambda a, s: _progress(a, s, results))
                results["load_after_replay"] = load_average()
                drained = self.drain_outbox(subscription, adapter, receiver)
                results["drain_seconds"] = drained
                results["database"] = self.database_checks(subscription, prefix)
                results.update(report(calls, adapter, receiver, results))
                self.unsubscribe(admin, subscription)
        finally:
            for process in (worker, server):
                process.terminate()
            for process in (worker, server):
                process.wait(60)
        results["load_at_end"] = load_average()
        write(results, options.out, docs=options.docs)
        return results

    def drain_outbox(self, subscription: int, adapter: Adapter, receiver: Receiver) -> float | None:
        """Wait until no delivery to the receiver is pending; the seconds it took (None: timed out)."""
        started = time.monotonic()
        while time.monotonic() - started < self.options.drain_timeout:
            pending = int(self.psql(f"SELECT count(*) FROM webhooks_delivery WHERE subscription_id = {subscription} "
                                    "AND status = 'pending'"))  # fmt: skip
            if not pending:
                return round(time.monotonic() - started, 1)
            time.sleep(1)
        return None

    def database_checks(self, subscription: int, prefix: str) -> dict[str, Any]:
        like = f"'{prefix}/%'"
        counts = self.psql(
            f"SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'failed'), "
            f"count(*) FILTER (WHERE status = 'delivered'), count(*) FROM webhooks_delivery "
            f"WHERE subscription_id = {subscription}"
        ).split("|")
        closed_twice = self.psql(
            "SELECT count(*) FROM (SELECT e.incident_id FROM incidents_logentry e JOIN incidents_incident i "
            f"ON i.id = e.incident_id WHERE i.cad_ref LIKE {like} AND e.kind = 'closed' GROUP BY e.incident_id "
            "HAVING count(*) > 1) twice"
        )
        incidents = self.psql(
            f"SELECT count(*), count(*) FILTER (WHERE status = 'closed') FROM incidents_incident "
            f"WHERE cad_ref LIKE {like}"
        ).split("|")
        return {
            "deliveries_pending": int(counts[0]), "deliveries_failed": int(counts[1]),
            "deliveries_delivered": int(counts[2]), "deliveries": int(counts[3]),
            "incidents_closed_twice": int(closed_twice), "incidents": int(incidents[0]),
            "incidents_closed": int(incidents[1]),
        }  # fmt: skip

    def unsubscribe(self, admin: str, subscription: int) -> None:
        """Nothing more goes to a receiver that is about to stop."""
        requests.delete(f"{self.base}/api/webhooks/{subscription}/", headers={"Authorization": f"Token {admin}"},
                        timeout=30)  # fmt: skip


def _progress(adapter: Adapter, seconds: float, results: dict[str, Any]) -> None:
    load = load_average()
    results["load_during"].append(load)
    print(f"cad_replay: {seconds / 60:.1f} min, {len(adapter.requests)} requests, {len(adapter.closed)} closed, "
          f"{adapter.open_calls} calls open, load {load}", flush=True)  # fmt: skip


def _plain(options: Options) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(options).items() if k != "database_url"}


def replay(options: Options) -> dict[str, Any]:
    return Replay(options).run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=4000, help="calls in the day (4000)")
    parser.add_argument("--speed", type=float, default=20.0, help="times real speed (20: a day in 72 minutes)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--takers", type=int, default=60, help="call takers over the three shifts (60)")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--no-migrate", action="store_true")
    parser.add_argument("--fail-rate", type=float, default=0.01, help="first arrivals answered 503 (0.01)")
    parser.add_argument("--fast-retries", action="store_true", help="worker retries after 1-2 s, not 30 s and up")
    parser.add_argument("--drain-timeout", type=float, default=900.0)
    parser.add_argument("--docs", action="store_true", help="write the figures into docs/BENCHMARKS.md")
    args = parser.parse_args()
    database_url = os.environ.get("CAD_REPLAY_DATABASE_URL") or os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    if not database_url or not redis_url:
        raise SystemExit("Set DATABASE_URL (or CAD_REPLAY_DATABASE_URL) and REDIS_URL")
    results = replay(
        Options(calls=args.calls, speed=args.speed, seed=args.seed, takers=args.takers, port=args.port,
                database_url=database_url, redis_url=redis_url, migrate=not args.no_migrate,
                fail_rate=args.fail_rate, fast_retries=args.fast_retries, drain_timeout=args.drain_timeout,
                docs=args.docs)
    )  # fmt: skip
    print(results["text"])
    sys.exit(0 if results["passed"] else 1)


if __name__ == "__main__":
    main()
