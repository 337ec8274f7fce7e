"""generate_volume writes what the services would: checked on a small volume. The command
lives in the bench app, which only bench/settings.py installs: these tests install it the same
way for their duration, and call the command with the options `make bench` gives it."""

import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command, get_commands
from django.db import connection
from django.db.models import Count, F

from config.phones import normalise_uk_phone
from incidents.models import Incident, LogEntry
from qa.compliance import compliance_monthly
from qa.selectors import QaFilters
from thrive.models import Assessment, AssessmentReturn
from victims import rules as victim_rules
from victims.models import Text, Victim

LONDON = ZoneInfo("Europe/London")
TABLES = ["incidents_incident", "incidents_logentry", "thrive_assessment", "victims_victim", "victims_text"]


def month(moment):
    local = moment.astimezone(LONDON)
    return local.date().replace(day=1)


def indexes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indrelid::regclass::text, indexrelid::regclass::text FROM pg_index "
            "WHERE indrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [TABLES],
        )
        return cursor.fetchall()


@pytest.fixture
def bench_app(settings):
    """The bench app installed, as bench/settings.py does (its generate_volume command)."""
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "bench"]
    assert "generate_volume" in get_commands()


def test_the_product_settings_do_not_carry_the_benchmark_command():
    assert "generate_volume" not in get_commands()


def test_manage_py_runs_it_under_the_bench_settings():
    """The documented way (docs/BENCHMARKS.md, bench/run.py): manage.py with bench.settings."""
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "manage.py", "generate_volume", "--help"],
        cwd=root,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for option in ("--incidents", "--years", "--seed", "--reset", "--chunk", "--workers"):
        assert option in result.stdout


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_small_volume_is_consistent_with_the_services(bench_app):
    before = indexes()
    call_command("generate_volume", incidents=400, years=1, seed=7, verbosity=0)

    # Every index and constraint dropped for the load is back.
    assert indexes() == before
    assert Incident.objects.count() == 400
    assert Incident.objects.values("reference").distinct().count() == 400
    closed = Incident.objects.filter(status="closed")
    assert closed.exists()
    assert not closed.filter(closed_month__isnull=True).exists()
    assert not Incident.objects.filter(status="open", closed_month__isnull=False).exists()
    for incident in closed:
        assert incident.closed_month == month(incident.closed_at)
    submitted = Assessment.objects.filter(status="submitted")
    assert not submitted.filter(submitted_month__isnull=True).exists()
    for assessment in submitted:
        assert assessment.submitted_month == month(assessment.submitted_at)
    # Every version carries its incident's team, as thrive.services writes it.
    assert Assessment.objects.exists()
    assert not Assessment.objects.exclude(team_id=F("incident__team_id")).exists()
    # Only a revision can be a re-THRIVE.
    assert not submitted.filter(version=1, rethrive_on_time__isnull=False).exists()
    assert not Text.objects.filter(created_month__isnull=True).exists()
    for text in Text.objects.all():
        assert text.created_month == month(text.created_at)
    assert not Text.objects.values("assessment").annotate(n=Count("id")).filter(n__gt=1).exists()

    # The victims' keys are the ones victims.rules computes.
    victims = list(Victim.objects.all())
    assert victims
    for victim in victims:
        assert victim.household_key == victim_rules.household_key(victim.address, victim.postcode)
        assert victim.phone_e164 == (normalise_uk_phone(victim.phone) or "")
        assert victim.name_key == victim_rules.normalise_name(victim.name)

    last = max(closed.values_list("closed_month", flat=True))
    filters = QaFilters(first=last, last=last)
    (row,) = compliance_monthly(filters)
    assert row.incidents_closed == closed.filter(closed_month=last).count()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_log_entries_written_on_the_server_match_the_records(bench_app):
    call_command("generate_volume", incidents=400, years=1, seed=3, verbosity=0)

    entries = Counter()
    for e in LogEntry.objects.all():
        entries[(e.incident_id, e.at, e.author_id, e.kind, e.text)] += 1
    expected = Counter()
    for incident in Incident.objects.all():
        expected[(incident.pk, incident.opened_at, incident.handler_id, "opened", "Incident opened.")] += 1
        if incident.status == "closed":
            expected[(incident.pk, incident.closed_at, incident.handler_id, "closed", "Incident closed.")] += 1
    for a in Assessment.objects.filter(status="submitted"):
        expected[
            (
                a.incident_id,
                a.submitted_at,
                a.author_id,
                "assessment_submitted",
                f"Assessment version {a.version} submitted.",
            )
        ] += 1
    for r in AssessmentReturn.objects.select_related("assessment"):
        a = r.assessment
        expected[
            (a.incident_id, r.returned_at, r.returned_by_id, "assessment_returned", f"Version {a.version} returned.")
        ] += 1
    for v in Victim.objects.all():
        expected[(v.incident_id, v.checked_at, v.created_by_id, "victim_linked", "Victim linked.")] += 1
        text = f"Repeat victim check: {len(v.check_matches)} matches."
        expected[(v.incident_id, v.checked_at + timedelta(seconds=1), v.created_by_id, "repeat_check", text)] += 1
    for t in Text.objects.all():
        expected[
            (
                t.incident_id,
                t.created_at + timedelta(seconds=1),
                t.created_by_id,
                "text_queued",
                "Prevention text queued.",
            )
        ] += 1
        if t.status != "queued":
            at = t.created_at + timedelta(seconds=40)
            expected[(t.incident_id, at, None, f"text_{t.status}", f"Prevention text {t.status}.")] += 1

    notes = entries - expected
    assert expected - entries == Counter()  # every entry the records imply is there, once
    # The rest are notes: on about 40 % of the incidents, 5 to 35 minutes after the call, none in the future.
    assert {key[3] for key in notes} == {"note"}
    assert set(notes.values()) == {1}
    opened = dict(Incident.objects.values_list("pk", "opened_at"))
    handler = dict(Incident.objects.values_list("pk", "handler_id"))
    assert 0.3 < len({key[0] for key in notes}) / 400 < 0.5
    for incident, at, author, _kind, text in notes:
        assert timedelta(minutes=5) <= at - opened[incident] < timedelta(minutes=35)
        assert author == handler[incident]
        assert text == "Caller updated: no change."
    # Every entry has its incident's kinds in a valid order: opened first.
    first = LogEntry.objects.order_by("incident_id", "at", "id").distinct("incident_id")
    assert {e.kind for e in first} == {"opened"}
    # The sequence is past the loaded ids.
    assert LogEntry.objects.create(incident_id=1, at=opened[1], kind="note", text="x").pk > max(
        LogEntry.objects.exclude(text="x").values_list("pk", flat=True)
    )
