"""Generate force-scale data straight into PostgreSQL with COPY (issue 8).

    manage.py generate_volume --settings=bench.settings --incidents 7500000 --years 5 [--seed 1] [--reset]

or, from Python, bench.volume.generate(incidents=..., years=..., seed=..., reset=...).

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

The modules: shapes (distributions, answers, people), schema (tables and the log-entry SQL),
plan (state, staff, look-ups, calls per day), produce (the rows of a day range), samples (the
QA dip samples), load (the producer processes and their COPYs), server (indexes, log entries,
statistics, sequences). This package is a benchmark tool: the product never imports it
(pyproject.toml's import contract).
"""

from __future__ import annotations

import random
import time
from typing import TextIO

from django.core.management.base import CommandError
from django.db import connection

from bench.volume import plan as setup
from bench.volume.load import load
from bench.volume.server import drop_indexes, finish, restore_indexes, server_side
from qa.summary_build import summaries_build


def generate(
    *,
    incidents: int,
    years: float = 5,
    seed: int = 1,
    reset: bool = False,
    chunk: int = 20000,
    workers: int = 2,
    verbosity: int = 1,
    stdout: TextIO | None = None,
) -> setup.Volume:
    """Write `incidents` incidents over `years` years, and all that hangs off them, into the
    default database (PostgreSQL). Refuses a database that has incidents unless `reset`."""
    if connection.vendor != "postgresql":
        raise CommandError("generate_volume writes with PostgreSQL's COPY: set DATABASE_URL to a PostgreSQL database.")
    started = time.monotonic()
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    run = setup.Volume(n=incidents, years=years, seed=seed, verbosity=verbosity, rng=rng)
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM incidents_incident)")
        has_rows = cursor.fetchone()[0]
    if has_rows and not reset:
        raise CommandError("The database already has incidents: pass --reset to replace them.")
    if reset:
        setup.reset()
    # The loading sessions run without triggers, so nothing marks the monthly summary
    # (qa.summary) dirty: it is emptied here and built from the loaded rows at the end.
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE qa_summarymonth, qa_monthlycount")
    setup.staff(run)
    setup.lookups(run)
    plan = setup.make_plan(run)
    indexes = drop_indexes()
    restored: set[str] = set()
    try:
        load(run, plan, chunk, max(1, workers))
        server_side(run, plan, indexes, restored)
    finally:
        # After a failure: whatever the server-side phase did not put back.
        restore_indexes([statement for statement in indexes if statement not in restored])
    finish(run)
    summary_started = time.monotonic()
    built = summaries_build()
    summary_seconds = time.monotonic() - summary_started
    elapsed = time.monotonic() - started
    if stdout is not None:
        stdout.write(
            f"Generated {run.n:,} incidents in {elapsed:.0f}s ({run.n / elapsed:,.0f} incidents/s overall; "
            f"loading {run.load_seconds:.0f}s, log entries {run.log_seconds:.0f}s, "
            f"log entries and indexes {run.index_seconds:.0f}s, finishing {run.finish_seconds:.0f}s).\n"
        )
        for table, count in run.counts.items():
            stdout.write(f"  {table}: {count:,}\n")
        stdout.write(f"  monthly summary: {len(built)} months built in {summary_seconds:.0f}s\n")
    return run
