"""Generate force-scale data straight into PostgreSQL with COPY (issue 8).

    manage.py generate_volume --incidents 7500000 --years 5 [--seed 1] [--reset]

What it writes, for a force of the size the numbers imply:
- staff: call handlers (one per ~6,000 calls a year), teams of 12 handlers with a supervisor,
  trainers, analysts and an administrator (the ORM: a few hundred rows);
- incidents across channels, categories and gradings, with a weekly, seasonal and hourly
  shape; references numbered per local day, and the reference counters to match;
- log entries (opened, assessment submitted, victim linked, texts, notes, closed);
- assessments with versions (answers in the shape tests.factories.complete_answers makes,
  against the published prompt set), drafts on some open incidents, returns and "reviewed";
- victims, a share of them repeat victims (same phone, name and date of birth) and people who
  share a household, with their repeat checks; one text per texting assessment in every state;
- per month and team, a dip sample of three closed incidents per handler, and their reviews
  (with a share of corrected second versions), except for the current month.

Speed: two producer processes (--workers, by day range: the calls per day are drawn up front, so
each knows its incident ids; the other ids come from disjoint blocks) format COPY text in Python
and stream it over one connection per table, committing only when both are done. Foreign-key
triggers are off for the loading sessions (session_replication_role = replica; the generator
writes consistent ids itself), and every secondary index, unique constraint and unreferenced
primary key of the loaded tables is dropped first. Then two server connections write the log
entries with INSERT ... SELECT from the loaded rows (C time, not Python), rebuild the indexes
(largest table first) and analyse each table. Nothing is left unlogged or disabled: a failure
rolls the COPYs back and the indexes are restored in a finally block. The data depend on the
seed and the number of workers.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import math
import multiprocessing
import random
import re
import sys
import threading
import time
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from accounts.models import Role, Team, User
from accounts.services import staff_set_role
from incidents.models import Category, ClosureCode
from thrive.models import PromptSet, PromptSetStatus
from thrive.rules import rethrive_interval
from victims import rules as victim_rules
from victims.models import PreventionAdvice

BENCH_PASSWORD = "bench-password"  # noqa: S105 - benchmark accounts on a throw-away database
LONDON = ZoneInfo("Europe/London")

# Tables in load order, with the columns the COPY gives.
TABLES: dict[str, list[str]] = {
    "incidents_incident": [
        "id", "reference", "channel", "category_id", "grading", "summary", "location", "status", "handler_id",
        "team_id", "opened_at", "rethrive_due_at", "rethrive_flagged_for", "closed_at", "closed_by_id",
        "closure_code_id", "exemption_reason", "row_version", "created_at", "closed_month",
    ],
    "incidents_logentry": ["id", "incident_id", "at", "author_id", "kind", "text"],
    "thrive_assessment": [
        "id", "incident_id", "version", "status", "prompt_set_id", "answers", "author_id", "revises_id",
        "risk_level", "created_at", "updated_at", "submitted_at", "submitted_month", "rethrive_on_time", "team_id",
    ],
    "thrive_assessmentreturn": [
        "id", "assessment_id", "returned_to_id", "returned_by_id", "reason", "sections", "feedback",
        "returned_at", "resolved_at", "resolved_by_id",
    ],
    "thrive_assessmentreviewed": ["id", "assessment_id", "reviewed_by_id", "reviewed_at"],
    "victims_victim": [
        "id", "incident_id", "name", "date_of_birth", "phone", "address", "postcode", "phone_e164", "name_key",
        "household_key", "incident_opened_at", "checked_at", "check_matches", "outcome", "household_note",
        "outcome_by_id", "outcome_at", "created_by_id", "created_at",
    ],
    "victims_text": [
        "id", "incident_id", "assessment_id", "created_by_id", "phone", "link", "body", "status", "attempts",
        "next_attempt_at", "claimed_until", "provider_id", "last_error", "created_at", "sent_at", "delivered_at",
        "failed_at", "created_month",
    ],
    "qa_sample": [
        "id", "month", "team_id", "per_handler", "seed", "created_by_id", "created_at", "withdrawn_at",
        "withdrawn_by_id",
    ],
    "qa_sampleitem": ["id", "sample_id", "incident_id", "assessment_id", "handler_id", "team_id"],
    "qa_review": [
        "id", "item_id", "version", "current", "month", "handler_id", "team_id", "reviewer_id", "vulnerability",
        "prevention", "preservation", "repeat_victim_check", "feedback", "good_practice", "correction_reason",
        "created_at", "acknowledged_at",
    ],
}  # fmt: skip
# Written by the producer processes; the QA samples by the parent (they need every reservoir);
# the log entries by the server, from the rows loaded.
SAMPLED = ["qa_sample", "qa_sampleitem", "qa_review"]
COPIED = [table for table in TABLES if table not in ("incidents_logentry", *SAMPLED)]
# The log entries, as the services write them, derived from the loaded rows: opened, a note on
# 40 % of the incidents (a hash of the id and the seed picks which, and when), closed ...
LOG_FROM_INCIDENTS = """
INSERT INTO incidents_logentry (incident_id, at, author_id, kind, text)
SELECT i.id, e.at, e.author_id, e.kind, e.text
FROM incidents_incident i
CROSS JOIN LATERAL (SELECT (hashint8(i.id + %(salt)s)::float8 + 2147483648) / 4294967296 AS u) AS n
CROSS JOIN LATERAL (VALUES
    (i.opened_at, i.handler_id, 'opened', 'Incident opened.'),
    (CASE WHEN n.u < 0.4 THEN i.opened_at + make_interval(secs => 300 + floor(n.u / 0.4 * 1800)) END,
     i.handler_id, 'note', 'Caller updated: no change.'),
    (i.closed_at, i.closed_by_id, 'closed', 'Incident closed.')
) AS e (at, author_id, kind, text)
WHERE e.at <= %(now)s
"""
# ... and the assessments submitted and returned, the victims linked and checked, the texts.
LOG_FROM_RECORDS = """
INSERT INTO incidents_logentry (incident_id, at, author_id, kind, text)
SELECT incident_id, submitted_at, author_id, 'assessment_submitted', 'Assessment version ' || version || ' submitted.'
FROM thrive_assessment WHERE status = 'submitted'
UNION ALL
SELECT a.incident_id, r.returned_at, r.returned_by_id, 'assessment_returned', 'Version ' || a.version || ' returned.'
FROM thrive_assessmentreturn r JOIN thrive_assessment a ON a.id = r.assessment_id
UNION ALL
SELECT v.incident_id, e.at, v.created_by_id, e.kind, e.text
FROM victims_victim v CROSS JOIN LATERAL (VALUES
    (v.checked_at, 'victim_linked', 'Victim linked.'),
    (v.checked_at + interval '1 second', 'repeat_check',
     'Repeat victim check: ' || jsonb_array_length(v.check_matches) || ' matches.')
) AS e (at, kind, text)
UNION ALL
SELECT t.incident_id, e.at, e.author_id, e.kind, e.text
FROM victims_text t CROSS JOIN LATERAL (VALUES
    (t.created_at + interval '1 second', t.created_by_id, 'text_queued', 'Prevention text queued.'),
    (CASE WHEN t.status <> 'queued' THEN t.created_at + interval '40 seconds' END, NULL,
     'text_' || t.status, 'Prevention text ' || t.status || '.')
) AS e (at, author_id, kind, text)
WHERE e.at IS NOT NULL
"""
# Also emptied by --reset (rows that point at incidents but are not generated).
OTHER_DEPENDENTS = ["qa_review_themes", "qa_dispute", "incidents_referencecounter"]

CHANNELS = (["999", "101", "online", "live_chat", "social_media", "front_counter"], [30, 45, 14, 5, 3, 3])
GRADINGS = (["immediate", "priority", "scheduled", "resolution_without_deployment"], [18, 37, 25, 20])
# Minutes from opening to closing, by grading (low, high).
CLOSE_MINUTES = {
    "immediate": (60, 480),
    "priority": (120, 1800),
    "scheduled": (1440, 7200),
    "resolution_without_deployment": (10, 120),
}
CATEGORY_WEIGHTS = {
    "asb": 14, "assault": 9, "burglary_business": 2, "burglary_dwelling": 5, "concern_for_safety": 13,
    "criminal_damage": 6, "domestic_abuse": 12, "fraud": 4, "harassment": 5, "hate_crime": 1, "missing_person": 4,
    "road_traffic_collision": 8, "suspicious_circumstances": 9, "theft": 6, "vehicle_crime": 2,
}  # fmt: skip
# Share of incidents with a victim linked, by category.
VICTIM_SHARE = {
    "assault": 0.9, "burglary_business": 0.6, "burglary_dwelling": 0.9, "criminal_damage": 0.7,
    "domestic_abuse": 0.95, "fraud": 0.8, "harassment": 0.85, "hate_crime": 0.9, "theft": 0.7, "vehicle_crime": 0.7,
}  # fmt: skip
# Local hours 00..23: quiet small hours, a late-afternoon and evening peak.
HOURLY = [3.0, 2.4, 1.8, 1.4, 1.1, 1.0, 1.3, 2.0, 3.0, 3.8, 4.2, 4.5, 4.7, 4.8, 4.9, 5.1, 5.4, 5.7, 5.9, 5.8, 5.4,
          4.9, 4.3, 3.6]  # fmt: skip
WEEKDAY = [1.0, 0.97, 0.97, 0.99, 1.08, 1.12, 1.05]  # Monday first: Friday and Saturday busiest
SUMMARIES = [
    "Caller reports a disturbance outside the address.",
    "Caller reports a break-in while they were out.",
    "Neighbour concerned for an elderly resident not seen for days.",
    "Caller reports threats from an ex-partner.",
    "Two-vehicle collision, no injuries reported.",
    "Shop staff report a shoplifter detained.",
    "Caller reports damage to their car overnight.",
    "Caller reports repeated abusive messages.",
    "Report of a suspicious person trying door handles.",
    "Caller reports money taken by a phone scam.",
]
STREETS = ["High Street", "Station Road", "Church Lane", "Park Avenue", "Victoria Road", "Mill Lane", "Green Close"]
TOWNS = [("Aldham", "AL"), ("Brockley", "BR"), ("Castleford", "CF"), ("Dunmore", "DN"), ("Eastwick", "EW")]
FIRST = ["Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Arthur", "Ivy", "Leo", "Grace", "Harry", "Zara",
         "Mohammed", "Priya", "Jack", "Chloe", "Tomasz", "Aisha", "Callum"]  # fmt: skip
LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Khan", "Patel", "Evans", "Walker", "Wright",
        "Thompson", "Hughes", "O'Brien", "Kowalski", "Ahmed", "Roberts", "Green", "Hall", "Clarke"]  # fmt: skip
GRADES = (["outstanding", "good", "requires_improvement", "inadequate", "not_applicable"], [12, 55, 20, 5, 8])
CHECKS = (["yes", "no", "not_applicable"], [78, 12, 10])
SECTIONS = [
    "threat",
    "harm",
    "risk",
    "investigation",
    "vulnerability",
    "engagement",
    "scene_preservation",
    "prevention",
]


def answers(*, risk: str, grading: str, children: bool, send_link: bool, phone: str, variant: int) -> dict[str, Any]:
    """The answers of a complete assessment, in the shape of tests.factories.complete_answers."""
    detail = ["", " Caller calm now.", " History of two previous calls.", " Neighbour is with the caller."][variant % 4]
    return {
        "threat": "Ex-partner threatened to come back tonight." + detail,
        "harm": "Bruising to the arm; caller frightened." + (" Two children at home, heard the argument." * children),
        "risk": "Likely to return; history of previous calls." + detail,
        "investigation": "Suspect details taken; neighbour witnessed the incident.",
        "vulnerability": "Caller lives alone and has limited mobility." + detail,
        "engagement": "Officer to attend; caller told what to expect and when.",
        "children_involved": children,
        "voice_of_child": "Older child says they are scared when he visits." if children else "",
        "risk_level": risk,
        "grading": grading,
        "rationale": "Grading reflects the risk of further harm tonight." + detail,
        "scene_preservation": {
            "forensic_opportunities": ["yes", "no", "not_known"][variant % 3],
            "evidence_retainable": ["no", "yes", "not_known"][variant % 3],
            "csi_required": "not_known",
            "advice": "Do not clean up; keep items where they fell." if variant % 3 != 2 else "",
        },
        "prevention": {
            "advice": "Advised to keep doors locked and call 999 if he returns.",
            "send_link": send_link,
            "link_not_sent_reason": "" if send_link else "Not safe to text: the suspect may see the phone.",
            "safe_to_text_confirmed": send_link,
            "phone": phone if send_link else "",
        },
    }


@dataclass
class Person:
    """A victim who may call again: keys computed once, reused by repeat incidents."""

    name: str
    dob: str
    phone: str
    phone_e164: str
    name_key: str
    address: str
    postcode: str
    household_key: str
    # Earlier incidents of this person: (opened, reference, category code), for the check's matches.
    history: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass
class Plan:
    """When, from which day, and how many incidents a day (so every day's incident ids are known)."""

    now: datetime
    first_day: date
    per_day: list[int]

    @property
    def epoch0(self) -> int:
        return int(datetime(self.first_day.year, self.first_day.month, self.first_day.day, tzinfo=UTC).timestamp())


@dataclass
class Task:
    """One statement of the server-side phase, run once the tasks it needs are finished."""

    name: str
    sql: str
    args: dict | None
    needs: set[str] = field(default_factory=set)


class Progress:
    """One stderr line with the count, the rate and the time left."""

    def __init__(self, total: int) -> None:
        self.total, self.start, self.last = total, time.monotonic(), 0.0

    def update(self, done: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < 1:
            return
        self.last = now
        elapsed = now - self.start
        rate = done / elapsed if elapsed else 0
        left = (self.total - done) / rate if rate else 0
        pct = 100 * done / self.total if self.total else 100
        sys.stderr.write(
            f"\r  incidents {done:>10,}/{self.total:,} {pct:5.1f}%  {rate:>8,.0f}/s  "
            f"elapsed {elapsed:6.0f}s  left {left:6.0f}s "
        )
        sys.stderr.flush()


class Command(BaseCommand):
    help = "Generate force-scale incidents, assessments, victims, texts and QA data with COPY (issue 8)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--incidents", type=int, required=True)
        parser.add_argument("--years", type=float, default=5)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--reset", action="store_true", help="Empty the generated tables first.")
        parser.add_argument("--chunk", type=int, default=20000, help="Incidents per COPY write.")
        parser.add_argument(
            "--workers", type=int, default=2, help="Producer processes, by day range (the data depends on it)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "generate_volume writes with PostgreSQL's COPY: set DATABASE_URL to a PostgreSQL database."
            )
        started = time.monotonic()
        self.seed = options["seed"]
        self.verbosity = options["verbosity"]
        self.rng = random.Random(self.seed)
        self.n = options["incidents"]
        self.years = options["years"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM incidents_incident)")
            has_rows = cursor.fetchone()[0]
        if has_rows and not options["reset"]:
            raise CommandError("The database already has incidents: pass --reset to replace them.")
        if options["reset"]:
            self._reset()
        self._staff()
        self._lookups()
        plan = self._plan()
        indexes = self._drop_indexes()
        restored: set[str] = set()
        try:
            self._load(plan, options["chunk"], max(1, options["workers"]))
            self._server_side(plan, indexes, restored)
        finally:
            # After a failure: whatever the server-side phase did not put back.
            self._restore_indexes([statement for statement in indexes if statement not in restored])
        self._finish()
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Generated {self.n:,} incidents in {elapsed:.0f}s ({self.n / elapsed:,.0f} incidents/s overall; "
            f"loading {self.load_seconds:.0f}s, log entries {self.log_seconds:.0f}s, "
            f"log entries and indexes {self.index_seconds:.0f}s, finishing {self.finish_seconds:.0f}s)."
        )
        for table, count in self.counts.items():
            self.stdout.write(f"  {table}: {count:,}")

    # --- server side: the log entries, the indexes, the statistics -----------------------

    def _server_side(self, plan: Plan, indexes: list[str], restored: set[str]) -> None:
        """Two connections (the machine has two cores) work through a list of tasks: the log entries
        first (two INSERT ... SELECTs, derived from the rows loaded, so they cost C time, not
        Python's), then the indexes, largest table first (the log entries' once both are in), then
        ANALYZE of each table once its indexes are back."""
        started = time.monotonic()
        salt = (self.seed % 1000003) * 1000000007
        log_tasks = [
            ("log entries from incidents", LOG_FROM_INCIDENTS, {"salt": salt, "now": plan.now}),
            ("log entries from records", LOG_FROM_RECORDS, {}),
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, pg_relation_size(oid) FROM pg_class WHERE relname = ANY(%s)", [list(TABLES)]
            )
            sizes = dict(cursor.fetchall())
        sizes["incidents_logentry"] = 1 << 62  # not loaded yet: the largest by far

        def table_of(statement: str) -> str:
            match = re.match(r"ALTER TABLE (\S+)", statement) or re.search(r" ON (\S+) USING ", statement)
            return match.group(1).removeprefix("public.")

        tasks: list[Task] = [Task(name, sql, args) for name, sql, args in log_tasks]
        logs = {task.name for task in tasks}
        builds = sorted(indexes, key=lambda statement: -sizes.get(table_of(statement), 0))
        for statement in builds:
            table = table_of(statement)
            tasks.append(Task(statement, statement, None, needs=logs if table == "incidents_logentry" else set()))
        for table in TABLES:
            needs = {s for s in builds if table_of(s) == table} | (logs if table == "incidents_logentry" else set())
            tasks.append(Task(f"analyse {table}", f"ANALYZE {table}", None, needs=needs))
        finished: set[str] = set()
        failures: list[BaseException] = []
        condition = threading.Condition()
        total = len(tasks)
        self.log_seconds = 0.0

        def worker() -> None:
            try:
                work()
            except BaseException as error:  # raised by the main thread
                with condition:
                    failures.append(error)
                    condition.notify_all()

        def work() -> None:
            with psycopg.connect(**self._params, autocommit=True) as conn:
                conn.execute("SET session_replication_role = replica")  # the loaded ids are consistent
                conn.execute("SET synchronous_commit = off")
                conn.execute("SET maintenance_work_mem = '1GB'")
                conn.execute("SET work_mem = '256MB'")
                conn.execute("SET max_parallel_maintenance_workers = 1")
                while True:
                    with condition:
                        while True:
                            if failures or not tasks:
                                return
                            task = next((t for t in tasks if t.needs <= finished), None)
                            if task is not None:
                                tasks.remove(task)
                                break
                            condition.wait()
                    began = time.monotonic()
                    cursor = conn.execute(task.sql, task.args)
                    with condition:
                        if task.name in logs:
                            self.counts["incidents_logentry"] += cursor.rowcount
                        finished.add(task.name)
                        if task.name in logs:
                            self.log_seconds = time.monotonic() - started
                        elif task.sql == task.name:
                            restored.add(task.sql)
                        if self.verbosity > 1:
                            sys.stderr.write(f"  {time.monotonic() - began:6.1f}s  {task.name[:100]}\n")
                        else:
                            sys.stderr.write(f"\r  log entries, indexes and statistics {len(finished)}/{total} ")
                        sys.stderr.flush()
                        condition.notify_all()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        sys.stderr.write("\n")
        if failures:
            raise failures[0]
        self.index_seconds = time.monotonic() - started

    # --- set-up -----------------------------------------------------------------------

    def _reset(self) -> None:
        names = ", ".join([*TABLES, *OTHER_DEPENDENTS])
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")

    def _staff(self) -> None:
        """Teams of 12 handlers and a supervisor; trainers, analysts, an administrator. Reused if present."""
        per_year = self.n / max(self.years, 0.01)
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
        self.handlers = [(u.pk, u.team_id) for u in users if u.role == Role.CALL_HANDLER]
        self.handlers.sort()
        self.supervisor_of = {u.team_id: u.pk for u in users if u.role == Role.SUPERVISOR}

    def _lookups(self) -> None:
        published = (
            PromptSet.objects.filter(family=settings.PROMPT_SET_FAMILY, status=PromptSetStatus.PUBLISHED)
            .order_by("-version")
            .first()
        )
        if published is None:
            raise CommandError("No published prompt set: run migrate first.")
        self.prompt_set_id = published.pk
        self.categories = {c.code: c.pk for c in Category.objects.all()}
        self.category_names = {c.code: c.name for c in Category.objects.all()}
        closures = list(ClosureCode.objects.filter(active=True))
        self.closures = [c.pk for c in closures if not c.exempt]
        self.exempt_closures = [c.pk for c in closures if c.exempt]
        self.advice = {a.category_id: (a.url, a.message) for a in PreventionAdvice.objects.all()}
        if not self.closures or not self.exempt_closures:
            raise CommandError("Closure codes are missing: run migrate first.")

    # --- indexes ----------------------------------------------------------------------

    def _drop_indexes(self) -> list[str]:
        """Drop every secondary index and unique/exclusion constraint of the loaded tables, and the
        primary keys no foreign key references, returning the SQL that puts each back. The other
        primary keys and the check constraints stay."""
        restore: list[str] = []
        tables = list(TABLES)
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
                   WHERE c.conrelid = ANY(%s::regclass[]) AND (c.contype IN ('u', 'x') OR c.contype = 'p' AND NOT EXISTS
                   (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = c.conrelid))""",
                [tables],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
                   WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
                   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
                [tables],
            )
            indexes = cursor.fetchall()
            for table, name, definition in constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            for name, definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
                restore.append(definition)
        self.stderr.write(f"  dropped {len(restore)} indexes and unique constraints for the load")
        return restore

    def _restore_indexes(self, restore: list[str]) -> None:
        if not restore:
            return
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute("SET max_parallel_maintenance_workers = 2")
            for number, statement in enumerate(restore, 1):
                sys.stderr.write(f"\r  rebuilding indexes {number}/{len(restore)} ")
                sys.stderr.flush()
                cursor.execute(statement)
        sys.stderr.write("\n")

    # --- the plan -----------------------------------------------------------------------

    def _plan(self) -> Plan:
        """Calls per day: weekday and seasonal shape, scaled so the total is exactly N; the last day
        only up to now. Computed up front, so every day's incident ids are known."""
        rand = self.rng.random
        now = datetime.now(UTC)
        days = max(1, round(self.years * 365.25))
        first_day = (now.astimezone(LONDON).date()) - timedelta(days=days - 1)
        shape = []
        for d in range(days):
            day = first_day + timedelta(days=d)
            season = 1 + 0.08 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 100) / 365)
            shape.append(WEEKDAY[day.weekday()] * season * (0.9 + 0.2 * rand()))
        local_now = now.astimezone(LONDON)
        shape[-1] *= (local_now.hour * 3600 + local_now.minute * 60) / 86400
        scale = self.n / sum(shape)
        per_day, carry = [], 0.0
        for value in shape:
            carry += value * scale
            count = int(carry)
            carry -= count
            per_day.append(count)
        per_day[-1] += self.n - sum(per_day)
        self.reference_counters = [
            ((first_day + timedelta(days=d)).isoformat(), count) for d, count in enumerate(per_day) if count
        ]
        return Plan(now=now, first_day=first_day, per_day=per_day)

    # --- the load ---------------------------------------------------------------------

    def _load(self, plan: Plan, chunk: int, workers: int) -> None:
        """Producer processes by day range, each streaming its own COPYs with disjoint id blocks. Each
        loads its rows in open transactions, reports its reservoirs, and commits only when every
        producer is ready (and the samples, which need all reservoirs, are written)."""
        started = time.monotonic()
        self.counts: dict[str, int] = defaultdict(int)
        # Split the days so that each producer gets about the same number of incidents.
        bounds, total, target = [0], 0, self.n / workers
        for d, count in enumerate(plan.per_day):
            total += count
            if len(bounds) < workers and total >= target * len(bounds):
                bounds.append(d + 1)
        bounds += [len(plan.per_day)] * (workers + 1 - len(bounds))
        slices, before = [], 0
        for k in range(workers):
            incidents = sum(plan.per_day[bounds[k] : bounds[k + 1]])
            # Upper bounds per incident: 3 versions and a draft, 2 returns, 1 reviewed, victim, text.
            bases = {"incident": before, "assessment": 4 * before, "return": 2 * before, "reviewed": before,
                     "victim": before, "text": before}  # fmt: skip
            slices.append((bounds[k], bounds[k + 1], bases, incidents))
            before += incidents
        progress = Progress(self.n)
        reservoirs: dict[tuple[date, int], list[Any]] = {}
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        self._params = params
        if workers == 1:
            first, last, bases, _ = slices[0]
            with self._copies(params, [*COPIED, *SAMPLED]) as (buffers, flush):
                self._generate(
                    plan, buffers, flush, chunk, first, last, bases, self.rng, lambda done: progress.update(done)
                )
                progress.update(self.n, force=True)
                sys.stderr.write("\n")
                self._samples(plan, self._reservoirs, buffers)
            for table, count in self._counted.items():
                self.counts[table] += count
        else:
            connection.close()  # no connection shared with the forked producers
            context = multiprocessing.get_context("fork")
            dones = [context.Value("q", 0, lock=False) for _ in slices]
            pipes, processes = [], []
            for k, (first, last, bases, _) in enumerate(slices):
                parent_end, child_end = context.Pipe()
                process = context.Process(
                    target=self._produce,
                    args=(child_end, plan, chunk, first, last, bases, f"{self.seed}-{k}", dones[k]),
                    daemon=True,
                )
                process.start()
                pipes.append(parent_end)
                processes.append(process)
            try:
                ready = [None] * len(pipes)
                while not all(ready):
                    for k, pipe in enumerate(pipes):
                        if ready[k] is None and pipe.poll(0.2):
                            message = pipe.recv()
                            if message[0] == "error":
                                raise CommandError(f"producer {k + 1} failed:\n{message[1]}")
                            ready[k] = message
                        elif ready[k] is None and not processes[k].is_alive():
                            raise CommandError(f"producer {k + 1} died (exit code {processes[k].exitcode})")
                    progress.update(sum(done.value for done in dones))
                for _, counted, their_reservoirs in ready:
                    for table, count in counted.items():
                        self.counts[table] += count
                    _merge_reservoirs(reservoirs, their_reservoirs, self.rng)
                progress.update(self.n, force=True)
                sys.stderr.write("\n")
                with self._copies(params, ["qa_sample", "qa_sampleitem", "qa_review"]) as (buffers, _flush):
                    self._samples(plan, reservoirs, buffers)
                for table, count in self._counted.items():
                    self.counts[table] += count
                for pipe in pipes:
                    pipe.send("commit")
                for k, pipe in enumerate(pipes):
                    message = pipe.recv()
                    if message[0] != "committed":
                        raise CommandError(f"producer {k + 1} failed to commit:\n{message[1]}")
            finally:
                for pipe in pipes:
                    with contextlib.suppress(OSError):
                        pipe.send("abort")
                for process in processes:
                    process.join(30)
                    if process.is_alive():
                        process.kill()
        self.load_seconds = time.monotonic() - started

    @contextlib.contextmanager
    def _copies(self, params: dict, tables: list[str] | None = None) -> Any:
        """One connection and COPY per table (the server parses one while Python formats the next),
        FK triggers off; committed when the block ends without an exception."""
        with contextlib.ExitStack() as stack:
            copies: dict[str, Any] = {}
            for table in tables or COPIED:
                conn = stack.enter_context(psycopg.connect(**params))
                conn.execute("SET session_replication_role = replica")  # no FK triggers: ids are ours
                conn.execute("SET synchronous_commit = off")
                copy = stack.enter_context(conn.cursor().copy(f"COPY {table} ({', '.join(TABLES[table])}) FROM STDIN"))
                copies[table] = copy
            buffers: dict[str, list[str]] = {table: [] for table in copies}
            counted: dict[str, int] = defaultdict(int)
            self._counted = counted

            def flush() -> None:
                for table, lines in buffers.items():
                    if lines:
                        counted[table] += len(lines)
                        copies[table].write("".join(lines))
                        lines.clear()

            yield buffers, flush
            flush()

    def _produce(self, pipe: Any, plan: Plan, chunk: int, first: int, last: int, bases: dict, seed: str,
                 done: Any) -> None:  # fmt: skip
        """One producer process: generate days [first, last), wait for the word to commit."""
        try:
            with self._copies(self._params) as (buffers, flush):
                self._generate(
                    plan, buffers, flush, chunk, first, last, bases, random.Random(seed),
                    lambda count: setattr(done, "value", count),
                )  # fmt: skip
                flush()
                pipe.send(("ready", dict(self._counted), self._reservoirs))
                if pipe.recv() != "commit":
                    raise CommandError("aborted")
            pipe.send(("committed",))
        except BaseException:  # reported to the parent, which raises
            with contextlib.suppress(OSError):
                pipe.send(("error", traceback.format_exc()))

    def _generate(self, plan: Plan, out: dict[str, list[str]], flush: Any, chunk: int, first: int, last: int,
                  bases: dict, rng: random.Random, report: Any) -> None:  # fmt: skip
        rand, choices = rng.random, rng.choices

        def randrange(a: int, b: int | None = None) -> int:
            return int(rand() * a) if b is None else a + int(rand() * (b - a))

        now = plan.now
        now_s = int(now.timestamp())
        first_day, per_day = plan.first_day, plan.per_day
        days = len(per_day)

        # Timestamps as text without datetime objects: a day's date string and an hh:mm:ss table.
        epoch0 = plan.epoch0
        day_strings = [(first_day + timedelta(days=d)).isoformat() for d in range(days + 40)]
        hms = [f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(86400)]

        def ts(seconds: int) -> str:
            off = seconds - epoch0
            return day_strings[off // 86400] + hms[off % 86400]

        hour_cum = list(_cumulative(HOURLY))
        cat_codes = list(CATEGORY_WEIGHTS)
        cat_cum = list(_cumulative(CATEGORY_WEIGHTS.values()))
        chan_cum = list(_cumulative(CHANNELS[1]))
        grad_cum = list(_cumulative(GRADINGS[1]))
        handlers = self.handlers
        supervisor_of = self.supervisor_of
        cat_ids = self.categories
        category_names = self.category_names
        closures, exempt_closures = self.closures, self.exempt_closures
        prompt_set = self.prompt_set_id
        base_url = settings.FORCE_ADVICE_BASE_URL

        # Rule 5's interval per grading, from the one rule, as seconds: the rows here are epoch
        # seconds, so the sum is elapsed time across the clock changes by construction.
        rethrive_seconds = {grading: int(rethrive_interval(grading).total_seconds()) for grading in GRADINGS[0]}

        # A few answer documents per (risk, grading, children, texting), dumped once.
        answer_cache: dict[tuple, str] = {}

        def answer_json(risk: str, grading: str, children: bool, send_link: bool, phone: str, variant: int) -> str:
            if send_link:  # the phone is the victim's own: dump this one
                return json.dumps(answers(risk=risk, grading=grading, children=children, send_link=True,
                                          phone=phone, variant=variant))  # fmt: skip
            key = (risk, grading, children, variant)
            text = answer_cache.get(key)
            if text is None:
                text = answer_cache[key] = json.dumps(
                    answers(risk=risk, grading=grading, children=children, send_link=False, phone="", variant=variant)
                )
            return text

        persons: list[Person] = []
        households: list[tuple[str, str, str]] = []
        ids = defaultdict(int, {"return": bases["return"], "reviewed": bases["reviewed"], "text": bases["text"]})
        inc_out, ass_out = out["incidents_incident"], out["thrive_assessment"]
        ret_out, rev_out = out["thrive_assessmentreturn"], out["thrive_assessmentreviewed"]
        vic_out, text_out = out["victims_victim"], out["victims_text"]
        # Reservoirs for the dip samples: (closed month, handler) -> [seen, [(incident, assessment, team)]].
        reservoirs: dict[tuple[date, int], list[Any]] = {}
        self._reservoirs = reservoirs
        done = since_flush = 0

        next_incident = itertools.count(bases["incident"] + 1).__next__
        next_assessment = itertools.count(bases["assessment"] + 1).__next__
        next_victim = itertools.count(bases["victim"] + 1).__next__

        @functools.lru_cache(maxsize=4096)
        def month_of_hour(hour: int) -> str:
            local = datetime.fromtimestamp(hour * 3600, LONDON)
            return f"{local.year:04d}-{local.month:02d}-01"

        def month_of(seconds: int) -> str:
            """The local month, first day, of an epoch second (months change on the hour)."""
            return month_of_hour(seconds // 3600)

        for d in range(first, last):
            count = per_day[d]
            if not count:
                continue
            day = first_day + timedelta(days=d)
            offset = int(datetime(day.year, day.month, day.day, 12, tzinfo=LONDON).utcoffset().total_seconds())
            day_start = epoch0 + d * 86400 - offset
            hours = choices(range(24), cum_weights=hour_cum, k=count)
            seconds = sorted(h * 3600 + randrange(3600) for h in hours)
            if d == days - 1:
                limit = now_s - day_start - 1
                seconds = [min(s, limit) for s in seconds]
            ref_prefix = f"{day:%d%m%y}-"
            cats = choices(cat_codes, cum_weights=cat_cum, k=count)
            chans = choices(CHANNELS[0], cum_weights=chan_cum, k=count)
            grads = choices(GRADINGS[0], cum_weights=grad_cum, k=count)
            for number in range(count):
                inc = next_incident()
                opened = day_start + seconds[number]
                code, grading = cats[number], grads[number]
                handler, team = handlers[randrange(len(handlers))]
                low, high = CLOSE_MINUTES[grading]
                closed = opened + 60 * (low + randrange(high - low))
                is_open = closed > now_s
                exempt = rand() < 0.05
                risk = "high" if code in ("domestic_abuse", "hate_crime", "missing_person") else "medium"
                if rand() < 0.3:
                    risk = "low" if risk == "medium" else "medium"
                children = code == "domestic_abuse" and rand() < 0.4

                # The victim, maybe a repeat (same person) or someone in a known household.
                victim_person: Person | None = None
                if rand() < VICTIM_SHARE.get(code, 0.1) and not exempt:
                    if persons and rand() < 0.22:
                        victim_person = persons[randrange(max(0, len(persons) - 40000), len(persons))]
                    else:
                        victim_person = self._person(rng, households)
                        persons.append(victim_person)
                        if len(persons) > 400000:  # keep memory flat: old people seldom call again
                            del persons[:100000]

                # Assessments: 1-3 submitted versions, none for exempt closures; a draft on some open ones.
                versions = 0 if exempt else (1 if rand() < 0.8 else (2 if rand() < 0.75 else 3))
                first_at = opened + 60 * (2 + randrange(13))
                if is_open and first_at > now_s:
                    versions = 0
                texting = victim_person is not None and victim_person.phone and rand() < 0.55
                last_id, last_at = 0, opened
                assessment_ids: list[tuple[int, int]] = []
                at = first_at
                for version in range(1, versions + 1):
                    if version > 1:
                        at = last_at + 60 * (30 + randrange(210))
                        if at >= (now_s if is_open else closed):
                            break
                    aid = next_assessment()
                    sends = texting and version == 1
                    document = answer_json(risk, grading, children, sends, victim_person.phone if sends else "",
                                           inc % 7)  # fmt: skip
                    stamp = ts(at)
                    # Compliance columns, as thrive.services.assessment_record writes them.
                    on_time = (
                        ("t" if at <= last_at + rethrive_seconds[grading] else "f") if version > 1 else chr(92) + "N"
                    )
                    ass_out.append(
                        f"{aid}\t{inc}\t{version}\tsubmitted\t{prompt_set}\t{document}\t{handler}\t"
                        f"{last_id or chr(92) + 'N'}\t{risk}\t{ts(at - 240)}\t{stamp}\t{stamp}\t{month_of(at)}\t"
                        f"{on_time}\t{team}\n"
                    )
                    assessment_ids.append((aid, at))
                    last_id, last_at = aid, at
                if is_open and rand() < 0.15 and (not assessment_ids or rand() < 0.5):
                    draft_id = next_assessment()
                    draft_at = min(now_s - 30, last_at + 60 * (1 + randrange(20)))
                    document = answer_json(risk, grading, children, False, "", inc % 7)
                    ass_out.append(
                        f"{draft_id}\t{inc}\t{len(assessment_ids) + 1}\tdraft\t{prompt_set}\t{document}\t"
                        f"{handler}\t\\N\t\t{ts(draft_at - 120)}\t{ts(draft_at)}\t\\N\t\\N\t\\N\t{team}\n"
                    )

                # Supervision of the versions: returned (then revised by the next version), or reviewed.
                supervisor = supervisor_of.get(team)
                for index, (aid, at) in enumerate(assessment_ids):
                    later = assessment_ids[index + 1] if index + 1 < len(assessment_ids) else None
                    if later and rand() < 0.3 and supervisor:
                        ids["return"] += 1
                        back = at + (later[1] - at) // 2
                        ret_out.append(
                            f"{ids['return']}\t{aid}\t{handler}\t{supervisor}\tpoor_quality\t"
                            f'["vulnerability"]\tSay more about the caller\'s vulnerability.\t{ts(back)}\t'
                            f"{ts(later[1])}\t{later[0]}\n"
                        )
                    elif later is None and supervisor and at < now_s - 7200 and rand() < 0.6:
                        ids["reviewed"] += 1
                        rev_out.append(f"{ids['reviewed']}\t{aid}\t{supervisor}\t{ts(at + 3600 + randrange(86400))}\n")

                if victim_person is not None:
                    vid = next_victim()
                    linked = opened + 60 + randrange(600)
                    reference = f"{ref_prefix}{number + 1:04d}"
                    matches = [h for h in victim_person.history[-3:] if opened - h[0] < 365 * 86400]
                    outcome = "repeat" if matches else ("not_repeat" if rand() < 0.9 else "")
                    # The shape victims.services.repeat_check_matches stores, newest first.
                    match_json = json.dumps(
                        [
                            {
                                "reference": ref,
                                "opened_at": ts(at).replace(" ", "T") + ":00",
                                "category": match_code,
                                "category_name": category_names[match_code],
                                "matched_on": ["phone", "name_dob"],
                                "people": [victim_person.name],
                            }
                            for at, ref, match_code in reversed(matches)
                        ]
                    )
                    p = victim_person
                    vic_out.append(
                        f"{vid}\t{inc}\t{p.name}\t{p.dob}\t{p.phone}\t{p.address}\t{p.postcode}\t{p.phone_e164}\t"
                        f"{p.name_key}\t{p.household_key}\t{ts(opened)}\t{ts(linked)}\t{match_json}\t{outcome}\t\t"
                        f"{handler if outcome else chr(92) + 'N'}\t{ts(linked + 30) if outcome else chr(92) + 'N'}\t"
                        f"{handler}\t{ts(linked)}\n"
                    )
                    p.history.append((opened, reference, code))
                    if texting and assessment_ids:
                        aid, at = assessment_ids[0]
                        ids["text"] += 1
                        url, message = self.advice.get(cat_ids[code], (base_url, "Crime prevention advice:"))
                        age = now_s - at
                        state = "queued" if age < 20 or rand() < 0.002 else ("failed" if rand() < 0.04 else "delivered")
                        if state == "delivered" and age < 3600 and rand() < 0.5:
                            state = "sent"
                        null = "\\N"
                        sent = ts(at + 3) if state in ("sent", "delivered") else null
                        text_out.append(
                            f"{ids['text']}\t{inc}\t{aid}\t{handler}\t{p.phone_e164}\t{url}\t{message} {url}\t{state}\t"
                            f"{0 if state == 'queued' else (5 if state == 'failed' else 1)}\t{ts(at + 1)}\t{null}\t"
                            f"{'' if state in ('queued', 'failed') else 'ntf-' + str(ids['text'])}\t"
                            f"{'Permanent failure: number not in service' if state == 'failed' else ''}\t{ts(at)}\t"
                            f"{sent}\t{ts(at + 40) if state == 'delivered' else null}\t"
                            f"{ts(at + 900) if state == 'failed' else null}\t{month_of(at)}\n"
                        )

                # Close (an exempt code gives a reason), or stay open with the re-THRIVE clock.
                null = "\\N"
                if is_open:
                    due = ts((last_at if assessment_ids else opened) + rethrive_seconds[grading])
                    status, closed_s, closed_by, closure, reason = "open", null, null, null, ""
                else:
                    status, closed_s, closed_by, due = "closed", ts(closed), handler, null
                    if exempt:
                        closure, reason = exempt_closures[inc % len(exempt_closures)], "Duplicate of an earlier call."
                    else:
                        closure, reason = closures[inc % len(closures)], ""
                    if assessment_ids:
                        local = datetime.fromtimestamp(closed, LONDON)
                        key = (date(local.year, local.month, 1), handler)
                        entry = reservoirs.get(key)
                        if entry is None:
                            entry = reservoirs[key] = [0, []]
                        entry[0] += 1
                        pick = (inc, assessment_ids[-1][0], team)
                        if len(entry[1]) < 3:
                            entry[1].append(pick)
                        else:
                            slot = randrange(entry[0])
                            if slot < 3:
                                entry[1][slot] = pick
                inc_out.append(
                    f"{inc}\t{ref_prefix}{number + 1:04d}\t{chans[number]}\t{cat_ids[code]}\t{grading}\t"
                    f"{SUMMARIES[inc % len(SUMMARIES)]}\t{(inc % 200) + 1} {STREETS[inc % len(STREETS)]}\t{status}\t"
                    f"{handler}\t{team if team else null}\t{ts(opened)}\t{due}\t{null}\t{closed_s}\t{closed_by}\t"
                    f"{closure}\t{reason}\t{1 + len(assessment_ids) + (0 if is_open else 1)}\t{ts(opened)}\t"
                    f"{null if is_open else month_of(closed)}\n"
                )
                done += 1
                since_flush += 1
                if since_flush >= chunk:
                    flush()
                    since_flush = 0
                    report(done)
        flush()
        report(done)

    def _samples(self, plan: Plan, reservoirs: dict, out: dict[str, list[str]]) -> None:
        """One sample per month and team (three items per handler), reviewed; not the current month."""
        rng = self.rng
        now, ids = plan.now, defaultdict(int)
        grade_cum = list(_cumulative(GRADES[1]))
        check_cum = list(_cumulative(CHECKS[1]))

        def ts(seconds: int) -> str:
            return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S+00")

        current = now.astimezone(LONDON).date().replace(day=1)
        samples: dict[tuple[date, int | None], int] = {}
        for (month, _handler), (_seen, picks) in sorted(reservoirs.items()):
            if month >= current:
                continue
            for incident, assessment, team in picks:
                supervisor = self.supervisor_of.get(team) or next(iter(self.supervisor_of.values()))
                next_month = (month + timedelta(days=32)).replace(day=1)
                drawn = int(datetime(next_month.year, next_month.month, 3, 9, tzinfo=UTC).timestamp())
                sample = samples.get((month, team))
                if sample is None:
                    ids["sample"] += 1
                    sample = samples[(month, team)] = ids["sample"]
                    out["qa_sample"].append(
                        f"{sample}\t{month.isoformat()}\t{team}\t3\t{rng.randrange(2**62)}\t{supervisor}\t"
                        f"{ts(drawn)}\t\\N\t\\N\n"
                    )
                ids["item"] += 1
                item = ids["item"]
                out["qa_sampleitem"].append(f"{item}\t{sample}\t{incident}\t{assessment}\t{_handler}\t{team}\n")
                if rng.random() < 0.03:  # some reviews are not done yet
                    continue
                versions = 2 if rng.random() < 0.04 else 1
                for version in range(1, versions + 1):
                    ids["review"] += 1
                    g = rng.choices(GRADES[0], cum_weights=grade_cum, k=3)
                    check = rng.choices(CHECKS[0], cum_weights=check_cum, k=1)[0]
                    reviewed = drawn + 86400 * (1 + rng.randrange(10)) + 3600 * version
                    acknowledged = ts(reviewed + 86400) if rng.random() < 0.8 else "\\N"
                    out["qa_review"].append(
                        f"{ids['review']}\t{item}\t{version}\t{'t' if version == versions else 'f'}\t"
                        f"{month.isoformat()}\t"
                        f"{_handler}\t{team}\t{supervisor}\t{g[0]}\t{g[1]}\t{g[2]}\t{check}\t"
                        "Clear rationale; say more about the caller's support.\t"
                        f"{'t' if g[0] == 'outstanding' else 'f'}\t"
                        f"{'Grade corrected after a dispute.' if version > 1 else ''}\t{ts(reviewed)}\t{acknowledged}\n"
                    )

    def _person(self, rng: random.Random, households: list[tuple[str, str, str]]) -> Person:
        rand = rng.random
        name = f"{FIRST[int(rand() * len(FIRST))]} {LAST[int(rand() * len(LAST))]}"
        dob = f"{1940 + int(rand() * 66)}-{1 + int(rand() * 12):02d}-{1 + int(rand() * 28):02d}"
        has_phone = rand() < 0.9
        phone = f"07{100000000 + int(rand() * 899999999)}" if has_phone else ""
        if households and rand() < 0.15:  # someone at an address already known
            address, postcode, key = households[int(rand() * len(households))]
        else:
            town, area = TOWNS[int(rand() * len(TOWNS))]
            address = f"{1 + int(rand() * 300)} {STREETS[int(rand() * len(STREETS))]}, {town}"
            postcode = f"{area}{1 + int(rand() * 20)} {int(rand() * 10)}{'ABDEFGHJ'[int(rand() * 8)]}Q"
            # victims.rules.household_key, its two halves cached: an address here never ends with
            # its postcode, so the address normalises the same with or without it (the test checks).
            postcode_key, address_key = _postcode_key(postcode), _address_key(address)
            key = f"{postcode_key}|{address_key}" if postcode_key and address_key else ""
            households.append((address, postcode, key))
            if len(households) > 200000:
                del households[:50000]
        return Person(
            name=name,
            dob=dob,
            phone=phone,
            phone_e164=f"+44{phone[1:]}" if phone else "",  # config.phones.normalise_uk_phone of 07...
            name_key=_name_key(name),
            address=address,
            postcode=postcode,
            household_key=key,
        )

    # --- after the load ---------------------------------------------------------------

    def _finish(self) -> None:
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM incidents_referencecounter")
            with cursor.connection.cursor().copy("COPY incidents_referencecounter (day, last) FROM STDIN") as copy:
                copy.write("".join(f"{day}\t{last}\n" for day, last in self.reference_counters))
            for table in TABLES:
                # The table names are this module's constants, not input.
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"COALESCE((SELECT max(id) FROM {table}), 1))"
                )
            cursor.execute("ANALYZE incidents_referencecounter")  # the others were analysed with their indexes
        self.finish_seconds = time.monotonic() - started


@functools.cache
def _postcode_key(postcode: str) -> str:
    return victim_rules.normalise_postcode(postcode) or ""


@functools.cache
def _address_key(address: str) -> str:
    return victim_rules.normalise_address(address)


@functools.cache
def _name_key(name: str) -> str:
    return victim_rules.normalise_name(name)


def _merge_reservoirs(into: dict, other: dict, rng: random.Random) -> None:
    """Merge two producers' reservoirs of the same (month, handler): three picks drawn, without
    replacement, with each side's picks weighted by how many closings it saw."""
    for key, (seen, picks) in sorted(other.items()):
        mine = into.get(key)
        if mine is None:
            into[key] = [seen, list(picks)]
            continue
        weighted = [(seen / len(picks), pick) for pick in picks] + [(mine[0] / len(mine[1]), p) for p in mine[1]]
        # Efraimidis-Spirakis: the three largest u ** (1 / weight).
        keyed = sorted(((rng.random() ** (1 / weight), pick) for weight, pick in weighted), reverse=True)
        into[key] = [seen + mine[0], [pick for _, pick in keyed[:3]]]


def _cumulative(weights: Any) -> Any:
    total = 0.0
    for weight in weights:
        total += weight
        yield total
