"""Before the load: the run's state, the tables emptied, the staff and look-ups the rows point
at, and the plan (how many calls on each day)."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.db import connection

from accounts.models import Role, Team, User
from accounts.services import staff_set_role
from bench.volume.schema import OTHER_DEPENDENTS, TABLES
from bench.volume.shapes import LONDON, WEEKDAY
from incidents.models import Category, ClosureCode
from thrive.models import PromptSet, PromptSetStatus
from victims.models import PreventionAdvice

BENCH_PASSWORD = "bench-password"  # noqa: S105 - benchmark accounts on a throw-away database


@dataclass
class Volume:
    """One run: its options, the staff and look-ups the rows point at (read once, then handed
    to the producer processes), what was written and how long each phase took."""

    n: int
    years: float
    seed: int
    verbosity: int
    rng: random.Random
    handlers: list[tuple[int, int | None]] = field(default_factory=list)
    supervisor_of: dict[int | None, int] = field(default_factory=dict)
    prompt_set_id: int = 0
    categories: dict[str, int] = field(default_factory=dict)
    category_names: dict[str, str] = field(default_factory=dict)
    closures: list[int] = field(default_factory=list)
    exempt_closures: list[int] = field(default_factory=list)
    advice: dict[int, tuple[str, str]] = field(default_factory=dict)
    reference_counters: list[tuple[str, int]] = field(default_factory=list)
    # Connection parameters for the loading and server-side connections (Django's, as psycopg takes them).
    params: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    load_seconds: float = 0.0
    log_seconds: float = 0.0
    index_seconds: float = 0.0
    finish_seconds: float = 0.0


@dataclass
class Plan:
    """When, from which day, and how many incidents a day (so every day's incident ids are known)."""

    now: datetime
    first_day: date
    per_day: list[int]

    @property
    def epoch0(self) -> int:
        return int(datetime(self.first_day.year, self.first_day.month, self.first_day.day, tzinfo=UTC).timestamp())


def reset() -> None:
    """Empty the generated tables, and the rows that point at incidents without being generated."""
    names = ", ".join([*TABLES, *OTHER_DEPENDENTS])
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


def staff(run: Volume) -> None:
    """Teams of 12 handlers and a supervisor; trainers, analysts, an administrator. Reused if present."""
    per_year = run.n / max(run.years, 0.01)
    handlers = max(8, min(600, round(per_year / 6000)))
    team_count = math.ceil(handlers / 12)
    password = make_password(BENCH_PASSWORD)
    teams = [Team.objects.get_or_create(name=f"Watch {i + 1:02d}")[0] for i in range(team_count)]
    wanted: list[tuple[str, str, Team | None]] = [
        (f"handler{i + 1:03d}", Role.CALL_HANDLER, teams[i % team_count]) for i in range(handlers)
    ]
    wanted += [(f"supervisor{i + 1:02d}", Role.SUPERVISOR, team) for i, team in enumerate(teams)]
    wanted += [("trainer01", Role.TRAINER, None), ("analyst01", Role.ANALYST, None), ("admin01", Role.ADMIN, None)]
    existing = set(User.objects.filter(username__in=[w[0] for w in wanted]).values_list("username", flat=True))
    for username, role, team in wanted:
        if username in existing:
            continue
        user = User.objects.create(
            username=username,
            full_name=f"{username.rstrip('0123456789').title()} {username[-3:]}",
            email=f"{username}@example-police.uk",
            password=password,
            team=team,
            is_superuser=role == Role.ADMIN,
        )
        staff_set_role(user=user, role=role)
    users = User.objects.filter(username__in=[w[0] for w in wanted])
    run.handlers = [(u.pk, u.team_id) for u in users if u.role == Role.CALL_HANDLER]
    run.handlers.sort()
    run.supervisor_of = {u.team_id: u.pk for u in users if u.role == Role.SUPERVISOR}


def lookups(run: Volume) -> None:
    """The published prompt set, the categories, closure codes and prevention advice."""
    published = (
        PromptSet.objects.filter(family=settings.PROMPT_SET_FAMILY, status=PromptSetStatus.PUBLISHED)
        .order_by("-version")
        .first()
    )
    if published is None:
        raise CommandError("No published prompt set: run migrate first.")
    run.prompt_set_id = published.pk
    run.categories = {c.code: c.pk for c in Category.objects.all()}
    run.category_names = {c.code: c.name for c in Category.objects.all()}
    closures = list(ClosureCode.objects.filter(active=True))
    run.closures = [c.pk for c in closures if not c.exempt]
    run.exempt_closures = [c.pk for c in closures if c.exempt]
    run.advice = {a.category_id: (a.url, a.message) for a in PreventionAdvice.objects.all()}
    if not run.closures or not run.exempt_closures:
        raise CommandError("Closure codes are missing: run migrate first.")


def make_plan(run: Volume) -> Plan:
    """Calls per day: weekday and seasonal shape, scaled so the total is exactly N; the last day
    only up to now. Computed up front, so every day's incident ids are known."""
    rand = run.rng.random
    now = datetime.now(UTC)
    days = max(1, round(run.years * 365.25))
    first_day = (now.astimezone(LONDON).date()) - timedelta(days=days - 1)
    shape = []
    for d in range(days):
        day = first_day + timedelta(days=d)
        season = 1 + 0.08 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 100) / 365)
        shape.append(WEEKDAY[day.weekday()] * season * (0.9 + 0.2 * rand()))
    local_now = now.astimezone(LONDON)
    shape[-1] *= (local_now.hour * 3600 + local_now.minute * 60) / 86400
    scale = run.n / sum(shape)
    per_day, carry = [], 0.0
    for value in shape:
        carry += value * scale
        count = int(carry)
        carry -= count
        per_day.append(count)
    per_day[-1] += run.n - sum(per_day)
    run.reference_counters = [
        ((first_day + timedelta(days=d)).isoformat(), count) for d, count in enumerate(per_day) if count
    ]
    return Plan(now=now, first_day=first_day, per_day=per_day)
