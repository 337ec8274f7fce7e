# ruff: noqa: S311 - a seeded benchmark's choices, not secrets
"""`bench/cad_replay.py`, the day: a seeded day of a large force's calls as its CAD would log
them, each with the steps the adapter will take and when (seconds after the day's midnight).

Arrivals follow an hourly curve (quiet small hours, a late-afternoon and evening peak); the
channel, category and grading mixes are those of a large English force's control room, the
grading depending on the channel (a 999 call is mostly immediate or priority)."""

import random
from dataclasses import dataclass, field

# Relative calls per hour of the day, 00:00 to 23:00.
HOURLY = (3.0, 2.4, 1.9, 1.5, 1.2, 1.1, 1.4, 2.2, 3.3, 4.2, 4.6, 4.8, 5.0, 5.0, 5.1, 5.4, 5.9, 6.3, 6.4, 6.2,
          5.8, 5.2, 4.5, 3.7)  # fmt: skip
CHANNELS = {"999": 38, "101": 40, "online": 12, "live_chat": 5, "social_media": 2, "front_counter": 3}
CATEGORIES = {
    "concern_for_safety": 16, "asb": 13, "domestic_abuse": 11, "theft": 9, "suspicious_circumstances": 9,
    "road_traffic_collision": 7, "assault": 7, "criminal_damage": 6, "missing_person": 5, "harassment": 5,
    "burglary_dwelling": 4, "vehicle_crime": 3, "fraud": 2, "burglary_business": 1, "hate_crime": 1,
    "firearms": 0.3,
}  # fmt: skip
GRADINGS_999 = {"immediate": 38, "priority": 44, "scheduled": 13, "resolution_without_deployment": 5}
GRADINGS_OTHER = {"immediate": 4, "priority": 22, "scheduled": 38, "resolution_without_deployment": 36}
# How long a log stays open, by grading (minutes, a range drawn uniformly).
OPEN_MINUTES = {"immediate": (25, 75), "priority": (40, 150), "scheduled": (20, 100),
                "resolution_without_deployment": (8, 40)}  # fmt: skip
RISK = {"standard": 60, "medium": 30, "high": 10}
STREETS = ("High Street", "Station Road", "Church Lane", "Acacia Avenue", "Mill Road", "Park View", "Victoria Street",
           "Queens Road", "The Crescent", "Manor Way")  # fmt: skip
# The share of calls that take each path besides the plain one.
EXEMPT_SHARE = 0.06  # closed without an assessment (a duplicate, transferred, abandoned)
REGRADE_SHARE = 0.10  # the grading changes in the CAD (half before the assessment, half after)
PUT_RETRY_SHARE = 0.05  # the CAD sends the PUT again (a timeout)
CLOSE_RETRY_SHARE = 0.06  # the CAD sends the close again with the same Idempotency-Key
# Call takers on duty per shift: 07:00-15:00, 15:00-23:00, 23:00-07:00.
SHIFTS = ((7, 15), (15, 23), (23, 7))


@dataclass
class Call:
    number: int
    cad_ref: str
    at: float  # seconds after the day's midnight
    channel: str
    category: str
    grading: str
    summary: str
    location: str
    handler: str
    risk_level: str
    exempt: bool = False
    regrade: str = ""  # "", "before" or "after" the first assessment
    new_grading: str = ""
    put_retry: str = ""  # "", "after" (once the first answered) or "concurrent"
    close_retry: str = ""  # the same
    reference: str = ""  # THRIVE-SP's, from the PUT's answer
    closure_code: str = ""
    opened_at: str = ""  # the CAD's time of the first PUT, sent again with every later one
    # The steps as (seconds after the call's arrival, step name), in order.
    steps: list[tuple[float, str]] = field(default_factory=list)


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def shift_of(hour: int) -> int:
    return 0 if 7 <= hour < 15 else 1 if 15 <= hour < 23 else 2


def call_takers(count: int) -> list[tuple[str, int]]:
    """(username, shift) for `count` call takers spread over the three shifts."""
    return [(f"replay-ct-{n + 1:03d}", n % 3) for n in range(count)]


def day(*, calls: int, seed: int, prefix: str, takers: int) -> list[Call]:
    """`calls` calls over one day, ordered by arrival."""
    rng = random.Random(seed)
    on_shift: dict[int, list[str]] = {0: [], 1: [], 2: []}
    for name, shift in call_takers(takers):
        on_shift[shift].append(name)
    arrivals = sorted(
        rng.choices(range(24), weights=HOURLY)[0] * 3600 + rng.uniform(0, 3600) for _ in range(calls)
    )  # fmt: skip
    day_calls = []
    for number, at in enumerate(arrivals, start=1):
        channel = _pick(rng, CHANNELS)
        grading = _pick(rng, GRADINGS_999 if channel == "999" else GRADINGS_OTHER)
        call = Call(
            number=number,
            cad_ref=f"{prefix}/{number:05d}",
            at=at,
            channel=channel,
            category=_pick(rng, CATEGORIES),
            grading=grading,
            summary=f"Call {number} of the replayed day.",
            location=f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
            handler=rng.choice(on_shift[shift_of(int(at // 3600))] or on_shift[0]),
            risk_level=_pick(rng, RISK),
        )
        call.exempt = rng.random() < EXEMPT_SHARE
        if not call.exempt and rng.random() < REGRADE_SHARE:
            call.regrade = rng.choice(("before", "after"))
            call.new_grading = rng.choice([g for g in GRADINGS_999 if g != grading])
        if rng.random() < PUT_RETRY_SHARE:
            call.put_retry = rng.choice(("after", "concurrent"))
        if rng.random() < CLOSE_RETRY_SHARE:
            call.close_retry = rng.choice(("after", "concurrent"))
        call.steps = _steps(rng, call)
        day_calls.append(call)
    return day_calls


def _steps(rng: random.Random, call: Call) -> list[tuple[float, str]]:
    steps = [(0.0, "put")]  # a retried PUT or close is sent within its step
    t = 0.0
    if call.regrade == "before":
        t += rng.uniform(30, 150)
        steps.append((t, "regrade"))
    if not call.exempt:
        t += rng.uniform(120, 480)  # the call taker completes the assessment while on the line
        steps.append((t, "assess"))
        if call.regrade == "after":
            t += rng.uniform(300, 1200)
            steps.append((t, "regrade"))
            t += rng.uniform(120, 360)  # the re-THRIVE the new grading asks for
            steps.append((t, "reassess"))
    low, high = OPEN_MINUTES[call.new_grading or call.grading]
    t = max(t + 60, rng.uniform(low, high) * 60)
    steps.append((t, "closure_check"))
    steps.append((t + rng.uniform(5, 30), "close"))
    return steps
