# ruff: noqa: S603, S607, S608 - fixed commands and SQL over the benchmark's own databases
"""In-process CPU per request of every handler, supervisor and analyst page, as a ratio to
`bare_signed`, and `bare_signed` as a ratio to the same page in a bare Django project (issue 18).

    DATABASE_URL=postgres://.../thrive_bench .venv/bin/python -m bench.cpu [--small] [--runs 7]
        [--number 20] [--out DIR] [--only page,page] [--profile PAGE] [--middleware]

Each request goes through Django's WSGI handler in this process, as gunicorn would hand it over
(bench.settings: DEBUG off, manifest static files, the product's middleware), with a signed-in
session cookie and a CSRF cookie, and is timed with time.process_time: this process's CPU,
the ORM and psycopg included, the wait for PostgreSQL and Redis not, so that the rest of a busy
machine does not count. A run asks each page `--number` times and keeps the mean; the runs
alternate the pages (and the bare project, which runs in a child process with its own settings
and its own database on the same PostgreSQL), so all see the same machine. Reported: the best
and the median run of each page, in ms, and their ratios to bare_signed's.

--profile PAGE prints a cProfile of that page's requests; --middleware measures bare_signed with
each middleware that can be left out taken out in turn.

Writes benchmarks.json's "cpu" and a section at the end of BENCHMARKS.md in --out (default:
docs/, or var/bench/ with --small, as bench/report.py does). `make bench` runs it after locust.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.common import OUT, ROOT, VENV, load_average

# Issue 18's targets.
PAGE_TARGET = 2.5  # every handler and supervisor page, CPU, at most this times bare_signed
FLOOR_TARGET = 1.5  # bare_signed at most this times the bare project's page
CSRF_COOKIE = "BenchCsrfSecretBenchCsrfSecret12"  # a 32-character secret, as a browser would carry
BARE_SUFFIX = "_bare"


def defaults() -> None:
    """The environment a production process has (as bench/run.py gives gunicorn)."""
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("CELERY_QUEUE", "bench_texts")


# --- driving requests through the WSGI handler -------------------------------------------


class Driver:
    """Requests through one WSGIHandler, timed in this process's CPU."""

    def __init__(self) -> None:
        from django.core.handlers.wsgi import WSGIHandler

        self.handler = WSGIHandler()

    def environ(self, url: str, session: str) -> dict[str, Any]:
        parts = urlsplit(url)
        return {
            "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": parts.path, "QUERY_STRING": parts.query,
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1", "HTTP_USER_AGENT": "bench.cpu",
            "HTTP_ACCEPT": "text/html", "HTTP_COOKIE": f"sessionid={session}; csrftoken={CSRF_COOKIE}",
            "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http", "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
        }  # fmt: skip

    def get(self, url: str, session: str) -> tuple[str, int]:
        status: list[str] = []
        result = self.handler(self.environ(url, session), lambda s, h, *a: status.append(s))
        try:
            size = sum(len(chunk) for chunk in result)
        finally:
            result.close()  # request_finished: what gunicorn does after the last byte
        return status[0], size

    def timed(self, urls: list[str], session: str, number: int) -> float:
        """Mean CPU seconds per request over `number` requests, cycling through `urls`."""
        took = 0.0
        for i in range(number):
            url = urls[i % len(urls)]
            started = time.process_time()
            self.get(url, session)
            took += time.process_time() - started
        return took / number


# --- the bare project, in a child process --------------------------------------------------


def bare_database(product_url: str) -> str:
    """The bare project's database beside the product's (same server): migrated by the bare
    project, one user, and the incident table's id and reference copied from the product's."""
    url = product_url.rstrip("/") + BARE_SUFFIX
    server, name = url.rsplit("/", 1)
    exists = subprocess.run(
        ["psql", f"{server}/postgres", "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not exists:
        subprocess.run(["psql", f"{server}/postgres", "-qc", f'CREATE DATABASE "{name}"'], check=True)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.bare_project.settings"}
    subprocess.run([str(VENV / "python"), "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    count = subprocess.run(
        ["psql", url, "-Atc", "SELECT count(*) FROM pg_tables WHERE tablename = 'incidents_incident'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if count == "0":
        subprocess.run(["psql", url, "-qc", "CREATE TABLE incidents_incident (id bigint PRIMARY KEY, "
                        "reference varchar(32) UNIQUE NOT NULL)"], check=True)  # fmt: skip
        dump = subprocess.run(
            ["psql", product_url, "-Atc", "COPY (SELECT id, reference FROM incidents_incident) TO STDOUT"],
            capture_output=True, check=True,
        ).stdout  # fmt: skip
        subprocess.run(["psql", url, "-qc", "COPY incidents_incident FROM STDIN"], input=dump, check=True)
        subprocess.run(["psql", url, "-qc", "VACUUM ANALYZE incidents_incident"], check=True)
    return url


def bare_child(runs: int, number: int, ids: list[int]) -> None:
    """The child: sign a user in, then answer "run" on stdin with one run's mean on stdout."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    user, _ = User.objects.get_or_create(username="bare")
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.set_expiry(4 * 3600)
    store.create()
    driver = Driver()
    urls = [f"/__bench__/signed/?id={i}" for i in ids]
    status, _ = driver.get(urls[0], store.session_key)
    if not status.startswith("200"):
        raise SystemExit(f"the bare project's page answered {status}")
    driver.timed(urls, store.session_key, number)  # warm
    print("READY", flush=True)
    for line in sys.stdin:
        if line.strip() == "run":
            print(f"RUN {driver.timed(urls, store.session_key, number)}", flush=True)
        elif line.strip() == "profile":
            print_profile(lambda: driver.timed(urls, store.session_key, number * 5), sys.stderr)
            print("RUN 0", flush=True)


# --- the pages ----------------------------------------------------------------------------


def pages() -> dict[str, dict[str, Any]]:
    """Every page measured: who asks for it and which URLs (several where the page is per
    incident, so that no one incident's cache decides the figure). The group says whose
    page it is: the 2.5x target is for handlers' and supervisors' pages."""
    from django.db.models import Count

    from accounts.models import Role, User
    from incidents.models import Incident
    from thrive.models import Assessment, AssessmentStatus

    handler = (
        User.objects.filter(role=Role.CALL_HANDLER, team__isnull=False)
        .annotate(n=Count("incidents_owned"))
        .order_by("-n", "username")
        .first()
    )
    supervisor = User.objects.get(role=Role.SUPERVISOR, team=handler.team_id)
    analyst = User.objects.filter(role=Role.ANALYST).order_by("username").first()
    mine = Incident.objects.filter(handler=handler).order_by("-opened_at")
    refs = list(mine.values_list("reference", flat=True)[:20])
    open_refs = list(mine.filter(status="open").values_list("reference", flat=True)[:20]) or refs
    # The incident with the longest history: BENCH_LONG_INCIDENT, or the one with the most
    # timeline entries among the newest 5,000 (a full count would read every entry at 7.5 M).
    long_ref = os.environ.get("BENCH_LONG_INCIDENT") or (
        Incident.objects.filter(
            pk__gte=(Incident.objects.order_by("-pk").values_list("pk", flat=True)[4999:5000].first() or 0)
        )
        .annotate(n=Count("entries"))
        .order_by("-n")
        .values_list("reference", flat=True)
        .first()
    )
    review_ids = list(
        Assessment.objects.filter(team=supervisor.team_id, status=AssessmentStatus.SUBMITTED)
        .order_by("-submitted_at")
        .values_list("pk", flat=True)[:20]
    )
    today = date.today()  # noqa: DTZ011 - the analyst's "last twelve months", as bench/database.py
    last = date(today.year, today.month, 1) - timedelta(days=1)
    first = date(last.year - 1, last.month, 1) + timedelta(days=32)
    months = f"from={first:%Y-%m}&to={last:%Y-%m}"
    ids = list(Incident.objects.order_by("?").values_list("pk", flat=True)[:50])
    h, s, a = handler, supervisor, analyst
    spec = {
        "bare_signed": ("reference", h, [f"/__bench__/signed/?id={i}" for i in ids]),
        "handler_home": ("handler", h, ["/"]),
        "incident_form": ("handler", h, ["/incidents/new/"]),
        "incident_list": ("handler", h, ["/incidents/"]),
        "incident_detail": ("handler", h, [f"/incidents/{r}/" for r in refs]),
        "incident_detail_long": ("handler", h, [f"/incidents/{long_ref}/"]),
        "assessment_form": ("handler", h, [f"/thrive/incidents/{r}/assessment/" for r in open_refs]),
        "returned_to_me": ("handler", h, ["/thrive/returned/"]),
        "qa_feedback": ("handler", h, ["/qa/feedback/"]),
        "supervisor_home": ("supervisor", s, ["/"]),
        "supervisor_queue": ("supervisor", s, ["/thrive/reviews/"]),
        "review_detail": ("supervisor", s, [f"/thrive/reviews/{pk}/" for pk in review_ids]),
        "alerts_queue": ("supervisor", s, ["/alerts/"]),
        "dip_samples": ("supervisor", s, ["/qa/samples/"]),
        "overdue_list": ("supervisor", s, ["/incidents/?status=open&overdue=true"]),
        "qa_dashboard": ("analyst", a, [f"/qa/?{months}"]),
        "compliance": ("analyst", a, [f"/qa/compliance/?{months}"]),
        "analyst_home": ("analyst", a, ["/"]),
        "alert_report": ("analyst", a, ["/alerts/report/"]),
    }
    return {name: {"group": g, "user": u, "urls": urls, "ids": ids} for name, (g, u, urls) in spec.items()}


def query_count(driver: Driver, url: str, session: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        driver.get(url, session)
    return len(queries.captured_queries)


def print_profile(func: Callable[[], Any], stream: Any, lines: int = 45) -> None:
    profile = cProfile.Profile(time.process_time)
    profile.runcall(func)
    stats = pstats.Stats(profile, stream=stream)
    stats.sort_stats("cumulative").print_stats(lines)
    stats.sort_stats("tottime").print_stats(25)


# --- the measurement ----------------------------------------------------------------------


def measure(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from bench.database import session_for

    chosen = pages()
    if args.only:
        wanted = {"bare_signed", *args.only.split(",")}
        chosen = {k: v for k, v in chosen.items() if k in wanted}
    sessions = {}
    for spec in chosen.values():
        user = spec["user"]
        if user.pk not in sessions:
            sessions[user.pk] = session_for(user)
        spec["session"] = sessions[user.pk]
    driver = Driver()
    results: dict[str, Any] = {}
    for name, spec in chosen.items():
        status, size = driver.get(spec["urls"][0], spec["session"])
        results[name] = {"group": spec["group"], "url": spec["urls"][0], "status": int(status.split()[0]),
                         "bytes": size, "queries": query_count(driver, spec["urls"][0], spec["session"]),
                         "runs": []}  # fmt: skip
        driver.timed(spec["urls"], spec["session"], 3)  # warm
    if args.profile == "bare":
        child = bare_process(chosen, args)
        child.stdin.write("profile\n")
        child.stdin.flush()
        wait_for(child, "RUN")
        return {}
    if args.profile:
        spec = chosen[args.profile]
        print_profile(lambda: driver.timed(spec["urls"], spec["session"], args.number * 5), sys.stdout)
        return {}
    if args.middleware:
        return middleware_costs(driver, chosen["bare_signed"], args)
    child = None
    if not args.no_bare:
        child = bare_process(chosen, args)
        results["bare"] = {"group": "reference", "url": "/__bench__/signed/ (bench/bare_project)", "status": 200,
                           "runs": []}  # fmt: skip
    load_before = load_average()
    for run in range(args.runs):
        if child:
            child.stdin.write("run\n")
            child.stdin.flush()
            results["bare"]["runs"].append(float(wait_for(child, "RUN")))
        for name, spec in chosen.items():
            results[name]["runs"].append(driver.timed(spec["urls"], spec["session"], args.number))
        print(f"bench.cpu: run {run + 1} of {args.runs} (load {load_average()})", file=sys.stderr, flush=True)
    if child:
        child.stdin.close()
        child.wait(30)
    return summarise(results, args, load_before)


def bare_process(chosen: dict[str, Any], args: argparse.Namespace) -> subprocess.Popen:
    bare_url = bare_database(os.environ["DATABASE_URL"])
    child = subprocess.Popen(
        [str(VENV / "python"), "-m", "bench.cpu", "--bare-child", "--number", str(args.number),
         "--ids", ",".join(map(str, chosen["bare_signed"]["ids"]))],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": bare_url, "DJANGO_SETTINGS_MODULE": "bench.bare_project.settings"},
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    wait_for(child, "READY")
    return child


def wait_for(child: subprocess.Popen, word: str) -> str:
    for line in child.stdout:
        if line.startswith(word):
            return line[len(word) :].strip()
    raise SystemExit(f"the bare project's process ended before {word} (exit {child.wait()})")


def middleware_costs(driver: Driver, spec: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """bare_signed with each middleware that the page can do without taken out in turn: the
    difference from the whole stack is that middleware's CPU."""
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import override_settings

    needed = {  # the page does not work, or is not signed in, without these
        "accounts.middleware.IdleSessionMiddleware", "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware", "accounts.middleware.LoginRequiredMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    }  # fmt: skip
    full = list(settings.MIDDLEWARE)
    stacks = {"(whole stack)": full} | {name: [m for m in full if m != name] for name in full if name not in needed}
    handlers = {}
    for label, stack in stacks.items():
        with override_settings(MIDDLEWARE=stack):
            handlers[label] = WSGIHandler()
    best: dict[str, float] = dict.fromkeys(stacks, float("inf"))
    order = list(handlers.items())
    for _ in range(args.runs):
        random.shuffle(order)  # no stack always first after another's
        for label, handler in order:
            driver.handler = handler
            best[label] = min(best[label], driver.timed(spec["urls"], spec["session"], args.number))
    whole = best["(whole stack)"]
    print(f"bare_signed, whole stack: {whole * 1000:.3f} ms CPU (best of {args.runs} runs × {args.number})")
    for label, seconds in sorted(best.items(), key=lambda kv: seconds_saved(whole, kv[1]), reverse=True):
        if label != "(whole stack)":
            print(f"  without {label}: {seconds * 1000:.3f} ms ({seconds_saved(whole, seconds) * 1000:+.3f} ms)")
    return {}


def seconds_saved(whole: float, without: float) -> float:
    return whole - without


def summarise(
    results: dict[str, Any], args: argparse.Namespace, load_before: str, incidents: int | None = None
) -> dict[str, Any]:
    ref = results["bare_signed"]
    ref_best, ref_median = min(ref["runs"]), statistics.median(ref["runs"])
    rows = {}
    for name, row in results.items():
        best, median = min(row["runs"]), statistics.median(row["runs"])
        out = {
            **{k: v for k, v in row.items() if k != "runs"},
            "best_ms": round(best * 1000, 3), "median_ms": round(median * 1000, 3),
            "runs_ms": [round(r * 1000, 3) for r in row["runs"]],
        }  # fmt: skip
        if name != "bare_signed":
            out["ratio_best"] = round(best / ref_best, 2)
            out["ratio_median"] = round(median / ref_median, 2)
        if row["group"] in {"handler", "supervisor"}:
            out["target"] = PAGE_TARGET
            out["met"] = out["ratio_median"] <= PAGE_TARGET
        rows[name] = out
    summary: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "runs": args.runs, "number": args.number, "load_before": load_before, "load_after": load_average(),
        "incidents": incidents_count() if incidents is None else incidents, "pages": rows,
    }  # fmt: skip
    if "bare" in rows:
        floor = rows["bare"]
        summary["floor"] = {
            "bare_signed_ms": rows["bare_signed"]["median_ms"], "bare_django_ms": floor["median_ms"],
            "ratio_median": round(ref_median / statistics.median(results["bare"]["runs"]), 2),
            "ratio_best": round(ref_best / min(results["bare"]["runs"]), 2), "target": FLOOR_TARGET,
        }  # fmt: skip
        summary["floor"]["met"] = summary["floor"]["ratio_median"] <= FLOOR_TARGET
    return summary


def incidents_count() -> int:
    from incidents.models import Incident

    return Incident.objects.count()


# --- the report ---------------------------------------------------------------------------

CPU_BEGIN, CPU_END = "<!-- bench-cpu:begin (written by bench/cpu.py) -->", "<!-- bench-cpu:end -->"


def markdown(cpu: dict[str, Any]) -> list[str]:
    floor = cpu.get("floor") or {}
    lines = [
        CPU_BEGIN,
        f"Run {cpu['started']}: {cpu['incidents']:,} incidents; {cpu['runs']} runs × {cpu['number']} requests per "
        f"page, the pages alternating; load {cpu['load_before']} → {cpu['load_after']}. CPU of the process per "
        "request (time.process_time) through Django's WSGI handler in-process, signed in, DEBUG off "
        "(bench/cpu.py). Ratios are to bare_signed, median run to median run.",
        "",
    ]
    if floor:
        lines += [
            f"Signed-in floor: bare_signed {floor['bare_signed_ms']} ms against {floor['bare_django_ms']} ms for the "
            f"same page in a bare Django project (bench/bare_project: default middleware, sessions in the database): "
            f"**{floor['ratio_median']}×** (best runs {floor['ratio_best']}×), target ≤ {floor['target']}×: "
            f"{'met' if floor['met'] else 'missed'}.",
            "",
        ]
    lines += [
        "| page | whose | median ms | best ms | ratio (median) | ratio (best) | queries | target |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, row in cpu["pages"].items():
        target = f"≤ {row['target']}×: {'met' if row['met'] else 'missed'}" if "target" in row else ""
        lines.append(
            f"| {name} | {row['group']} | {row['median_ms']} | {row['best_ms']} | {row.get('ratio_median', 1.0)}× | "
            f"{row.get('ratio_best', 1.0)}× | {row.get('queries', '')} | {target} |"
        )
    lines.append(CPU_END)
    return lines


def write(cpu: dict[str, Any], destination: Path) -> None:
    """benchmarks.json's "cpu" (the rest of the file kept) and the section at the end of
    BENCHMARKS.md (the rest of the file kept)."""
    destination.mkdir(parents=True, exist_ok=True)
    path = destination / "benchmarks.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data["cpu"] = cpu
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    write_markdown(cpu, destination / "BENCHMARKS.md")


def write_markdown(cpu: dict[str, Any], path: Path) -> None:
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if CPU_BEGIN not in text:
        text = text.rstrip("\n") + "\n\n## CPU per request against the signed-in floor (issue 18)\n\n" + CPU_BEGIN
        text += "\n" + CPU_END + "\n"
    head, rest = text.split(CPU_BEGIN, 1)
    tail = rest.split(CPU_END, 1)[1]
    path.write_text(head + "\n".join(markdown(cpu)) + tail)


def collected() -> None:
    """The manifest storage needs its manifest: collect once into bench.settings' STATIC_ROOT."""
    from django.conf import settings

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        subprocess.run([str(VENV / "python"), "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT,
                       env=os.environ, check=True)  # fmt: skip


def in_bench(env: dict[str, str]) -> dict[str, Any]:
    """`make bench`'s step (bench/run.py): this module in its own process, with the run's
    environment (its database, DEBUG off), after the load tests; the figures go into the run's
    results, and bench/report.py writes them with the rest."""
    out = OUT / "cpu.json"
    subprocess.run([str(VENV / "python"), "-m", "bench.cpu", "--json", str(out)], cwd=ROOT,
                   env={k: v for k, v in env.items() if k not in {"DJANGO_SETTINGS_MODULE", "BENCH_STATIC_ROOT"}},
                   check=True)  # fmt: skip
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--number", type=int, default=20)
    parser.add_argument("--small", action="store_true", help="write to var/bench/, not docs/")
    parser.add_argument("--out", type=Path, help="where benchmarks.json and BENCHMARKS.md are")
    parser.add_argument("--json", type=Path, help="also write the figures alone to this file")
    parser.add_argument("--only", help="comma-separated pages (bare_signed is always measured)")
    parser.add_argument("--no-bare", action="store_true", help="leave out the bare project")
    parser.add_argument("--profile", help="print a cProfile of this page (or 'bare') and stop")
    parser.add_argument("--middleware", action="store_true", help="bare_signed without each middleware in turn")
    parser.add_argument("--bare-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--ids", help=argparse.SUPPRESS)
    args = parser.parse_args()
    defaults()
    if args.bare_child:
        bare_child(args.runs, args.number, [int(i) for i in args.ids.split(",")])
        return
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    collected()
    cpu = measure(args)
    if not cpu:
        return
    if args.json:
        args.json.write_text(json.dumps(cpu, indent=2, default=str) + "\n")
    if not args.json or args.out:
        write(cpu, args.out or (OUT if args.small else ROOT / "docs"))
    print("\n".join(markdown(cpu)[2:-1]))


if __name__ == "__main__":
    main()
