# ruff: noqa: S603 - fixed commands and SQL over this module's own table names
"""`make bench`, the load: locust against each page, each dashboard's SQL run bare at the same
concurrency, the repeat-victim check in-process, and texts through one Celery worker."""

import csv
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from bench.common import OUT, ROOT, VENV, load_average, pct


class Load:
    """The load part of bench.run.Bench."""

    def locust(self, plan: Path, scenario: str) -> dict[str, Any]:
        prefix = OUT / f"locust_{scenario}"
        before = load_average()
        offset = self.access_log.stat().st_size if self.access_log.exists() else 0
        subprocess.run(
            [str(VENV / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "-u", str(self.users),
             "-r", str(self.users), "-t", f"{self.duration}s", "--host", f"http://127.0.0.1:{self.port}",
             "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5"],
            cwd=ROOT,
            env={**self.env, "BENCH_PLAN": str(plan), "BENCH_SCENARIO": scenario, "BENCH_USERS": str(self.users)},
            stdout=subprocess.DEVNULL, stderr=(OUT / f"locust_{scenario}.log").open("w"), check=False,
        )  # fmt: skip
        with (prefix.parent / f"{prefix.name}_stats.csv").open() as handle:
            rows = {row["Name"]: row for row in csv.DictReader(handle)}
        row = rows.get(scenario)
        if row is None or int(row["Request Count"]) == 0:
            return {"count": 0, "load": before}
        return {
            "p50": float(row["50%"]), "p95": float(row["95%"]), "p99": float(row["99%"]),
            "rps": round(float(row["Requests/s"]), 1), "count": int(row["Request Count"]),
            "failures": int(row["Failure Count"]), "load": f"{before} → {load_average()}",
            "server": self.server_times(offset),
        }  # fmt: skip

    # --- in-process measurements --------------------------------------------------------

    def dashboard_sql(self) -> None:
        """Each dashboard's aggregate SQL, taken from its selector at run time and run bare (every
        query the selector issues, one after another, as one unit) at the same concurrency."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from qa.compliance import compliance_monthly
        from qa.selectors import QaFilters, qa_monthly

        params = dict(pair.split("=") for pair in self.qa_query.split("&"))
        filters = QaFilters.from_params(params, today=date.today())  # noqa: DTZ011
        for name, selector in (("qa_monthly_sql", qa_monthly), ("compliance_sql", compliance_monthly)):
            with CaptureQueriesContext(connection) as queries:
                selector(filters)
            statements = [q["sql"] for q in queries.captured_queries]
            self.results["references"][name] = {**self.bare_sql(statements), "sql": statements}
            (OUT / f"{name}_plan.txt").write_text("\n\n".join(self.explain(sql) for sql in statements))

    def explain(self, sql: str) -> str:
        command = ["psql", self.database_url, "-Atc", f"EXPLAIN (ANALYZE, BUFFERS) {sql}"]
        return subprocess.run(command, capture_output=True, text=True, check=False).stdout

    def bare_sql(self, statements: list[str]) -> dict[str, Any]:
        import psycopg

        times: list[float] = []
        stop = time.monotonic() + self.duration

        def worker() -> None:
            with psycopg.connect(self.database_url, autocommit=True) as conn:
                while time.monotonic() < stop:
                    started = time.perf_counter()
                    for sql in statements:
                        conn.execute(sql).fetchall()
                    times.append((time.perf_counter() - started) * 1000)

        with ThreadPoolExecutor(self.users) as pool:
            for future in [pool.submit(worker) for _ in range(self.users)]:
                future.result()
        return {
            "p50": round(pct(times, 50), 1), "p95": round(pct(times, 95), 1), "p99": round(pct(times, 99), 1),
            "rps": round(len(times) / self.duration, 1), "count": len(times), "load": load_average(),
        }  # fmt: skip

    def repeat_check(self) -> None:
        """Rule 6's look-up for 500 random victims over the full data, one at a time."""
        from victims.models import Victim
        from victims.services import repeat_check_matches

        ids = list(Victim.objects.order_by("?").values_list("pk", flat=True)[:500])
        times = []
        for victim in Victim.objects.filter(pk__in=ids).select_related("incident"):
            started = time.perf_counter()
            repeat_check_matches(
                incident=victim.incident, phone_e164=victim.phone_e164, name_key=victim.name_key,
                date_of_birth=victim.date_of_birth, household_key=victim.household_key,
            )  # fmt: skip
            times.append((time.perf_counter() - started) * 1000)
        self.results["repeat_check"] = {
            "p50": round(pct(times, 50), 2), "p95": round(pct(times, 95), 2), "p99": round(pct(times, 99), 2),
            "count": len(times), "victims": Victim.objects.count(), "load": load_average(),
        }  # fmt: skip

    # --- texts through one worker ------------------------------------------------------------

    def texts(self) -> None:
        """The compose file's worker (threads, 16) at the production limit; the same worker given
        three times as many texts, so that the limit holds for over a minute in a sliding 60 s; and
        under a limit of 600."""
        runs = [("threads", 16, 3000, self.text_count), ("threads", 16, 3000, 3 * self.text_count)]
        runs.append(("threads", 16, 600, 900))  # half as many again as the limit: it must bind
        self.results["texts"] = [self.text_run(*run) for run in runs]

    def text_run(self, pool: str, concurrency: int, limit: int, count: int) -> dict[str, Any]:
        from django.db.models import Exists, OuterRef
        from django.utils import timezone

        from bench.fake_gateway import API_KEY, TEMPLATE_ID, FakeNotify
        from thrive.models import Assessment, AssessmentStatus
        from victims.models import Text, TextStatus
        from victims.tasks import text_enqueue

        has_text = Text.objects.filter(assessment=OuterRef("pk"))
        assessments = list(
            Assessment.objects.filter(status=AssessmentStatus.SUBMITTED)
            .exclude(Exists(has_text))
            .order_by("-pk")
            .values_list("pk", "incident_id", "author_id")[:count]
        )
        now = timezone.now()
        texts = Text.objects.bulk_create(
            Text(incident_id=incident, assessment_id=pk, created_by_id=author, phone="+447700900123",
                 link="https://www.example-police.uk/advice", body="Bench text https://www.example-police.uk/advice",
                 status=TextStatus.QUEUED, next_attempt_at=now)
            for pk, incident, author in assessments
        )  # fmt: skip
        import redis

        redis.Redis.from_url(self.redis).flushdb()
        for text in texts:
            text_enqueue(text_id=text.pk)
        with FakeNotify(delay=0.05) as fake:
            worker_env = {
                **self.env, "DJANGO_SETTINGS_MODULE": "config.settings", "TEXT_GATEWAY": "notify",
                "NOTIFY_API_KEY": API_KEY, "NOTIFY_TEMPLATE_ID": TEMPLATE_ID, "NOTIFY_BASE_URL": fake.url,
                "TEXT_RATE_LIMIT_PER_MINUTE": str(limit),
            }  # fmt: skip
            worker = subprocess.Popen(
                [str(VENV / "celery"), "-A", "config", "worker", "--loglevel", "WARNING",
                 "--concurrency", str(concurrency), "--pool", pool,
                 "-Q", "bench_texts", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=ROOT, env=worker_env, stdout=(OUT / "worker.log").open("w"), stderr=subprocess.STDOUT,
            )  # fmt: skip
            ids = [t.pk for t in texts]
            deadline = time.monotonic() + max(180, count / limit * 60 * 2)
            try:
                while time.monotonic() < deadline:
                    left = Text.objects.filter(pk__in=ids, status=TextStatus.QUEUED).count()
                    if not left:
                        break
                    time.sleep(2)
            finally:
                worker.terminate()
                worker.wait(30)
            sent = sorted(Text.objects.filter(pk__in=ids, sent_at__isnull=False).values_list("sent_at", flat=True))
            calls = sorted(fake.calls)
        per_minute: dict[str, int] = {}
        for at in sent:
            key = at.strftime("%H:%M")
            per_minute[key] = per_minute.get(key, 0) + 1
        window = 0
        start = 0
        for end in range(len(calls)):  # the most gateway calls in any sliding 60 s
            while calls[end] - calls[start] >= 60:
                start += 1
            window = max(window, end - start + 1)
        span = (sent[-1] - sent[0]).total_seconds() if len(sent) > 1 else 0
        result = {
            "pool": pool, "queued": len(ids), "sent": len(sent), "gateway_calls": len(calls),
            "per_minute": round(len(sent) / span * 60) if span else None,
            "max_in_a_calendar_minute": max(per_minute.values()) if per_minute else 0,
            "max_in_any_60s": window, "limit_per_minute": limit, "worker_concurrency": concurrency,
            "load": load_average(),
        }  # fmt: skip
        # Leave the benchmark database as it was: these texts (and their log lines) were the benchmark's own.
        from incidents.models import LogEntry

        LogEntry.objects.filter(at__gte=now, kind__in=["text_sent", "text_failed"]).delete()
        Text.objects.filter(pk__in=ids).delete()
        print(f"        {result}", flush=True)
        return result
