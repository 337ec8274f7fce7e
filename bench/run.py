# ruff: noqa: S608 - fixed commands and SQL over this module's own table names
"""`make bench`: build or reuse the benchmark database, serve the app under gunicorn as in
production, measure each page against its reference with locust, and write
docs/BENCHMARKS.md and docs/benchmarks.json (issue 8).

    .venv/bin/python bench/run.py [--small]

Environment: BENCH_INCIDENTS (default 200000; --small 20000), BENCH_YEARS (5), BENCH_DURATION
(seconds per scenario, 20), BENCH_USERS (10), BENCH_DB (thrive_bench), BENCH_PG
(postgres://postgres@127.0.0.1:5432), BENCH_REDIS (redis://127.0.0.1:6379/8), BENCH_PORT (8765),
BENCH_TEXTS (texts to send through one worker, 1500); the open-loop peak on several nodes
(bench/peak.py): BENCH_PEAK=0 to skip it, BENCH_PEAK_RATE (calls an hour, 7700; --small 1800),
BENCH_PEAK_SECONDS (600; --small 60), BENCH_PEAK_TEXT_BURST (0); BENCH_SKIP_CPU=1 (leave out
bench/cpu.py's in-process CPU per page against bare_signed and a bare Django project).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the bench package and the apps from the checkout

from bench.common import OUT, env, load_average  # noqa: E402
from bench.cpu import in_bench as cpu_in_bench  # noqa: E402
from bench.database import Database  # noqa: E402
from bench.load import Load  # noqa: E402
from bench.report import machine, report_dir, write_reports  # noqa: E402
from bench.server import Server  # noqa: E402
from bench.verdict import analytics_targets, cpu_targets  # noqa: E402


class Bench(Database, Server, Load):
    """One run: its settings from the environment, the results as they come. The steps live in
    bench/database.py, bench/server.py, bench/load.py and bench/report.py."""

    def __init__(self, small: bool) -> None:
        self.small = small
        self.incidents = int(env("BENCH_INCIDENTS", "20000" if small else "200000"))
        self.years = float(env("BENCH_YEARS", "1" if small else "5"))
        self.duration = int(env("BENCH_DURATION", "10" if small else "20"))
        self.users = int(env("BENCH_USERS", "10"))
        self.db = env("BENCH_DB", "thrive_bench")
        self.pg = env("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
        self.redis = env("BENCH_REDIS", "redis://127.0.0.1:6379/8")
        self.port = int(env("BENCH_PORT", "8765"))
        self.text_count = int(env("BENCH_TEXTS", "300" if small else "1500"))
        self.database_url = f"{self.pg}/{self.db}"
        self.static = Path(tempfile.mkdtemp(prefix="thrive-bench-static-"))
        self.access_log = OUT / "access.log"
        # The production command's pool (Dockerfile, docker-compose.yml) unless told otherwise.
        self.workers = int(env("BENCH_WORKERS", "3"))
        self.threads = int(env("BENCH_THREADS", "4"))
        self.results: dict[str, Any] = {"scenarios": {}, "references": {}, "notes": []}
        self.env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis,
            "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "BENCH_STATIC_ROOT": str(self.static),
            "CELERY_QUEUE": "bench_texts",
            "LOG_LEVEL": "WARNING",
        }
        OUT.mkdir(parents=True, exist_ok=True)

    # --- the whole run ------------------------------------------------------------------

    def summary_sweep(self, scenario: str) -> None:
        """What the beat's summary sweep (qa.tasks.summary_sweep, every minute) does in a live
        deployment: the earlier scenarios' closes and submissions on incidents opened in a
        settled month marked it dirty; build it, as the sweep would within a minute."""
        from qa.summary_build import months_to_build, summaries_refresh

        waiting = len(months_to_build())
        if waiting:
            built = summaries_refresh(limit=waiting)
            self.results["notes"].append(
                f"Before {scenario}: {built} months of the monthly summary rebuilt (marked dirty by the scenarios "
                "before it), as the beat's sweep would."
            )

    def run(self) -> None:
        started = time.monotonic()
        self.results["started"] = datetime.now(UTC).isoformat(timespec="seconds")
        self.results["load_at_start"] = load_average()
        self.database()
        self.django()
        plan = self.plan()
        self.results["incidents"] = self.incidents
        self.results["years"] = self.years
        server = self.serve()
        try:
            for scenario in self.scenarios:
                if scenario in SUMMARY_READERS:
                    self.summary_sweep(scenario)
                print(f"bench: {scenario} ({self.duration}s, {self.users} users, load {load_average()})", flush=True)
                self.results["scenarios"][scenario] = self.locust(plan, scenario)
                self.drain()
                print(f"        {self.results['scenarios'][scenario]}", flush=True)
        finally:
            server.terminate()
            server.wait(30)
            shutil.rmtree(self.static, ignore_errors=True)
        analytics_targets(self.results, years=self.years, incidents=self.incidents)
        if not env("BENCH_SCENARIOS", ""):
            print("bench: the dashboard's bare SQL", flush=True)
            self.dashboard_sql()
            print("bench: the repeat-victim check", flush=True)
            self.repeat_check()
        if env("BENCH_SKIP_CPU", "") != "1":
            print("bench: CPU per request in-process, against bare_signed (bench/cpu.py)", flush=True)
            self.results["cpu"] = cpu_in_bench(self.env)
            cpu_targets(self.results, self.results["cpu"])
        if env("BENCH_SKIP_TEXTS", "") != "1":
            print("bench: texts through one worker", flush=True)
            self.texts()
        if env("BENCH_PEAK", "1") != "0":
            from bench.peak import peak_for_bench

            print("bench: the peak, open loop, on two servers and three workers", flush=True)
            peak_for_bench(self)
        self.results["seconds"] = round(time.monotonic() - started)
        self.results["machine"] = machine()
        self.results["users"] = self.users
        self.results["workers"], self.results["threads"] = self.workers, self.threads
        self.results["duration"] = self.duration
        self.results["counts"] = {
            table: int(self.psql(f"SELECT count(*) FROM {table}"))
            for table in ("incidents_incident", "incidents_logentry", "thrive_assessment", "victims_victim",
                          "victims_text", "qa_review")
        }  # fmt: skip
        write_reports(self.results, report_dir(self.small))


# The scenarios that read the monthly summary (qa.summary).
SUMMARY_READERS = {"qa_dashboard", "api_qa_monthly", "compliance"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="20,000 incidents over a year, 10 s per scenario")
    args = parser.parse_args()
    Bench(small=args.small).run()


if __name__ == "__main__":
    main()
