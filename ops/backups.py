"""The restore drill (docs/DEPLOYMENT.md "Backups"): dump the database with pg_dump, restore
the dump into a fresh database, migrate it, and compare what must survive: the incident
count, the QA table (rule 11's monthly figures) and the audit log, row for row (a digest of
every row in order: the audit log must survive a restore unchanged)."""

import hashlib
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection

from audit.models import AuditEvent
from incidents.models import Incident
from qa.models import Review
from qa.rules import month_add
from qa.selectors import QaFilters, qa_monthly

BASE_DIR = Path(settings.BASE_DIR)


def audit_digest() -> tuple[int, str]:
    """How many audit rows, and a SHA-256 over every field of every row in id order."""
    digest = hashlib.sha256()
    count = 0
    fields = [f.attname for f in AuditEvent._meta.concrete_fields]
    for row in AuditEvent.objects.order_by("id").values_list(*fields).iterator(chunk_size=2000):
        digest.update(json.dumps(row, default=str).encode())
        digest.update(b"\n")
        count += 1
    return count, digest.hexdigest()


def qa_table() -> list[list[Any]]:
    """Every month that has a review, as the QA dashboard shows it (at most ten years)."""
    months = Review.objects.filter(current=True).order_by("month").values_list("month", flat=True)
    first, last = months.first(), months.last()
    if first is None:
        return []
    first = max(first, month_add(last, -119))
    rows = qa_monthly(QaFilters(first=first, last=last))
    return [[str(value) if isinstance(value, date) else value for value in vars(row).values()] for row in rows]


def figures() -> dict[str, Any]:
    audit_rows, audit_sha = audit_digest()
    return {
        "incidents": Incident.objects.count(),
        "qa_table": json.loads(json.dumps(qa_table(), default=str)),
        "audit_rows": audit_rows,
        "audit_sha256": audit_sha,
    }


def _conninfo(dbname: str) -> dict[str, str]:
    db = connection.settings_dict
    return {
        "host": db.get("HOST") or "127.0.0.1",
        "port": str(db.get("PORT") or 5432),
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or "",
        "dbname": dbname,
    }


def _env(info: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "PGHOST": info["host"],
        "PGPORT": info["port"],
        "PGUSER": info["user"],
        "PGPASSWORD": info["password"],
    }


def _url(info: dict[str, str]) -> str:
    password = f":{info['password']}" if info["password"] else ""
    return f"postgres://{info['user']}{password}@{info['host']}:{info['port']}/{info['dbname']}"


def _admin(info: dict[str, str], sql: str) -> None:
    with psycopg.connect(**{**info, "dbname": "postgres"}, autocommit=True) as admin:
        admin.execute(sql)


def drill(*, dump_path: Path, keep: bool = False) -> dict[str, Any]:
    """Dump, restore into a fresh database, migrate, compare. Returns both sets of figures and
    whether they agree; the fresh database is dropped unless `keep`."""
    if connection.vendor != "postgresql":
        raise RuntimeError("The restore drill needs PostgreSQL (pg_dump and pg_restore).")
    source = _conninfo(connection.settings_dict["NAME"])
    before = figures()
    dump_path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump_path}", source["dbname"]],  # noqa: S607
        env=_env(source),
        check=True,
    )
    fresh = {**source, "dbname": f"{source['dbname']}_restore_{os.getpid()}"[:63]}
    _admin(fresh, f'DROP DATABASE IF EXISTS "{fresh["dbname"]}"')
    _admin(fresh, f'CREATE DATABASE "{fresh["dbname"]}"')
    try:
        subprocess.run(  # noqa: S603
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={fresh['dbname']}", str(dump_path)],  # noqa: S607
            env=_env(fresh),
            check=True,
        )
        child = {**os.environ, "DATABASE_URL": _url(fresh), "DB_CONN_MAX_AGE": "0"}
        manage = [sys.executable, str(BASE_DIR / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=child, check=True, cwd=BASE_DIR)  # noqa: S603
        out = subprocess.run(  # noqa: S603
            [*manage, "restore_drill", "--figures"], env=child, check=True, cwd=BASE_DIR, capture_output=True, text=True
        )
        after = json.loads(out.stdout)
    finally:
        if not keep:
            _admin(fresh, f'DROP DATABASE IF EXISTS "{fresh["dbname"]}" WITH (FORCE)')
    return {"before": before, "after": after, "same": before == after, "restored_into": fresh["dbname"]}
