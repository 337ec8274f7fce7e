"""The load: producer processes by day range, each streaming its own COPYs, committed together
once every producer is ready and the samples (which need all their reservoirs) are written."""

from __future__ import annotations

import contextlib
import multiprocessing
import random
import sys
import time
import traceback
from collections import defaultdict
from datetime import date
from typing import Any

import psycopg
from django.core.management.base import CommandError
from django.db import connection

from bench.volume.plan import Plan, Volume
from bench.volume.produce import generate_rows
from bench.volume.samples import merge_reservoirs, samples
from bench.volume.schema import COPIED, SAMPLED, TABLES


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


def load(run: Volume, plan: Plan, chunk: int, workers: int) -> None:
    """Producer processes by day range, each streaming its own COPYs with disjoint id blocks. Each
    loads its rows in open transactions, reports its reservoirs, and commits only when every
    producer is ready (and the samples, which need all reservoirs, are written)."""
    started = time.monotonic()
    run.counts = defaultdict(int)
    # Split the days so that each producer gets about the same number of incidents.
    bounds, total, target = [0], 0, run.n / workers
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
    progress = Progress(run.n)
    reservoirs: dict[tuple[date, int], list[Any]] = {}
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    run.params = params
    if workers == 1:
        first, last, bases, _ = slices[0]
        with copies(params, [*COPIED, *SAMPLED]) as (buffers, flush, counted):
            picks = generate_rows(
                run, plan, buffers, flush, chunk, first, last, bases, run.rng, lambda done: progress.update(done)
            )
            progress.update(run.n, force=True)
            sys.stderr.write("\n")
            samples(run, plan, picks, buffers)
        for table, count in counted.items():
            run.counts[table] += count
    else:
        connection.close()  # no connection shared with the forked producers
        context = multiprocessing.get_context("fork")
        dones = [context.Value("q", 0, lock=False) for _ in slices]
        pipes, processes = [], []
        for k, (first, last, bases, _) in enumerate(slices):
            parent_end, child_end = context.Pipe()
            process = context.Process(
                target=produce,
                args=(run, child_end, plan, chunk, first, last, bases, f"{run.seed}-{k}", dones[k]),
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
                    run.counts[table] += count
                merge_reservoirs(reservoirs, their_reservoirs, run.rng)
            progress.update(run.n, force=True)
            sys.stderr.write("\n")
            with copies(params, SAMPLED) as (buffers, _flush, counted):
                samples(run, plan, reservoirs, buffers)
            for table, count in counted.items():
                run.counts[table] += count
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
    run.load_seconds = time.monotonic() - started


@contextlib.contextmanager
def copies(params: dict, tables: list[str] | None = None) -> Any:
    """One connection and COPY per table (the server parses one while Python formats the next),
    FK triggers off; committed when the block ends without an exception. Yields the line
    buffers by table, the flush that writes them, and the lines written by table."""
    with contextlib.ExitStack() as stack:
        streams: dict[str, Any] = {}
        for table in tables or COPIED:
            conn = stack.enter_context(psycopg.connect(**params))
            conn.execute("SET session_replication_role = replica")  # no FK triggers: ids are ours
            conn.execute("SET synchronous_commit = off")
            copy = stack.enter_context(conn.cursor().copy(f"COPY {table} ({', '.join(TABLES[table])}) FROM STDIN"))
            streams[table] = copy
        buffers: dict[str, list[str]] = {table: [] for table in streams}
        counted: dict[str, int] = defaultdict(int)

        def flush() -> None:
            for table, lines in buffers.items():
                if lines:
                    counted[table] += len(lines)
                    streams[table].write("".join(lines))
                    lines.clear()

        yield buffers, flush, counted
        flush()


def produce(run: Volume, pipe: Any, plan: Plan, chunk: int, first: int, last: int, bases: dict, seed: str,
            done: Any) -> None:  # fmt: skip
    """One producer process: generate days [first, last), wait for the word to commit."""
    try:
        with copies(run.params) as (buffers, flush, counted):
            picks = generate_rows(
                run, plan, buffers, flush, chunk, first, last, bases, random.Random(seed),  # noqa: S311
                lambda count: setattr(done, "value", count),
            )  # fmt: skip
            flush()
            pipe.send(("ready", dict(counted), picks))
            if pipe.recv() != "commit":
                raise CommandError("aborted")
        pipe.send(("committed",))
    except BaseException:  # reported to the parent, which raises
        with contextlib.suppress(OSError):
            pipe.send(("error", traceback.format_exc()))
