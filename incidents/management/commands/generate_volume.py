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

Speed: every row is formatted as COPY text in Python and streamed over one connection per
table (the server parses while Python formats). Foreign-key triggers are off for the loading
sessions (session_replication_role = replica; the generator writes consistent ids itself), and
every secondary index and unique constraint of the loaded tables is dropped first and rebuilt
at the end (which also proves uniqueness). Nothing is left unlogged or disabled: a failure
rolls the COPYs back and the indexes are restored in a finally block.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import math
import random
import sys
import time
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
from victims import rules as victim_rules
from victims.models import PreventionAdvice

BENCH_PASSWORD = "bench-password"  # noqa: S105 - benchmark accounts on a throw-away database
LONDON = ZoneInfo("Europe/London")
RETHRIVE_SECONDS = 210 * 60

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
        "risk_level", "created_at", "updated_at", "submitted_at", "submitted_month", "rethrive_on_time",
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

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "generate_volume writes with PostgreSQL's COPY: set DATABASE_URL to a PostgreSQL database."
            )
        started = time.monotonic()
        self.rng = random.Random(options["seed"])
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
        indexes = self._drop_indexes()
        try:
            self._load(options["chunk"])
        finally:
            self._restore_indexes(indexes)
        self._finish()
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Generated {self.n:,} incidents in {elapsed:.0f}s ({self.n / elapsed:,.0f} incidents/s overall; "
            f"loading {self.load_seconds:.0f}s, indexes {self.index_seconds:.0f}s, "
            f"finishing {self.finish_seconds:.0f}s)."
        )
        for table, count in self.counts.items():
            self.stdout.write(f"  {table}: {count:,}")

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
        """Drop every secondary index and unique/exclusion constraint of the loaded tables, returning
        the SQL that puts each back. Primary keys and check constraints stay."""
        restore: list[str] = []
        tables = list(TABLES)
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
                   WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'x')""",
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
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute("SET max_parallel_maintenance_workers = 2")
            for number, statement in enumerate(restore, 1):
                sys.stderr.write(f"\r  rebuilding indexes {number}/{len(restore)} ")
                sys.stderr.flush()
                cursor.execute(statement)
        sys.stderr.write("\n")
        self.index_seconds = time.monotonic() - started

    # --- the load ---------------------------------------------------------------------

    def _load(self, chunk: int) -> None:
        started = time.monotonic()
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        self.counts: dict[str, int] = defaultdict(int)
        with contextlib.ExitStack() as stack:
            copies: dict[str, Any] = {}
            conns = []
            for table, columns in TABLES.items():
                conn = stack.enter_context(psycopg.connect(**params))
                conns.append(conn)
                conn.execute("SET session_replication_role = replica")  # no FK triggers: ids are ours
                conn.execute("SET synchronous_commit = off")
                copy = stack.enter_context(conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN"))
                copies[table] = copy
            buffers: dict[str, list[str]] = {table: [] for table in TABLES}

            def flush() -> None:
                for table, lines in buffers.items():
                    if lines:
                        self.counts[table] += len(lines)
                        copies[table].write("".join(lines))
                        lines.clear()

            self._generate(buffers, flush, chunk)
            flush()
        self.load_seconds = time.monotonic() - started

    def _generate(self, out: dict[str, list[str]], flush: Any, chunk: int) -> None:
        rng = self.rng
        rand, choices = rng.random, rng.choices

        def randrange(a: int, b: int | None = None) -> int:
            return int(rand() * a) if b is None else a + int(rand() * (b - a))

        now = datetime.now(UTC)
        now_s = int(now.timestamp())
        days = max(1, round(self.years * 365.25))
        first_day = (now.astimezone(LONDON).date()) - timedelta(days=days - 1)

        # Calls per day: weekday and seasonal shape, scaled so the total is exactly N; the
        # last day only up to now.
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

        # Timestamps as text without datetime objects: a day's date string and an hh:mm:ss table.
        epoch0 = int(datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC).timestamp())
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
        grade_cum = list(_cumulative(GRADES[1]))
        check_cum = list(_cumulative(CHECKS[1]))
        handlers = self.handlers
        supervisor_of = self.supervisor_of
        cat_ids = self.categories
        category_names = self.category_names
        closures, exempt_closures = self.closures, self.exempt_closures
        prompt_set = self.prompt_set_id
        base_url = settings.FORCE_ADVICE_BASE_URL

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
        ids = defaultdict(int)
        inc_out, log_out, ass_out = out["incidents_incident"], out["incidents_logentry"], out["thrive_assessment"]
        ret_out, rev_out = out["thrive_assessmentreturn"], out["thrive_assessmentreviewed"]
        vic_out, text_out = out["victims_victim"], out["victims_text"]
        # Reservoirs for the dip samples: (closed month, handler) -> [seen, [(incident, assessment, team)]].
        reservoirs: dict[tuple[date, int], list[Any]] = {}
        self.reference_counters: list[tuple[str, int]] = []
        progress = Progress(self.n)
        done = since_flush = 0

        next_log = itertools.count(1).__next__
        next_incident = itertools.count(1).__next__
        next_assessment = itertools.count(1).__next__
        next_victim = itertools.count(1).__next__
        append_log = log_out.append

        @functools.lru_cache(maxsize=4096)
        def month_of_hour(hour: int) -> str:
            local = datetime.fromtimestamp(hour * 3600, LONDON)
            return f"{local.year:04d}-{local.month:02d}-01"

        def month_of(seconds: int) -> str:
            """The local month, first day, of an epoch second (months change on the hour)."""
            return month_of_hour(seconds // 3600)

        def log(incident: int, at: int, author: int | None, kind: str, text: str) -> None:
            append_log(f"{next_log()}\t{incident}\t{ts(at)}\t{author if author else chr(92) + 'N'}\t{kind}\t{text}\n")

        for d, count in enumerate(per_day):
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
            self.reference_counters.append((day.isoformat(), count))
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
                log(inc, opened, handler, "opened", "Incident opened.")

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
                    on_time = ("t" if at <= last_at + RETHRIVE_SECONDS else "f") if version > 1 else chr(92) + "N"
                    ass_out.append(
                        f"{aid}\t{inc}\t{version}\tsubmitted\t{prompt_set}\t{document}\t{handler}\t"
                        f"{last_id or chr(92) + 'N'}\t{risk}\t{ts(at - 240)}\t{stamp}\t{stamp}\t{month_of(at)}\t"
                        f"{on_time}\n"
                    )
                    log(inc, at, handler, "assessment_submitted", f"Assessment version {version} submitted.")
                    assessment_ids.append((aid, at))
                    last_id, last_at = aid, at
                if is_open and rand() < 0.15 and (not assessment_ids or rand() < 0.5):
                    draft_id = next_assessment()
                    draft_at = min(now_s - 30, last_at + 60 * (1 + randrange(20)))
                    document = answer_json(risk, grading, children, False, "", inc % 7)
                    ass_out.append(
                        f"{draft_id}\t{inc}\t{len(assessment_ids) + 1}\tdraft\t{prompt_set}\t{document}\t"
                        f"{handler}\t\\N\t\t{ts(draft_at - 120)}\t{ts(draft_at)}\t\\N\t\\N\t\\N\n"
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
                        log(inc, back, supervisor, "assessment_returned", f"Version {index + 1} returned.")
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
                    log(inc, linked, handler, "victim_linked", "Victim linked.")
                    log(inc, linked + 1, handler, "repeat_check", f"Repeat victim check: {len(matches)} matches.")
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
                        log(inc, at + 1, handler, "text_queued", "Prevention text queued.")
                        if state != "queued":
                            log(inc, at + 40, None, f"text_{state}", f"Prevention text {state}.")
                if rand() < 0.4:
                    log(inc, opened + 300 + randrange(1800), handler, "note", "Caller updated: no change.")

                # Close (an exempt code gives a reason), or stay open with the re-THRIVE clock.
                null = "\\N"
                if is_open:
                    due = ts((last_at if assessment_ids else opened) + RETHRIVE_SECONDS)
                    status, closed_s, closed_by, closure, reason = "open", null, null, null, ""
                else:
                    status, closed_s, closed_by, due = "closed", ts(closed), handler, null
                    if exempt:
                        closure, reason = exempt_closures[inc % len(exempt_closures)], "Duplicate of an earlier call."
                    else:
                        closure, reason = closures[inc % len(closures)], ""
                    log(inc, closed, handler, "closed", "Incident closed.")
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
                    progress.update(done)
        flush()
        progress.update(done, force=True)
        sys.stderr.write("\n")
        self._samples(out, reservoirs, ids, ts, grade_cum, check_cum, now)
        flush()

    def _samples(self, out: dict[str, list[str]], reservoirs: dict, ids: dict, ts: Any, grade_cum: list,
                 check_cum: list, now: datetime) -> None:  # fmt: skip
        """One sample per month and team (three items per handler), reviewed; not the current month."""
        rng = self.rng
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
        name = f"{FIRST[rng.randrange(len(FIRST))]} {LAST[rng.randrange(len(LAST))]}"
        dob = date(1940 + rng.randrange(66), 1 + rng.randrange(12), 1 + rng.randrange(28)).isoformat()
        has_phone = rng.random() < 0.9
        phone = f"07{rng.randrange(100000000, 999999999)}" if has_phone else ""
        if households and rng.random() < 0.15:  # someone at an address already known
            address, postcode, key = households[rng.randrange(len(households))]
        else:
            town, area = TOWNS[rng.randrange(len(TOWNS))]
            address = f"{1 + rng.randrange(300)} {STREETS[rng.randrange(len(STREETS))]}, {town}"
            postcode = f"{area}{1 + rng.randrange(20)} {rng.randrange(10)}{'ABDEFGHJ'[rng.randrange(8)]}Q"
            key = victim_rules.household_key(address, postcode)
            households.append((address, postcode, key))
            if len(households) > 200000:
                del households[:50000]
        return Person(
            name=name,
            dob=dob,
            phone=phone,
            phone_e164=victim_rules.normalise_uk_phone(phone) or "" if phone else "",
            name_key=victim_rules.normalise_name(name),
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
            sys.stderr.write("  analysing\n")
            cursor.execute(f"ANALYZE {', '.join([*TABLES, 'incidents_referencecounter'])}")
        self.finish_seconds = time.monotonic() - started


def _cumulative(weights: Any) -> Any:
    total = 0.0
    for weight in weights:
        total += weight
        yield total
