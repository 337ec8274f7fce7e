# ruff: noqa: S603 - fixed commands
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
import json
import os
import random
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.common import OUT, ROOT, VENV, load_average
from bench.cpu_bare import bare_child, bare_process, wait_for
from bench.cpu_driver import Driver, print_profile
from bench.cpu_report import markdown, summarise, write

# Issue 18's targets.


def defaults() -> None:
    """The environment a production process has (as bench/run.py gives gunicorn)."""
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("CELERY_QUEUE", "bench_texts")


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
