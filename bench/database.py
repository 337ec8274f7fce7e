# ruff: noqa: S603, S607, S608 - fixed commands and SQL over this module's own table names
"""`make bench`, the data: the benchmark database built (bench.volume) or reused, and the plan
locust follows (the accounts, their incidents, the answers to post, a signed-in session each)."""

import json
import os
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.common import OUT, ROOT, VENV, env

# Open, assessed incidents the close scenario may use (enough for 20 s at a few hundred a second).
CLOSE_POOL = 3000
# Issue 18: one open incident with a long history (LONG_VERSIONS versions, LONG_ENTRIES log
# entries), found by this CAD reference, so that its page can be measured against an
# ordinary one. No scenario writes to it: its handler is none of the measured handlers and
# the close pool leaves it out.
LONG_HISTORY_CAD_REF = "BENCH-LONG-HISTORY"
LONG_VERSIONS = 200
LONG_ENTRIES = 1000


# A run opens incidents (the submit and close scenarios' pool top-ups, the peak's calls): a few
# thousand at 7.5 M. A database that holds what was generated plus at most this share more is
# the same size for the next run, which reuses it instead of generating it again (30 minutes).
RUNS_MAY_ADD = 0.01


def generated_size(count: int, wanted: int) -> bool:
    """Whether a database holding `count` incidents is the size `wanted`: what was generated,
    and what runs since have added."""
    return wanted <= count <= wanted + max(0, int(wanted * RUNS_MAY_ADD))


class Database:
    """The database part of bench.run.Bench."""

    # --- the database -----------------------------------------------------------------

    def database(self) -> None:
        exists = subprocess.run(
            ["psql", f"{self.pg}/postgres", "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{self.db}'"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        if not exists:
            subprocess.run(
                ["psql", f"{self.pg}/postgres", "-c", f'CREATE DATABASE "{self.db}"'],
                capture_output=True, check=False,
            )  # fmt: skip
        self.manage("migrate", "-v0")
        count = int(self.psql("SELECT count(*) FROM incidents_incident"))
        # The generator builds the monthly summary last, after the indexes it dropped for the
        # load: without it, the generation was cut short (its indexes may be missing).
        finished = int(self.psql("SELECT count(*) FROM qa_summarymonth")) > 0
        if not (finished and generated_size(count, self.incidents)):
            print(f"bench: the database has {count:,} incidents; generating {self.incidents:,}", flush=True)
            started = time.monotonic()
            self.manage(
                "generate_volume", "--incidents", str(self.incidents), "--years", str(self.years), "--seed", "1",
                "--reset",
            )  # fmt: skip
            self.results["generated_seconds"] = round(time.monotonic() - started)
            # What autovacuum does to a live database soon after a bulk load: the visibility map
            # lets the dashboards' counts read their indexes alone (index-only scans).
            started = time.monotonic()
            for table in ("incidents_incident", "thrive_assessment", "victims_text", "qa_review"):
                self.psql(f"VACUUM (ANALYZE) {table}")
            self.results["vacuum_seconds"] = round(time.monotonic() - started)
        else:
            print(f"bench: reusing {self.db} with {count:,} incidents", flush=True)
        # Issue 18: the dashboards read settled months from the monthly summary. A database
        # generated here has it built; one made before it existed, or changed by an earlier
        # run, gets its missing and dirty months built now, so the run measures the summary.
        started = time.monotonic()
        self.manage("summaries_build", "--missing")
        self.psql("VACUUM (ANALYZE) qa_monthlycount")
        self.results["summary_seconds"] = round(time.monotonic() - started)
        self.psql(
            "CREATE TABLE IF NOT EXISTS bench_insert (id bigserial PRIMARY KEY, at timestamptz DEFAULT now(), "
            "body text)"
        )
        self.results["database_size"] = self.psql(f"SELECT pg_size_pretty(pg_database_size('{self.db}'))")

    def psql(self, sql: str) -> str:
        return subprocess.run(
            ["psql", self.database_url, "-Atc", sql],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    def manage(self, *args: str, settings: str = "bench.settings") -> None:
        subprocess.run(
            [str(VENV / "python"), "manage.py", *args], cwd=ROOT, env={**self.env, "DJANGO_SETTINGS_MODULE": settings},
            check=True,
        )  # fmt: skip

    # --- the plan: accounts, their incidents, the answers to post ----------------------

    def django(self) -> None:
        os.environ.update({k: v for k, v in self.env.items() if k != "DJANGO_SETTINGS_MODULE"})
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        import django

        django.setup()

    def plan(self) -> Path:
        from django.db.models import Exists, OuterRef
        from django.utils import timezone

        from accounts.models import Role, User
        from incidents.models import Incident, overdue_q
        from thrive.models import Assessment, AssessmentStatus, PromptSet, PromptSetStatus
        from thrive.prompts import iter_prompts

        handlers = list(User.objects.filter(role=Role.CALL_HANDLER).order_by("username")[: self.users])
        supervisors = list(User.objects.filter(role=Role.SUPERVISOR).order_by("username"))

        def refs(qs: Any, n: int = 200) -> list[str]:
            return list(qs.order_by("-opened_at").values_list("reference", flat=True)[:n])

        submitted = Assessment.objects.filter(incident=OuterRef("pk"), status=AssessmentStatus.SUBMITTED)
        accounts: dict[str, list[dict[str, Any]]] = {"detail": [], "form": [], "close": []}
        for user in handlers:
            mine = Incident.objects.filter(handler=user)
            accounts["detail"].append({"username": user.username, "pool": refs(mine)})
            open_ones = refs(mine.filter(status="open"))
            accounts["form"].append({"username": user.username, "pool": open_ones or refs(mine)})
        # Closes use incidents no other scenario touches: the open, assessed incidents of every
        # handler after the first ten (any handler may close any incident; the logs are shared),
        # dealt out to ten closers. A small force has no spare handlers: then the same
        # handlers' incidents (the plan is made afresh each run and the submit runs first).
        closers = list(User.objects.filter(role=Role.CALL_HANDLER).order_by("username")[self.users : self.users * 2])
        long_history = self.long_history_incident(handlers)
        # Not overdue a re-THRIVE either (rule 5): closing one of those is refused (409
        # rethrive_overdue) until it is reassessed, and the run of 30 November 2026 at 7.5 M
        # measured 971 such refusals as the close. An hour of margin for the run itself.
        spare = (
            Incident.objects.filter(status="open")
            .exclude(handler__in=handlers)
            .exclude(pk=long_history.pk)
            .exclude(overdue_q(timezone.now() + timedelta(hours=1)))
            .filter(Exists(submitted))
        )
        if closers:
            self.top_up_close_pool(closers, spare.count())
        not_overdue = Incident.objects.filter(status="open").exclude(overdue_q(timezone.now() + timedelta(hours=1)))
        closable = refs(spare if closers else not_overdue.filter(Exists(submitted)), 3000)
        for number, user in enumerate(closers or handlers):
            pool = closable[number :: len(closers or handlers)]
            accounts["close"].append({"username": user.username, "pool": pool})
        if not any(a["pool"] for a in accounts["close"]):
            self.results["notes"].append("No open assessed incidents: the close was not measured.")
        prompt_set = PromptSet.objects.filter(status=PromptSetStatus.PUBLISHED, family="thrive_sp").latest("version")
        answers = complete_answers()
        post: dict[str, str] = {}
        for prompt in iter_prompts(prompt_set.sections):
            if prompt.type == "guidance":
                continue
            value: Any = answers
            for part in prompt.field.split("."):
                value = value.get(part, "") if isinstance(value, dict) else ""
            post[prompt.html_name] = "true" if value is True else ("false" if value is False else str(value))
        today = date.today()  # noqa: DTZ011 - the analyst's "last twelve months"
        last = date(today.year, today.month, 1) - timedelta(days=1)
        first = date(last.year - 1, last.month, 1) + timedelta(days=32)
        self.qa_query = f"from={first:%Y-%m}&to={last:%Y-%m}"
        staff = [{"username": u.username} for u in supervisors] or [{"username": "supervisor01"}]
        scenarios = {
            "bare_page": {"kind": "bare_get"},
            "bare_insert": {"kind": "bare_post"},
            "incident_detail": {"kind": "get_pool", "url": "/incidents/{ref}/", "accounts": accounts["detail"]},
            "assessment_form": {
                "kind": "get_pool", "url": "/thrive/incidents/{ref}/assessment/", "accounts": accounts["form"],
            },
            "assessment_submit": {
                "kind": "submit", "url": "/thrive/incidents/{ref}/assessment/submit/", "accounts": accounts["form"],
            },
            "incident_close": {"kind": "close", "url": "/incidents/{ref}/close/", "accounts": accounts["close"]},
            "incident_list": {"kind": "get", "url": "/incidents/", "accounts": accounts["detail"]},
            "handler_home": {"kind": "get", "url": "/", "accounts": accounts["detail"]},
            "qa_dashboard": {"kind": "get", "url": f"/qa/?{self.qa_query}", "accounts": [{"username": "analyst01"}]},
            "api_qa_monthly": {"kind": "get", "url": f"/api/qa/monthly/?{self.qa_query}",
                               "accounts": [{"username": "analyst01"}]},
            "supervisor_queue": {"kind": "get", "url": "/thrive/reviews/", "accounts": staff},
            "compliance": {"kind": "get", "url": f"/qa/compliance/?{self.qa_query}",
                           "accounts": [{"username": "analyst01"}]},
        }  # fmt: skip
        # Signed in beforehand: a session per account, as the login page would make, so that the
        # password hash (deliberately slow) is not inside any measurement.
        sessions: dict[str, str] = {}
        for spec in scenarios.values():
            for account in spec.get("accounts", []):
                name = account["username"]
                if name not in sessions:
                    sessions[name] = session_for(User.objects.get(username=name))
                account["session"] = sessions[name]
        path = OUT / "plan.json"
        path.write_text(
            json.dumps({
                "password": "bench-password", "incidents": self.incidents, "answers_post": post,
                "scenarios": scenarios, "long_history": self.results["long_history"],
            })
        )  # fmt: skip
        only = [name for name in env("BENCH_SCENARIOS", "").split(",") if name]
        self.scenarios = [name for name in scenarios if not only or name in only]
        return path

    def long_history_incident(self, handlers: list[Any]) -> Any:
        """The long-history incident (LONG_HISTORY_CAD_REF), made once and reused: opened
        through the service by a handler the scenarios do not sign in as, then given
        LONG_VERSIONS submitted versions and LONG_ENTRIES log entries in all by
        tests.factories.grow_history (the tests' 200-version, 1,000-entry incident).
        Its reference is in plan.json and the results as `long_history`."""
        from accounts.models import Role, User
        from incidents.models import Category, Incident
        from incidents.services import incident_create
        from tests.factories import grow_history

        incident = Incident.objects.filter(cad_ref=LONG_HISTORY_CAD_REF).first()
        if incident is None:
            owner = (
                User.objects.filter(role=Role.CALL_HANDLER, is_active=True)
                .exclude(pk__in=[h.pk for h in handlers])
                .order_by("-username")
                .first()
                or handlers[-1]
            )
            category = Category.objects.filter(active=True).order_by("pk").values_list("code", flat=True).first()
            incident = incident_create(
                actor=owner, channel="999", category=category, grading="priority", summary="Bench long history"
            )
            Incident.objects.filter(pk=incident.pk).update(cad_ref=LONG_HISTORY_CAD_REF)
            incident.cad_ref = LONG_HISTORY_CAD_REF
        versions = incident.assessments.count()
        entries = incident.entries.count()
        if versions < LONG_VERSIONS or entries < LONG_ENTRIES:
            grow_history(incident, versions=max(0, LONG_VERSIONS - versions), entries=max(0, LONG_ENTRIES - entries))
            versions, entries = incident.assessments.count(), incident.entries.count()
        self.results["long_history"] = {
            "reference": incident.reference,
            "cad_ref": LONG_HISTORY_CAD_REF,
            "url": f"/incidents/{incident.reference}/",
            "versions": versions,
            "entries": entries,
        }
        print(f"bench: long-history incident {incident.reference}: {versions} versions, {entries} entries", flush=True)
        return incident

    def top_up_close_pool(self, closers: list[Any], have: int) -> None:
        """A force has about a thousand incidents open at any time, and each run closes a few
        hundred of them: open and assess more through the services, as handlers would, until
        the closers have CLOSE_POOL between them."""
        from casework.services import assessment_record
        from incidents.models import Category
        from incidents.services import incident_create

        category = Category.objects.filter(active=True).order_by("pk").values_list("code", flat=True).first()
        answers = complete_answers()
        for number in range(max(0, CLOSE_POOL - have)):
            handler = closers[number % len(closers)]
            incident = incident_create(
                actor=handler, channel="101", category=category, grading="scheduled", summary="Bench close pool"
            )
            assessment_record(incident=incident, author=handler, data=answers, submit=True, channel="command")
        if have < CLOSE_POOL:
            self.results["notes"].append(
                f"The close pool was topped up with {CLOSE_POOL - have:,} incidents opened and assessed through the "
                "services before the run."
            )


def session_for(user: Any) -> str:
    """A signed-in session for `user`, stored where the app keeps sessions; returns its key."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "accounts.backends.StaffBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.set_expiry(4 * 3600)
    store.create()
    return store.session_key


def complete_answers() -> dict[str, Any]:
    """The answers the submit scenario posts: a complete assessment, nothing texted."""
    from tests.factories import complete_answers as answers

    return answers()
