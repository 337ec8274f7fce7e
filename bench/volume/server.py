"""The server's part of a load: dropping the indexes before it, then the log entries derived
with INSERT ... SELECT, the indexes rebuilt and the tables analysed, on two connections; and
the counters and sequences set to match."""

from __future__ import annotations

import re
import sys
import threading
import time
from dataclasses import dataclass, field

import psycopg
from django.db import connection

from bench.volume.plan import Plan, Volume
from bench.volume.schema import LOG_FROM_INCIDENTS, LOG_FROM_RECORDS, TABLES


@dataclass
class Task:
    """One statement of the server-side phase, run once the tasks it needs are finished."""

    name: str
    sql: str
    args: dict | None
    needs: set[str] = field(default_factory=set)


def drop_indexes() -> list[str]:
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
    sys.stderr.write(f"  dropped {len(restore)} indexes and unique constraints for the load\n")
    return restore


def restore_indexes(restore: list[str]) -> None:
    """Put back what drop_indexes took away (after a failure: what the server side did not)."""
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


def server_side(run: Volume, plan: Plan, indexes: list[str], restored: set[str]) -> None:
    """Two connections (the machine has two cores) work through a list of tasks: the log entries
    first (two INSERT ... SELECTs, derived from the rows loaded, so they cost C time, not
    Python's), then the indexes, largest table first (the log entries' once both are in), then
    ANALYZE of each table once its indexes are back."""
    started = time.monotonic()
    salt = (run.seed % 1000003) * 1000000007
    log_tasks = [
        ("log entries from incidents", LOG_FROM_INCIDENTS, {"salt": salt, "now": plan.now}),
        ("log entries from records", LOG_FROM_RECORDS, {}),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, pg_relation_size(oid) FROM pg_class WHERE relname = ANY(%s)", [list(TABLES)])
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
    run.log_seconds = 0.0

    def worker() -> None:
        try:
            work()
        except BaseException as error:  # raised by the main thread
            with condition:
                failures.append(error)
                condition.notify_all()

    def work() -> None:
        with psycopg.connect(**run.params, autocommit=True) as conn:
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
                        run.counts["incidents_logentry"] += cursor.rowcount
                    finished.add(task.name)
                    if task.name in logs:
                        run.log_seconds = time.monotonic() - started
                    elif task.sql == task.name:
                        restored.add(task.sql)
                    if run.verbosity > 1:
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
    run.index_seconds = time.monotonic() - started


def finish(run: Volume) -> None:
    """The reference counters to match the references written, and every id sequence past the loaded ids."""
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM incidents_referencecounter")
        with cursor.connection.cursor().copy("COPY incidents_referencecounter (day, last) FROM STDIN") as copy:
            copy.write("".join(f"{day}\t{last}\n" for day, last in run.reference_counters))
        for table in TABLES:
            # The table names are this module's constants, not input.
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"COALESCE((SELECT max(id) FROM {table}), 1))"
            )
        cursor.execute("ANALYZE incidents_referencecounter")  # the others were analysed with their indexes
    run.finish_seconds = time.monotonic() - started
