"""bench/peak.py's parts: the pages it asks for, its options, and a browser-like session that
records what each request cost (the driver is bench/peak_driver.py)."""

from __future__ import annotations

import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bench.common import OUT

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

    # Set when the driver stops waiting for the calls: a call still under way then (slower than
    # the run allows) goes on in its daemon thread while the servers are stopped, and its
    # "connection refused" is the teardown's, not the service's. Counted apart, not as errors.
    closed: bool = False
    after_close: int = 0

    def add(self, sample: Sample) -> None:
        with self.lock:
            if self.closed:
                self.after_close += 1
                return
            self.samples.append(sample)

    def close(self) -> None:
        with self.lock:
            self.closed = True


class Browser:
    """One member of staff's browser: a requests session carrying their session and CSRF
    cookies, each request sent to the next server in turn (cookies are per host, not per
    port, as in a browser), timed from when it was due."""

    def __init__(
        self,
        driver: Any,  # bench.peak_driver.Driver (which imports this module)
        account: dict[str, str],
    ) -> None:
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
