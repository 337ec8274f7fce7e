# ruff: noqa: S603 - fixed commands from this checkout's virtualenv
"""Several nodes on one machine (issue 18): N gunicorn servers on their own ports, M Celery
worker processes and one beat, all sharing one PostgreSQL database and one Redis, as a force
would run them behind a load balancer. bench/peak.py drives them.

Each server writes its own access log (method, path, status, gunicorn's own time in µs), so
the server's time per page is read from the logs of all of them."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import ROOT, VENV


@dataclass
class Nodes:
    """The processes of one multi-node run; `stop()` ends every one that `start_*` began."""

    env: dict[str, str]
    out: Path
    ports: list[int]
    workers: int = 3
    worker_threads: int = 16  # docker-compose.yml's worker
    gunicorn_workers: int = 3  # the Dockerfile's pool, per server
    gunicorn_threads: int = 4
    queue: str = "thrive_peak"
    beat: bool = True
    settings: str = "bench.settings"
    processes: list[subprocess.Popen] = field(default_factory=list)

    def access_log(self, port: int) -> Path:
        return self.out / f"peak_access_{port}.log"

    def start_servers(self) -> None:
        for port in self.ports:
            self.access_log(port).write_text("")
            self.processes.append(
                subprocess.Popen(
                    [str(VENV / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
                     "--workers", str(self.gunicorn_workers), "--threads", str(self.gunicorn_threads),
                     "--access-logfile", str(self.access_log(port)),
                     "--access-logformat", "%(m)s %(U)s %(s)s %(D)s"],
                    cwd=ROOT, env={**self.env, "DJANGO_SETTINGS_MODULE": self.settings},
                    stdout=(self.out / f"peak_gunicorn_{port}.log").open("w"), stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
        for port in self.ports:
            wait_for(lambda port=port: _answers(f"http://127.0.0.1:{port}/health/live"), f"gunicorn on {port}")

    def start_workers(self) -> None:
        """M worker processes on one queue (each its own node name) and one beat."""
        worker_env = {**self.env, "DJANGO_SETTINGS_MODULE": "config.settings"}
        for number in range(self.workers):
            self.processes.append(
                subprocess.Popen(
                    [str(VENV / "celery"), "-A", "config", "worker", "--loglevel", "WARNING", "--pool", "threads",
                     "--concurrency", str(self.worker_threads), "-Q", self.queue,
                     "-n", f"{self.queue}{number}@localhost", "--without-gossip", "--without-mingle",
                     "--without-heartbeat"],
                    cwd=ROOT, env=worker_env,
                    stdout=(self.out / f"peak_worker{number}.log").open("w"), stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
        if self.beat:
            pidfile = self.out / "peak_beat.pid"
            pidfile.unlink(missing_ok=True)
            self.processes.append(
                subprocess.Popen(
                    [str(VENV / "celery"), "-A", "config", "beat", "--loglevel", "WARNING",
                     "--pidfile", str(pidfile)],
                    cwd=ROOT, env=worker_env,
                    stdout=(self.out / "peak_beat.log").open("w"), stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
        from config.celery import app

        names = [f"{self.queue}{n}@localhost" for n in range(self.workers)]

        def all_answer() -> bool:
            replies = app.control.ping(destination=names, timeout=1.0) or []
            return len(replies) == len(names)

        wait_for(all_answer, f"{self.workers} Celery workers")

    def log_offsets(self) -> dict[int, int]:
        return {port: self.access_log(port).stat().st_size for port in self.ports}

    def server_lines(self, offsets: dict[int, int]) -> list[tuple[int, str, str, int, float]]:
        """(port, method, path, status, server ms) for every request logged since `offsets`."""
        time.sleep(1)  # gunicorn writes its log line after the response
        rows = []
        for port in self.ports:
            with self.access_log(port).open() as handle:
                handle.seek(offsets.get(port, 0))
                for line in handle:
                    parts = line.split()
                    if len(parts) == 4 and parts[2].isdigit() and parts[3].isdigit():
                        rows.append((port, parts[0], parts[1], int(parts[2]), int(parts[3]) / 1000))
        return rows

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2)  # noqa: S310 - a local address of our own
    except OSError:
        return False
    return True


def wait_for(check: Callable[[], bool], what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: S110 - not up yet
            pass
        time.sleep(0.5)
    raise SystemExit(f"{what} did not start; see the logs in var/bench/")
