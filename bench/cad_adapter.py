# ruff: noqa: S311 - a seeded benchmark's choices, not secrets
"""`bench/cad_replay.py`, the adapter: each call of the day sent through the API at N times
real speed, as a CAD adapter would (docs/INTEGRATION.md): the PUT, a grading change on some,
the call taker's assessment, the closure check, the close; some PUTs and closes sent twice,
one after the other or at the same moment (a CAD retrying after a timeout).

A scheduler thread hands each step to a pool of threads when its time comes; a call's next
step is scheduled when the last one has answered. The times sent to the API (opened_at,
submitted_at, closed_at) are the moments they are sent, as a live CAD's are."""

import heapq
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import requests

from bench.cad_day import Call

CLOSE_CODES = ("crime_recorded", "attended_resolved", "advice_given", "referred_partner", "no_further_action")
PUT, ASSESS, CHECK, CLOSE = "PUT cad incident", "POST assessment", "GET closure check", "POST close"


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def assessment_body(call: Call, submitted_at: datetime) -> dict[str, Any]:
    return {
        "submit": True,
        "threat": "Caller describes the threat in their own words.",
        "harm": "No injuries reported at the time of the call.",
        "risk": "Risk assessed on what the caller and the systems say.",
        "investigation": "Details taken; opportunities noted for attending officers.",
        "vulnerability": "No vulnerability identified beyond the incident itself.",
        "engagement": "Caller told what will happen next and when.",
        "children_involved": False,
        "voice_of_child": "",
        "risk_level": call.risk_level,
        "grading": call.grading,
        "rationale": "Grading kept as the CAD has it.",
        "scene_preservation": {
            "forensic_opportunities": "not_known",
            "evidence_retainable": "not_known",
            "csi_required": "no",
            "advice": "Asked not to touch anything the offender may have handled.",
        },
        "prevention": {
            "advice": "Crime prevention advice given on the call.",
            "send_link": False,
            "link_not_sent_reason": "Caller did not want a text.",
            "safe_to_text_confirmed": False,
            "phone": "",
        },
        "submitted_at": iso(submitted_at),
    }


class Adapter:
    def __init__(
        self, *, base_url: str, cad_token: str, taker_tokens: dict[str, str], speed: float,
        threads: int = 48,
    ) -> None:  # fmt: skip
        self.base = base_url.rstrip("/")
        self.cad_token = cad_token
        self.taker_tokens = taker_tokens
        self.speed = speed
        self.lock = threading.Lock()
        self.local = threading.local()
        # (endpoint, status or "transport", ms, expected?) for every request sent.
        self.requests: list[tuple[str, Any, float, bool]] = []
        self.expected: dict[tuple, float] = {}  # the events the answers promise -> when answered
        self.closed: list[str] = []  # references closed (answered 200), once per call
        self.replayed = 0  # retried closes answered from the idempotency record
        self.failures: list[str] = []  # calls that could not finish, and why
        self.disagreements: list[str] = []  # closure checks that said otherwise than the close
        self.late: list[float] = []  # seconds each step started after its time
        self.heap: list[tuple[float, int, Call, int]] = []
        self.cond = threading.Condition()
        self.seq = 0
        self.open_calls = 0
        self.pool = ThreadPoolExecutor(max_workers=threads)
        self.t0 = 0.0

    # --- HTTP -------------------------------------------------------------------------

    def session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def send(
        self, label: str, method: str, path: str, *, token: str, expect: tuple[int, ...], body: Any = None,
        headers: dict[str, str] | None = None, retry_transport: bool = True,
        expect_repeated: tuple[int, ...] | None = None,
    ) -> requests.Response | None:  # fmt: skip
        """One request (again after a transport error, if it is safe to repeat). A repeat may
        rightly answer otherwise than a first try (`expect_repeated`): a PUT whose first try
        made the incident before its answer was lost answers 200, not 201."""
        for attempt in range(3 if retry_transport else 1):
            if attempt and expect_repeated:
                expect = expect_repeated
            started = time.perf_counter()
            try:
                response = self.session().request(
                    method, self.base + path, json=body, timeout=30,
                    headers={"Authorization": f"Token {token}", **(headers or {})},
                )  # fmt: skip
            except requests.RequestException as exc:  # e.g. a kept-alive connection the server had closed
                self._record(label, f"transport ({type(exc).__name__})", started, False)
                continue
            self._record(label, response.status_code, started, response.status_code in expect)
            response.repeated = attempt > 0  # type: ignore[attr-defined]
            return response
        return None

    def _record(self, label: str, status: Any, started: float, ok: bool) -> None:
        with self.lock:
            self.requests.append((label, status, (time.perf_counter() - started) * 1000, ok))

    def twice(self, first: Any, second: Any) -> tuple[Any, Any]:
        """Run two sends at the same moment (a CAD retrying while the first is in flight)."""
        out: list[Any] = [None]
        thread = threading.Thread(target=lambda: out.__setitem__(0, first()))
        thread.start()
        again = second()
        thread.join()
        return out[0], again

    # --- the steps ----------------------------------------------------------------------

    def at(self, call: Call, offset: float) -> datetime:
        """The CAD's own time for a step: the moment it is sent, as a live CAD's would be. (The
        replayed day's clock would put the times in the past, where a re-THRIVE interval has long
        run out: every closure check, which asks about now, would find one overdue.)"""
        return datetime.now(UTC)

    def put_body(self, call: Call) -> dict[str, Any]:
        return {
            "channel": call.channel, "category": call.category, "grading": call.grading, "summary": call.summary,
            "location": call.location, "opened_at": call.opened_at, "handler": call.handler,
        }  # fmt: skip

    def put(self, call: Call, offset: float) -> bool:
        path = f"/api/cad/incidents/{call.cad_ref}/"
        call.opened_at = iso(self.at(call, offset))

        def send(label: str, expect: tuple[int, ...]) -> Any:
            return self.send(label, "PUT", path, token=self.cad_token, body=self.put_body(call), expect=expect)

        if call.put_retry == "concurrent":
            answers = self.twice(lambda: send(PUT, (200, 201)), lambda: send(PUT + " (retry)", (200, 201)))
            statuses = sorted(a.status_code for a in answers if a is not None)
            # One 201 and one 200; or two 200s when a try whose answer was lost made the incident.
            lost_first = statuses == [200, 200] and any(a.repeated for a in answers)
            if any(a is None for a in answers) or (statuses != [200, 201] and not lost_first):
                return self.fail(call, f"concurrent PUTs answered {[a and a.status_code for a in answers]}")
            if answers[0].json()["reference"] != answers[1].json()["reference"]:
                return self.fail(call, "concurrent PUTs made two incidents")
            first = answers[0]
        else:
            first = self.send(PUT, "PUT", path, token=self.cad_token, body=self.put_body(call), expect=(201,),
                              expect_repeated=(200, 201))  # fmt: skip
            made = first is not None and (first.status_code == 201 or (first.status_code == 200 and first.repeated))
            if not made:
                return self.fail(call, f"PUT answered {first and first.status_code}")
            if call.put_retry == "after":
                again = send(PUT + " (retry)", (200,))
                if again is None or again.json().get("reference") != first.json()["reference"]:
                    return self.fail(call, "the retried PUT answered otherwise")
        call.reference = first.json()["reference"]
        return True

    def regrade(self, call: Call, offset: float) -> bool:
        call.grading = call.new_grading
        path = f"/api/cad/incidents/{call.cad_ref}/"
        answer = self.send(PUT + " (grading change)", "PUT", path, token=self.cad_token, body=self.put_body(call),
                           expect=(200,))  # fmt: skip
        if answer is None or answer.status_code != 200:
            return self.fail(call, "the grading change was refused")
        if call.regrade == "after":
            # API.md: a changed grading on an incident with a submitted assessment makes a
            # re-THRIVE due now, which the outside world hears as incident.rethrive_overdue.
            with self.lock:
                self.expected[("incident.rethrive_overdue", call.reference)] = time.time()
        return True

    def assess(self, call: Call, offset: float) -> bool:
        path = f"/api/incidents/{call.reference}/assessments/"
        # With an Idempotency-Key, so a post lost to a dropped connection is safe to send again.
        key = f"{call.cad_ref}-assessment-{offset:.0f}"
        body = assessment_body(call, self.at(call, offset))  # built once: a retry sends the same bytes
        answer = self.send(ASSESS, "POST", path, token=self.taker_tokens[call.handler], expect=(201,), body=body,
                           headers={"Idempotency-Key": key})  # fmt: skip
        if answer is None or answer.status_code != 201:
            return self.fail(call, f"the assessment answered {answer and answer.status_code}: {answer and answer.text}")
        version = answer.json()["version"]
        with self.lock:
            self.expected[("assessment.submitted", call.reference, version)] = time.time()
        return True

    reassess = assess

    def closure_check(self, call: Call, offset: float) -> bool:
        answer = self.send(CHECK, "GET", f"/api/cad/incidents/{call.cad_ref}/closure/", token=self.cad_token,
                           expect=(200,))  # fmt: skip
        if answer is None or answer.status_code != 200:
            return self.fail(call, "the closure check failed")
        body = answer.json()
        if body["may_close"] == call.exempt:
            with self.lock:
                self.disagreements.append(f"{call.cad_ref}: may_close {body['may_close']}, {body['blockers']}")
        codes = body["exempt_codes"]
        wanted = "abandoned_no_trace" if call.channel != "999" else random.Random(call.number).choice(
            ("duplicate", "transferred"))  # fmt: skip
        call.closure_code = (wanted if wanted in codes else (codes or ["duplicate"])[0]) if call.exempt else (
            random.Random(call.number).choice(CLOSE_CODES))  # fmt: skip
        return True

    def close(self, call: Call, offset: float) -> bool:
        body: dict[str, Any] = {"closure_code": call.closure_code, "closed_at": iso(self.at(call, offset))}
        if call.exempt:
            body["exemption_reason"] = "Closed in the CAD: the same call as an earlier log."
        path = f"/api/cad/incidents/{call.cad_ref}/close/"
        headers = {"Idempotency-Key": f"{call.cad_ref}-close"}

        def send(label: str) -> Any:
            for _ in range(20):  # the same key still being processed: wait as Retry-After says
                answer = self.send(label, "POST", path, token=self.cad_token, body=body, headers=headers,
                                   expect=(200, 409))  # fmt: skip
                if answer is None or answer.status_code != 409 or answer.json().get("code") != "idempotency_key_busy":
                    return answer
                time.sleep(float(answer.headers.get("Retry-After") or 1))
            return answer

        if call.close_retry == "concurrent":
            answers = list(self.twice(lambda: send(CLOSE), lambda: send(CLOSE + " (retry, same key)")))
        else:
            answers = [send(CLOSE)]
            if call.close_retry == "after":
                answers.append(send(CLOSE + " (retry, same key)"))
        if any(a is None or a.status_code != 200 for a in answers):
            return self.fail(call, f"the close answered {[a and (a.status_code, a.text[:200]) for a in answers]}")
        if len({a.content for a in answers}) != 1:
            return self.fail(call, "a retried close answered otherwise than the first")
        with self.lock:
            self.replayed += sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers)
            self.closed.append(call.reference)
            self.expected[("incident.closed", call.reference)] = time.time()
        return True

    def fail(self, call: Call, why: str) -> bool:
        with self.lock:
            self.failures.append(f"{call.cad_ref}: {why}")
        return False

    # --- the schedule -------------------------------------------------------------------

    def schedule(self, call: Call, index: int) -> None:
        due = self.t0 + (call.at + call.steps[index][0]) / self.speed
        with self.cond:
            self.seq += 1
            heapq.heappush(self.heap, (due, self.seq, call, index))
            self.cond.notify()

    def step(self, call: Call, index: int, due: float) -> None:
        offset, name = call.steps[index]
        with self.lock:
            self.late.append(max(0.0, time.monotonic() - due))
        try:
            ok = getattr(self, name)(call, offset)
        except Exception as exc:  # a bad answer ends the call, reported, never the run
            ok = self.fail(call, f"{name}: {type(exc).__name__}: {exc}")
        if ok and index + 1 < len(call.steps):
            self.schedule(call, index + 1)
            return
        with self.cond:
            self.open_calls -= 1
            self.cond.notify()

    def run(self, calls: list[Call], progress: Any = None) -> float:
        """Replay every call; the wall time it took."""
        self.t0 = time.monotonic()
        self.open_calls = len(calls)
        for call in calls:
            self.schedule(call, 0)
        last_note = 0.0
        with self.cond:
            while self.open_calls:
                now = time.monotonic()
                if progress and now - last_note > 30:
                    progress(self, now - self.t0)
                    last_note = now
                if self.heap and self.heap[0][0] <= now:
                    due, _, call, index = heapq.heappop(self.heap)
                    self.pool.submit(self.step, call, index, due)
                    continue
                self.cond.wait(timeout=min(1.0, self.heap[0][0] - now) if self.heap else 1.0)
        self.pool.shutdown(wait=True)
        return time.monotonic() - self.t0
