# ruff: noqa: S603, S607, S608 - fixed commands and SQL over the benchmark's own databases
"""bench/cpu.py's yardstick: the same signed-in page in a bare Django project
(bench/bare_project), in a child process with its own settings and its own database on the
same PostgreSQL, driven run by run over a pipe so that it sees the same machine as the
product's pages."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from typing import Any

from bench.common import ROOT, VENV

BARE_SUFFIX = "_bare"


def bare_database(product_url: str) -> str:
    """The bare project's database beside the product's (same server): migrated by the bare
    project, one user, and the incident table's id and reference copied from the product's."""
    url = product_url.rstrip("/") + BARE_SUFFIX
    server, name = url.rsplit("/", 1)
    exists = subprocess.run(
        ["psql", f"{server}/postgres", "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not exists:
        subprocess.run(["psql", f"{server}/postgres", "-qc", f'CREATE DATABASE "{name}"'], check=True)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.bare_project.settings"}
    subprocess.run([str(VENV / "python"), "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    count = subprocess.run(
        ["psql", url, "-Atc", "SELECT count(*) FROM pg_tables WHERE tablename = 'incidents_incident'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if count == "0":
        subprocess.run(["psql", url, "-qc", "CREATE TABLE incidents_incident (id bigint PRIMARY KEY, "
                        "reference varchar(32) UNIQUE NOT NULL)"], check=True)  # fmt: skip
        dump = subprocess.run(
            ["psql", product_url, "-Atc", "COPY (SELECT id, reference FROM incidents_incident) TO STDOUT"],
            capture_output=True, check=True,
        ).stdout  # fmt: skip
        subprocess.run(["psql", url, "-qc", "COPY incidents_incident FROM STDIN"], input=dump, check=True)
        subprocess.run(["psql", url, "-qc", "VACUUM ANALYZE incidents_incident"], check=True)
    return url


def bare_child(runs: int, number: int, ids: list[int]) -> None:
    """The child: sign a user in, then answer "run" on stdin with one run's mean on stdout."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    from bench.cpu_driver import Driver, print_profile

    user, _ = User.objects.get_or_create(username="bare")
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.set_expiry(4 * 3600)
    store.create()
    driver = Driver()
    urls = [f"/__bench__/signed/?id={i}" for i in ids]
    status, _ = driver.get(urls[0], store.session_key)
    if not status.startswith("200"):
        raise SystemExit(f"the bare project's page answered {status}")
    driver.timed(urls, store.session_key, number)  # warm
    print("READY", flush=True)
    for line in sys.stdin:
        if line.strip() == "run":
            print(f"RUN {driver.timed(urls, store.session_key, number)}", flush=True)
        elif line.strip() == "profile":
            print_profile(lambda: driver.timed(urls, store.session_key, number * 5), sys.stderr)
            print("RUN 0", flush=True)


def bare_process(chosen: dict[str, Any], args: argparse.Namespace) -> subprocess.Popen:
    bare_url = bare_database(os.environ["DATABASE_URL"])
    child = subprocess.Popen(
        [str(VENV / "python"), "-m", "bench.cpu", "--bare-child", "--number", str(args.number),
         "--ids", ",".join(map(str, chosen["bare_signed"]["ids"]))],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": bare_url, "DJANGO_SETTINGS_MODULE": "bench.bare_project.settings"},
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    wait_for(child, "READY")
    return child


def wait_for(child: subprocess.Popen, word: str) -> str:
    for line in child.stdout:
        if line.startswith(word):
            return line[len(word) :].strip()
    raise SystemExit(f"the bare project's process ended before {word} (exit {child.wait()})")
