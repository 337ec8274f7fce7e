# ruff: noqa: S311 - random picks of names and numbers, not secrets
"""bench/peak.py's driver: each call's timeline and the supervisors' and analyst's polling, on
schedule whatever the servers answer (open loop)."""

from __future__ import annotations

import heapq
import itertools
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.common import load_average
from bench.peak_browser import (
    FIRST_NAMES,
    FORM_VERSION,
    LAST_NAMES,
    OUTCOME_URL,
    ROW_VERSION,
    Browser,
    PeakOptions,
    Recorder,
    Sample,
    wait_until,
)


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
        self.recorder.close()  # calls still under way now are unfinished, not failed by the servers
        self.driven_seconds = time.monotonic() - begin
        return {
            "arrivals_seconds": round(arrivals_seconds, 1),
            "driven_seconds": round(time.monotonic() - begin, 1),
            "calls_started": self.calls_started,
            "calls_finished": self.calls_finished,
            "connections_reset_and_sent_again": self.resets,
            "calls_unfinished_when_stopped": self.calls_started - self.calls_finished,
            "load_during": load_during,
        }
