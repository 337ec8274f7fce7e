# ruff: noqa: S311 - random picks of names and numbers, not secrets
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
import heapq
import itertools
import json
import os
import random
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the bench package and the apps from the checkout

import requests  # noqa: E402

from bench.common import OUT, load_average, pct  # noqa: E402
from bench.fake_gateway import API_KEY, TEMPLATE_ID, FakeNotify  # noqa: E402
from bench.nodes import Nodes  # noqa: E402

BENCH_PASSWORD = "bench-password"  # noqa: S105 - bench/volume's accounts on a throw-away database

# Pages a call handler uses on a call: issue 18's "every handler page's p95 <= 100 ms".
HANDLER_PAGES = (
    "incident_new", "incident_create", "assessment_form", "assessment_autosave", "victim_link", "victim_outcome",
    "assessment_submit", "incident_detail", "texts_poll", "incident_close",
)  # fmt: skip
OTHER_PAGES = ("alert_poll", "supervisor_queue", "supervisor_home", "qa_dashboard")
# (method, path) to page: the access logs carry the path without the query.
ROUTES = [
    ("GET", re.compile(r"^/incidents/new/$"), "incident_new"),
    ("POST", re.compile(r"^/incidents/new/$"), "incident_create"),
    ("GET", re.compile(r"^/thrive/incidents/[^/]+/assessment/$"), "assessment_form"),
    ("POST", re.compile(r"^/thrive/incidents/[^/]+/assessment/autosave/$"), "assessment_autosave"),
    ("POST", re.compile(r"^/thrive/incidents/[^/]+/assessment/victim/$"), "victim_link"),
    ("POST", re.compile(r"^/thrive/incidents/[^/]+/assessment/victim/\d+/outcome/$"), "victim_outcome"),
    ("POST", re.compile(r"^/thrive/incidents/[^/]+/assessment/submit/$"), "assessment_submit"),
    ("GET", re.compile(r"^/incidents/[^/]+/$"), "incident_detail"),
    ("GET", re.compile(r"^/victims/incidents/[^/]+/texts/$"), "texts_poll"),
    ("POST", re.compile(r"^/incidents/[^/]+/close/$"), "incident_close"),
    ("GET", re.compile(r"^/alerts/panel/$"), "alert_poll"),
    ("GET", re.compile(r"^/thrive/reviews/$"), "supervisor_queue"),
    ("GET", re.compile(r"^/$"), "supervisor_home"),
    ("GET", re.compile(r"^/qa/$"), "qa_dashboard"),
]
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')
FORM_VERSION = re.compile(r'name="form_version" value="(\d+)"')
ROW_VERSION = re.compile(r'name="row_version" value="(\d+)"')
OUTCOME_URL = re.compile(r"/assessment/victim/(\d+)/outcome/")
FIRST_NAMES = ["Amira", "Ben", "Chloe", "Dev", "Ewa", "Femi", "Grace", "Harry", "Isla", "Jack", "Kai", "Leah"]
LAST_NAMES = ["Ahmed", "Brown", "Clarke", "Davies", "Evans", "Fraser", "Green", "Hughes", "Iqbal", "Jones"]


def page_of(method: str, path: str) -> str | None:
    for route_method, pattern, name in ROUTES:
        if method == route_method and pattern.match(path):
            return name
    return None


def max_in_any_window(times: list[float], window: float = 60.0) -> int:
    """The most events in any sliding `window` seconds (a window [t, t + window) starting at
    any event: the provider's view of "3,000 a minute", not calendar minutes)."""
    ordered = sorted(times)
    most = start = 0
    for end in range(len(ordered)):
        while ordered[end] - ordered[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {"p50": round(pct(values, 50), 1), "p95": round(pct(values, 95), 1), "p99": round(pct(values, 99), 1)}


@dataclass
class PeakOptions:
    rate: float = 7700.0  # calls an hour: ten times the Met's busiest hour
    seconds: float = 600.0  # how long calls keep arriving
    call_seconds: tuple[float, float] = (120.0, 180.0)  # from the new-incident page to the submit
    autosave_every: float = 15.0
    create_after: float = 8.0  # the handler types the new incident's details
    victim_after: float = 20.0
    close_after: float = 10.0
    supervisors: int = 10  # on duty, each polling the alert panel, the queue and home
    alert_every: float = 5.0  # settings.ALERT_POLL_SECONDS
    queue_every: float = 30.0
    home_every: float = 60.0
    analyst_every: float = 30.0
    servers: int = 2
    workers: int = 3
    worker_threads: int = 16
    gunicorn_workers: int = 3  # per server, as the Dockerfile runs it
    base_port: int = 8771
    text_limit: int = 3000  # TEXT_RATE_LIMIT_PER_MINUTE for the workers
    text_burst: int = 0  # texts queued at once a third of the way in, to press the limit
    drain_timeout: float = 300.0
    page_logins: int = 20  # accounts signed in through the sign-in page; the rest get a session made directly
    seed: int = 1
    database_url: str = ""
    redis_url: str = ""
    out: Path = OUT
    fake_delay: float = 0.05


@dataclass
class Sample:
    page: str
    port: int
    account: str
    due: float  # when the request was due (time.monotonic())
    sent: float
    done: float
    status: int  # 0: a transport error
    error: str = ""


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


class Browser:
    """One member of staff's browser: a requests session carrying their session and CSRF
    cookies, each request sent to the next server in turn (cookies are per host, not per
    port, as in a browser), timed from when it was due."""

    def __init__(self, driver: Driver, account: dict[str, str]) -> None:
        self.driver = driver
        self.account = account["username"]
        self.http = requests.Session()
        self.http.cookies.set("sessionid", account["session"], domain="127.0.0.1")
        self.csrf = ""
        # Each browser's requests alternate between the servers, starting where the driver's
        # turn is: a session signed in on one is used on the other at once.
        self.turn = itertools.count(next(driver.turn))

    def request(self, page: str, method: str, path: str, *, due: float, data: dict | None = None,
                htmx: bool = False, expect: tuple[int, ...] = (200,)) -> requests.Response | None:  # fmt: skip
        port = self.driver.ports[next(self.turn) % len(self.driver.ports)]
        url = f"http://127.0.0.1:{port}{path}"
        headers = {"Referer": url}
        if htmx:
            headers.update({"HX-Request": "true", "HX-Current-URL": url})
        if method == "POST":
            headers["X-CSRFToken"] = self.csrf
            data = {**(data or {}), "csrfmiddlewaretoken": self.csrf}
        sent = time.monotonic()
        for attempt in (1, 2):
            try:
                response = self.http.request(
                    method, url, data=data, headers=headers, allow_redirects=False, timeout=120
                )
                break
            except requests.ConnectionError as exc:
                # The server closed a kept-alive connection as this request went out on it (its
                # keep-alive timeout): nothing was received, and a browser sends it again on a
                # new connection. Counted, and timed from when it was first due.
                if attempt == 1 and "Connection aborted" in repr(exc):
                    self.driver.count_reset()
                    continue
                self.driver.recorder.add(Sample(page, port, self.account, due, sent, time.monotonic(), 0, repr(exc)))
                return None
            except requests.RequestException as exc:
                self.driver.recorder.add(Sample(page, port, self.account, due, sent, time.monotonic(), 0, repr(exc)))
                return None
        done = time.monotonic()
        error = ""
        location = response.headers.get("Location", "")
        if response.status_code not in expect:
            error = f"{response.status_code} {location}".strip()
        elif "/login/" in location:
            error = "sent to sign in: the session was not recognised"
        self.driver.recorder.add(Sample(page, port, self.account, due, sent, done, response.status_code, error))
        if response.headers.get("Content-Type", "").startswith("text/html"):
            match = CSRF_INPUT.search(response.text) or CSRF_HEADER.search(response.text)
            if match:
                self.csrf = match.group(1)
        return None if error else response


def wait_until(due: float, stop: threading.Event | None = None) -> None:
    delay = due - time.monotonic()
    if delay > 0:
        if stop is not None:
            stop.wait(delay)
        else:
            time.sleep(delay)


class Driver:
    """The open-loop load: calls arriving at a fixed rate, each on its own thread, and the
    supervisors' and the analyst's requests on a schedule, issued from a pool."""

    def __init__(self, options: PeakOptions, plan: dict[str, Any], ports: list[int]) -> None:
        self.options = options
        self.plan = plan
        self.ports = ports
        self.recorder = Recorder()
        self.rng = random.Random(options.seed)
        self.rng_lock = threading.Lock()
        self.turn = itertools.count()
        self.references: list[str] = []
        self.calls_started = 0
        self.calls_finished = 0
        self.resets = 0
        self.completed: list[str] = []  # calls that reached a successful close
        self.lock = threading.Lock()

    def count_reset(self) -> None:
        with self.lock:
            self.resets += 1

    # --- one call ---------------------------------------------------------------------

    def call(self, number: int, start: float) -> None:
        plan, options = self.plan, self.options
        handlers = plan["handlers"]
        browser = Browser(self, handlers[number % len(handlers)])
        with self.rng_lock:
            length = self.rng.uniform(*options.call_seconds)
            category = self.rng.choice(plan["categories"])
            channel = self.rng.choice(plan["channels"])
            phone = f"07700 900{self.rng.randrange(1000):03d}"
            victim = {
                "name": f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}",
                "dob_day": str(self.rng.randrange(1, 28)), "dob_month": str(self.rng.randrange(1, 13)),
                "dob_year": str(self.rng.randrange(1950, 2005)), "phone": phone,
                "address": f"{self.rng.randrange(1, 200)} High Street", "postcode": "SW1A 1AA",
            }  # fmt: skip
        try:
            self._call(browser, start, length, category, channel, victim)
        finally:
            with self.lock:
                self.calls_finished += 1

    def _call(self, browser: Browser, start: float, length: float, category: str, channel: str,
              victim: dict[str, str]) -> None:  # fmt: skip
        options, plan = self.options, self.plan
        wait_until(start)
        if browser.request("incident_new", "GET", "/incidents/new/", due=start) is None:
            return
        due = start + options.create_after
        wait_until(due)
        created = browser.request(
            "incident_create", "POST", "/incidents/new/", due=due, expect=(302,),
            data={"channel": channel, "category": category, "grading": "priority",
                  "summary": "Caller reports her ex-partner at the door, shouting and kicking it.",
                  "location": "High Street"},
        )  # fmt: skip
        if created is None:
            return
        form_path = created.headers["Location"]
        reference = form_path.rstrip("/").split("/")[-2]
        with self.lock:
            self.references.append(reference)
        form = browser.request("assessment_form", "GET", form_path, due=time.monotonic())
        if form is None:
            return
        version = FORM_VERSION.search(form.text)
        form_version = version.group(1) if version else ""
        answers = dict(plan["answers_post"])
        answers["prevention__phone"] = victim["phone"]
        fields = list(answers)
        submit_at = start + length
        # The victim a little way in; an autosave every autosave_every s with more of the form filled in each time.
        events = [(start + options.victim_after, "victim")]
        at = start + options.autosave_every
        while at < submit_at - 1:
            events.append((at, "autosave"))
            at += options.autosave_every
        events.sort()
        for number, (due, what) in enumerate(events):
            wait_until(due)
            if what == "victim":
                linked = browser.request(
                    "victim_link", "POST", f"/thrive/incidents/{reference}/assessment/victim/", due=due, htmx=True,
                    data=victim,
                )  # fmt: skip
                match = OUTCOME_URL.search(linked.text) if linked is not None else None
                if match:
                    browser.request(
                        "victim_outcome", "POST",
                        f"/thrive/incidents/{reference}/assessment/victim/{match.group(1)}/outcome/",
                        due=time.monotonic(), htmx=True, data={"outcome": "not_repeat"},
                    )  # fmt: skip
            else:
                share = min(1.0, (number + 1) / max(1, len(events)))
                partial = {k: answers[k] for k in fields[: max(1, int(len(fields) * share))]}
                browser.request(
                    "assessment_autosave", "POST", f"/thrive/incidents/{reference}/assessment/autosave/", due=due,
                    htmx=True, data={**partial, "form_version": form_version},
                )  # fmt: skip
        wait_until(submit_at)
        submitted = browser.request(
            "assessment_submit", "POST", f"/thrive/incidents/{reference}/assessment/submit/", due=submit_at,
            expect=(302,), data={**answers, "form_version": form_version},
        )  # fmt: skip
        if submitted is None:
            return
        detail = browser.request("incident_detail", "GET", f"/incidents/{reference}/", due=time.monotonic())
        due = time.monotonic() + 4
        wait_until(due)
        browser.request("texts_poll", "GET", f"/victims/incidents/{reference}/texts/", due=due, htmx=True,
                        expect=(200, 286))  # fmt: skip
        due = submit_at + options.close_after
        wait_until(due)
        row = ROW_VERSION.search(detail.text) if detail is not None else None
        closed = browser.request(
            "incident_close", "POST", f"/incidents/{reference}/close/", due=due, expect=(302,),
            data={"closure_code": plan["closure_code"], "row_version": row.group(1) if row else ""},
        )  # fmt: skip
        if closed is not None:
            with self.lock:
                self.completed.append(reference)

    # --- the supervisors and the analyst --------------------------------------------------

    def schedule(self, start: float, end: float) -> list[tuple[float, int, str, str, str, dict]]:
        """Every poll and reload due between start and end: (due, n, page, path, account, extra)."""
        options, plan = self.options, self.plan
        items: list[tuple[float, int, str, str, str, dict]] = []
        counter = itertools.count()
        # A small force has fewer supervisor accounts than desks on duty: they are shared.
        for number in range(options.supervisors):
            account = plan["supervisors"][number % len(plan["supervisors"])]
            offset = number / max(1, options.supervisors)
            for page, path, every, extra in (
                ("alert_poll", "/alerts/panel/", options.alert_every, {"htmx": True, "expect": (200, 204)}),
                ("supervisor_queue", "/thrive/reviews/", options.queue_every, {}),
                ("supervisor_home", "/", options.home_every, {}),
            ):
                at = start + offset * every
                while at < end:
                    items.append((at, next(counter), page, path, f"{account['username']}#{number}", extra))
                    at += every
        at = start + 1
        while at < end:
            items.append((at, next(counter), "qa_dashboard", plan["qa_path"], f"{plan['analyst']['username']}#0", {}))
            at += options.analyst_every
        heapq.heapify(items)
        return items

    def safely(self, browser: Browser, page: str, path: str, due: float, extra: dict[str, Any]) -> None:
        """A scheduled GET from the pool; a fault in the driver itself is an error, not lost."""
        try:
            browser.request(page, "GET", path, due=due, **extra)
        except Exception as exc:
            now = time.monotonic()
            self.recorder.add(Sample(page, 0, browser.account, due, now, now, 0, f"driver: {exc!r}"))

    def run(self, burst: Any = None) -> dict[str, Any]:
        options = self.options
        accounts = {a["username"]: a for a in [*self.plan["supervisors"], self.plan["analyst"]]}
        browsers: dict[str, Browser] = {}
        begin = time.monotonic() + 1
        end = begin + options.seconds
        items = self.schedule(begin, end)
        stop = threading.Event()
        pool = ThreadPoolExecutor(max_workers=64, thread_name_prefix="peak-poll")

        def polls() -> None:
            while items and not stop.is_set():
                due, _, page, path, username, extra = heapq.heappop(items)
                wait_until(due, stop)
                if username not in browsers:  # one browser per desk
                    browsers[username] = Browser(self, accounts[username.split("#")[0]])
                browser = browsers[username]
                pool.submit(self.safely, browser, page, path, due, extra)

        poller = threading.Thread(target=polls, name="peak-polls", daemon=True)
        poller.start()
        threads: list[threading.Thread] = []
        interval = 3600.0 / options.rate
        burst_at = begin + options.seconds / 3
        load_during: list[str] = []
        number = 0
        while True:
            start = begin + number * interval
            if start >= end:
                break
            wait_until(start)
            thread = threading.Thread(target=self.call, args=(number, start), name=f"peak-call-{number}", daemon=True)
            thread.start()
            threads.append(thread)
            self.calls_started += 1
            if burst is not None and start >= burst_at:
                threading.Thread(target=burst, daemon=True).start()
                burst = None
            if number % max(1, int(60 / interval)) == 0:
                load_during.append(load_average())
            number += 1
        arrivals_seconds = time.monotonic() - begin
        self.driven_seconds = options.seconds
        for thread in threads:  # the calls under way finish their timeline
            thread.join(timeout=max(0.0, begin + options.seconds + options.call_seconds[1] + 120 - time.monotonic()))
        stop.set()
        poller.join(timeout=10)
        pool.shutdown(wait=True)
        self.driven_seconds = time.monotonic() - begin
        return {
            "arrivals_seconds": round(arrivals_seconds, 1),
            "driven_seconds": round(time.monotonic() - begin, 1),
            "calls_started": self.calls_started,
            "calls_finished": self.calls_finished,
            "connections_reset_and_sent_again": self.resets,
            "load_during": load_during,
        }


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


def analyse(driver: Driver, plan: dict[str, Any], lines: list[tuple[int, str, str, int, float]],
            gateway: FakeNotify, texts: dict[str, int], options: PeakOptions) -> dict[str, Any]:  # fmt: skip
    """Per page the server's and the client's times and the errors; the texts at the gateway;
    the sessions seen on each server."""
    server: dict[str, list[float]] = {}
    server_errors: dict[str, int] = {}
    for _port, method, path, status, ms in lines:
        page = page_of(method, path)
        if page is None:
            continue
        server.setdefault(page, []).append(ms)
        if status >= 500:
            server_errors[page] = server_errors.get(page, 0) + 1
    client: dict[str, list[Sample]] = {}
    for sample in driver.recorder.samples:
        client.setdefault(sample.page, []).append(sample)
    pages: dict[str, Any] = {}
    for page in (*HANDLER_PAGES, *OTHER_PAGES):
        samples = client.get(page, [])
        errors = [s for s in samples if s.error]
        pages[page] = {
            "requests": len(samples),
            "server": {**percentiles(server.get(page, [])), "count": len(server.get(page, []))},
            "client": percentiles([(s.done - s.due) * 1000 for s in samples]),
            "late_ms_p99": round(pct([(s.sent - s.due) * 1000 for s in samples], 99), 1) if samples else None,
            "errors": len(errors),
            "server_5xx": server_errors.get(page, 0),
            "error_examples": sorted({s.error for s in errors})[:3],
        }
    # Sessions: every account that made requests, and whether both servers answered it.
    by_account: dict[str, set[int]] = {}
    asked: dict[str, int] = {}
    refused_sessions = 0
    for sample in driver.recorder.samples:
        asked[sample.account] = asked.get(sample.account, 0) + 1
        if sample.status and not sample.error:
            by_account.setdefault(sample.account, set()).add(sample.port)
        if "sign in" in sample.error:
            refused_sessions += 1
    # An account with fewer requests than servers (an analyst in a short run) cannot have been
    # on all of them: it is not counted, either way.
    by_account = {name: ports for name, ports in by_account.items() if asked[name] >= len(driver.ports)}
    page_logins = {a["username"] for a in [*plan["handlers"], *plan["supervisors"], plan["analyst"]] if a["page_login"]}
    both = [name for name, ports in by_account.items() if len(ports) == len(driver.ports)]
    references = gateway.references
    duplicates = len(references) - len(set(references))
    total = sum(p["requests"] for p in pages.values())
    handler_over = [p for p in HANDLER_PAGES if (pages[p]["server"].get("p95") or 0) > 100]
    return {
        "pages": pages,
        "requests": total,
        "errors": sum(p["errors"] for p in pages.values()),
        "requests_per_second": round(total / max(1.0, driver.driven_seconds), 1),
        "handler_pages_over_100ms": handler_over,
        "sessions": {
            "accounts": len(by_account),
            "answered_on_every_server": len(both),
            "page_logins_on_every_server": len(page_logins & set(both)),
            "page_logins": len(page_logins),
            "sent_to_sign_in": refused_sessions,
        },
        "texts": {
            **texts,
            "gateway_calls": len(references),
            "sent_twice": duplicates,
            "max_in_any_60s": max_in_any_window(gateway.calls),
            "limit_per_minute": options.text_limit,
        },
        "calls_completed": len(driver.completed),
        "incidents": len(driver.references),
    }


def write(results: dict[str, Any], out: Path) -> None:
    (out / "peak.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (out / "peak.md").write_text("\n".join(peak_table(results)) + "\n")


def peak_table(results: dict[str, Any]) -> list[str]:
    """The per-page table for docs/BENCHMARKS.md (bench/report.py) and var/bench/peak.md."""
    o = results["options"]
    t = results["texts"]
    s = results["sessions"]
    lines = [
        f"Open loop: {o['rate']:g} calls an hour ({results['driver']['calls_started']} calls arriving over "
        f"{o['seconds']:g} s, each {o['call_seconds'][0]:g}-{o['call_seconds'][1]:g} s long, autosaving every "
        f"{o['autosave_every']:g} s), {o['supervisors']} supervisors polling, one analyst; {o['servers']} gunicorn "
        f"servers, {o['workers']} Celery workers and one beat on one database and Redis. Load "
        f"{results['load_at_start']} at the start, {results['load_after_driving']} after the calls; "
        f"{results['requests']:,} requests ({results['requests_per_second']} a second), {results['errors']} errors; "
        f"{results['calls_completed']} of {results['driver']['calls_started']} calls completed (created to closed); "
        f"{results['driver']['connections_reset_and_sent_again']} requests sent again after the server closed a "
        "kept-alive connection.",
        "",
        "| page | requests | server p50 / p95 / p99 ms | client p50 / p95 / p99 ms (from when due) | errors |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, row in results["pages"].items():
        server = " / ".join(str(row["server"].get(k, "–")) for k in ("p50", "p95", "p99"))
        client = " / ".join(str(row["client"].get(k, "–")) for k in ("p50", "p95", "p99"))
        marker = " (handler)" if name in HANDLER_PAGES else ""
        lines.append(f"| {name}{marker} | {row['requests']} | {server} | {client} | {row['errors']} |")
    lines += [
        "",
        f"Texts: {t['made']} made, {t.get('sent', 0)} sent, {t.get('queued', 0)} still queued, "
        f"{t.get('failed', 0)} failed; the gateway had {t['gateway_calls']} calls, {t['sent_twice']} of them a "
        f"text it had already had; at most {t['max_in_any_60s']} in any 60 s (limit {t['limit_per_minute']}). "
        f"Sessions: {s['accounts']} accounts, {s['answered_on_every_server']} answered on every server "
        f"({s['page_logins_on_every_server']} of the {s['page_logins']} signed in through the sign-in page), "
        f"{s['sent_to_sign_in']} requests sent to sign in.",
    ]
    return lines


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
