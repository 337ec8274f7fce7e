"""The real peak, open loop, on several nodes (issue 18; docs/BENCHMARKS.md, "The peak, open loop").

    .venv/bin/python bench/peak.py --rate 7700 --seconds 600

A large force's busiest hour is about 770 calls (the Met's, 2014). This replays ten times that
as arrivals at a fixed rate: a new call every 3600/rate seconds whatever the server is doing
(open loop: a slow answer never holds back the next call, unlike locust's closed-loop users).
Each call is a handler's scripted timeline, on its own thread, through the real pages with
CSRF as a browser sends it:

    0 s        the new-incident page             8 s   create it (POST), then the form
    15 s ...   an autosave every 15 s            20 s  link the victim (the repeat check),
    2-3 min    submit with the prevention text         then record the check's outcome
               (then the incident's page and its texts poll)
    +10 s      close the incident

Beside them, supervisors on duty poll the alert panel (every ALERT_POLL_SECONDS), their review
queue and their home page, and one analyst reloads the QA dashboard; each of those requests is
issued on its own schedule from a pool, so they are open loop too.

The nodes (bench/nodes.py): two gunicorn servers, three Celery workers and one beat against
one database and one Redis. Requests alternate between the servers one by one, so a session
made on one is used on the other. Texts go to a local fake Notify (bench/fake_gateway.py),
which records each message's reference: the same reference twice is a text sent twice, and
the most calls in any 60 s is the rate limit as the provider would see it.

Figures: per page, the server's own time (gunicorn's access logs of both servers) p50/p95/p99
and the client's latency measured from when each request was due, not when it was sent (free
of coordinated omission); errors are any 4xx/5xx, transport error or a redirect to sign-in.

The database is PEAK_DATABASE_URL, else DATABASE_URL (e.g. make bench's, or a small one made
with `manage.py generate_volume`); Redis is REDIS_URL. Writes var/bench/peak.json and .md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the bench package and the apps from the checkout

import requests  # noqa: E402

from bench.common import load_average  # noqa: E402
from bench.fake_gateway import API_KEY, TEMPLATE_ID, FakeNotify  # noqa: E402
from bench.nodes import Nodes  # noqa: E402
from bench.peak_browser import BENCH_PASSWORD, CSRF_INPUT, HANDLER_PAGES, PeakOptions  # noqa: E402, F401
from bench.peak_driver import Driver  # noqa: E402
from bench.peak_report import analyse, max_in_any_window, peak_table, percentiles, write  # noqa: E402, F401


def say(message: str) -> None:
    print(f"peak {datetime.now(UTC):%H:%M:%S}: {message}", flush=True)


# --- the plan: accounts, their sessions, what the forms post ---------------------------------


def make_plan(options: PeakOptions, base: str) -> dict[str, Any]:
    """The accounts (the first `page_logins` signed in through the sign-in page on the first
    server, the rest given a session directly as make bench does: each sign-in is a
    deliberately slow hash), the categories and the answers a complete, texted assessment posts."""
    from datetime import date, timedelta

    from accounts.models import Role, User
    from bench.database import session_for
    from incidents.models import Category, Channel
    from tests.factories import complete_answers
    from thrive.models import PromptSet, PromptSetStatus
    from thrive.prompts import iter_prompts

    handlers = list(User.objects.filter(role=Role.CALL_HANDLER, is_active=True).order_by("username"))
    supervisors = list(
        User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("username")[: options.supervisors]
    )
    analyst = User.objects.filter(role=Role.ANALYST, is_active=True).order_by("username").first()
    if not handlers or not supervisors or analyst is None:
        raise SystemExit("The database needs handlers, supervisors and an analyst (manage.py generate_volume).")
    logins = 0

    def account(user: Any) -> dict[str, str]:
        nonlocal logins
        session = ""
        if logins < options.page_logins:
            logins += 1
            session = sign_in(base, user.username)
        return {"username": user.username, "session": session or session_for(user), "page_login": bool(session)}

    prompt_set = PromptSet.objects.filter(status=PromptSetStatus.PUBLISHED, family="thrive_sp").latest("version")
    answers = complete_answers(
        prevention={"send_link": True, "safe_to_text_confirmed": True, "phone": "07700 900000",
                    "link_not_sent_reason": ""}
    )  # fmt: skip
    post: dict[str, str] = {}
    for prompt in iter_prompts(prompt_set.sections):
        if prompt.type == "guidance":
            continue
        value: Any = answers
        for part in prompt.field.split("."):
            value = value.get(part, "") if isinstance(value, dict) else ""
        text = "true" if value is True else ("false" if value is False else str(value))
        if text:
            post[prompt.html_name] = text
    today = date.today()  # noqa: DTZ011 - the analyst's last twelve months
    last = date(today.year, today.month, 1) - timedelta(days=1)
    first = date(last.year - 1, last.month, 1) + timedelta(days=32)
    categories = list(Category.objects.filter(active=True).values_list("code", flat=True))
    return {
        "supervisors": [account(u) for u in supervisors],
        "analyst": account(analyst),
        "handlers": [account(u) for u in handlers],
        "categories": categories,
        "channels": [c for c in Channel.values if c in ("999", "101")] or list(Channel.values)[:1],
        "answers_post": post,
        "closure_code": "crime_recorded",
        "qa_path": f"/qa/?from={first:%Y-%m}&to={last:%Y-%m}",
    }


def sign_in(base: str, username: str) -> str:
    """Sign in through the sign-in page as a browser does; the session cookie it was given."""
    http = requests.Session()
    page = http.get(f"{base}/login/", timeout=60)
    token = CSRF_INPUT.search(page.text)
    answer = http.post(
        f"{base}/login/", timeout=60, allow_redirects=False, headers={"Referer": f"{base}/login/"},
        data={"username": username, "password": BENCH_PASSWORD, "csrfmiddlewaretoken": token.group(1) if token else ""},
    )  # fmt: skip
    if answer.status_code != 302:
        return ""
    return http.cookies.get("sessionid", "")


# --- the run ---------------------------------------------------------------------------------


class Peak:
    def __init__(self, options: PeakOptions) -> None:
        self.options = options
        options.out.mkdir(parents=True, exist_ok=True)
        self.ports = [options.base_port + n for n in range(options.servers)]
        from django.conf import settings

        # The queue this process enqueues to (its settings'), so that the workers take what it sends.
        self.queue = settings.CELERY_TASK_DEFAULT_QUEUE
        self.env = {
            **os.environ,
            "DATABASE_URL": options.database_url,
            "REDIS_URL": options.redis_url,
            # This process's key: the sessions it makes directly must be valid on the servers.
            "SECRET_KEY": settings.SECRET_KEY,
            "DEBUG": "false",
            "THRIVE_TESTING": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "BENCH_STATIC_PLAIN": "1",
            "CELERY_QUEUE": self.queue,
            "LOG_LEVEL": "WARNING",
            "TEXT_GATEWAY": "notify",
            "NOTIFY_API_KEY": API_KEY,
            "NOTIFY_TEMPLATE_ID": TEMPLATE_ID,
            "TEXT_RATE_LIMIT_PER_MINUTE": str(options.text_limit),
        }
        self.env.pop("DJANGO_SETTINGS_MODULE", None)

    def run(self) -> dict[str, Any]:
        options = self.options
        results: dict[str, Any] = {
            "started": datetime.now(UTC).isoformat(timespec="seconds"), "load_at_start": load_average(),
            "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(options).items()
                        if k not in ("database_url", "redis_url")},
        }  # fmt: skip
        with FakeNotify(delay=options.fake_delay) as gateway:
            self.env["NOTIFY_BASE_URL"] = gateway.url
            nodes = Nodes(env=self.env, out=options.out, ports=self.ports, workers=options.workers,
                          worker_threads=options.worker_threads, queue=self.queue,
                          gunicorn_workers=options.gunicorn_workers)  # fmt: skip
            try:
                nodes.start_servers()
                say(f"{options.servers} servers up")
                nodes.start_workers()
                say(f"{options.workers} workers up")
                plan = make_plan(options, f"http://127.0.0.1:{self.ports[0]}")
                say(f"{len(plan['handlers'])} handlers, {len(plan['supervisors'])} supervisors signed in")
                offsets = nodes.log_offsets()
                first_text = self.newest_text_id()
                driver = Driver(options, plan, self.ports)
                print(f"peak: {options.rate:g} calls/h for {options.seconds:g} s on {options.servers} servers, "
                      f"{options.workers} workers (load {load_average()})", flush=True)  # fmt: skip
                burst = (lambda: self.text_burst(options.text_burst)) if options.text_burst else None
                results["driver"] = driver.run(burst=burst)
                results["load_after_driving"] = load_average()
                say(f"driven: {results['driver']}")
                results["texts_drain_seconds"] = self.drain_texts(first_text)
                results["server_lines"] = len(lines := nodes.server_lines(offsets))
            finally:
                nodes.stop()
            results.update(analyse(driver, plan, lines, gateway, self.texts_since(first_text), options))
        results["load_at_end"] = load_average()
        write(results, options.out)
        return results

    # --- texts --------------------------------------------------------------------------

    def newest_text_id(self) -> int:
        from victims.models import Text

        return Text.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def text_burst(self, count: int) -> None:
        """`count` texts queued at once (for assessments already in the database), as a
        broker coming back after an outage would release them: they press the rate limit."""
        from django.db import connection
        from django.db.models import Exists, OuterRef
        from django.utils import timezone

        from thrive.models import Assessment, AssessmentStatus
        from victims.models import Text, TextStatus
        from victims.tasks import text_enqueue

        try:
            has_text = Text.objects.filter(assessment=OuterRef("pk"))
            rows = list(
                Assessment.objects.filter(status=AssessmentStatus.SUBMITTED).exclude(Exists(has_text))
                .order_by("pk").values_list("pk", "incident_id", "author_id")[:count]
            )  # fmt: skip
            now = timezone.now()
            texts = Text.objects.bulk_create(
                Text(incident_id=incident, assessment_id=pk, created_by_id=author, phone="+447700900123",
                     link="https://www.example-police.uk/advice", body="Peak burst https://www.example-police.uk/advice",
                     status=TextStatus.QUEUED, next_attempt_at=now)
                for pk, incident, author in rows
            )  # fmt: skip
            with ThreadPoolExecutor(max_workers=8) as pool:  # handed over as fast as the broker takes them
                list(pool.map(lambda text: text_enqueue(text_id=text.pk), texts))
        finally:
            connection.close()

    def drain_texts(self, after: int) -> float | None:
        """Wait until every text made during the run has left the queue; the seconds it took."""
        from victims.models import Text, TextStatus

        started = time.monotonic()
        while time.monotonic() - started < self.options.drain_timeout:
            if not Text.objects.filter(pk__gt=after, status=TextStatus.QUEUED).exists():
                return round(time.monotonic() - started, 1)
            time.sleep(1)
        return None

    def texts_since(self, after: int) -> dict[str, int]:
        from django.db.models import Count

        from victims.models import Text

        counts = dict(Text.objects.filter(pk__gt=after).values_list("status").annotate(n=Count("pk")))
        return {"made": sum(counts.values()), **{str(k): v for k, v in counts.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=7700.0, help="calls an hour (7700: ten times the Met's peak)")
    parser.add_argument("--seconds", type=float, default=600.0, help="how long calls keep arriving (600)")
    parser.add_argument("--call-seconds", type=float, nargs=2, default=(120.0, 180.0), metavar=("MIN", "MAX"))
    parser.add_argument("--autosave-every", type=float, default=15.0)
    parser.add_argument("--supervisors", type=int, default=10)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8771, help="the first server's port; the others follow")
    parser.add_argument("--text-limit", type=int, default=3000)
    parser.add_argument("--text-burst", type=int, default=0, help="texts queued at once a third of the way in")
    args = parser.parse_args()
    database_url = os.environ.get("PEAK_DATABASE_URL") or os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    if not database_url or not redis_url:
        raise SystemExit("Set DATABASE_URL (or PEAK_DATABASE_URL) and REDIS_URL")
    options = PeakOptions(
        rate=args.rate, seconds=args.seconds, call_seconds=tuple(args.call_seconds), autosave_every=args.autosave_every,
        supervisors=args.supervisors, servers=args.servers, workers=args.workers, base_port=args.port,
        text_limit=args.text_limit, text_burst=args.text_burst, database_url=database_url, redis_url=redis_url,
    )  # fmt: skip
    setup_django(options)
    results = run_peak(options)
    print("\n".join(peak_table(results)))
    sys.exit(0 if results["errors"] == 0 and results["texts"]["sent_twice"] == 0 else 1)


def setup_django(options: PeakOptions) -> None:
    os.environ.update({"DATABASE_URL": options.database_url, "REDIS_URL": options.redis_url,
                       "CELERY_QUEUE": f"thrive_peak_{os.getpid()}", "DEBUG": "false", "LOG_LEVEL": "WARNING",
                       "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret-key-" + "x" * 40})  # fmt: skip
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()


def run_peak(options: PeakOptions) -> dict[str, Any]:
    return Peak(options).run()


if __name__ == "__main__":
    main()


def peak_for_bench(bench: Any) -> dict[str, Any]:
    """make bench's hook (bench/run.py): the peak against the run's database, after the
    closed-loop scenarios, its targets in the verdict table."""
    from bench.common import env
    from bench.verdict import peak_targets

    options = PeakOptions(
        rate=float(env("BENCH_PEAK_RATE", "1800" if bench.small else "7700")),
        seconds=float(env("BENCH_PEAK_SECONDS", "60" if bench.small else "600")),
        call_seconds=(30.0, 45.0) if bench.small else (120.0, 180.0),
        text_burst=int(env("BENCH_PEAK_TEXT_BURST", "0")),
        database_url=bench.database_url,
        redis_url=bench.redis,
    )
    peak = run_peak(options)
    bench.results["peak"] = peak
    peak_targets(bench.results, peak, incidents=bench.incidents)
    return peak
