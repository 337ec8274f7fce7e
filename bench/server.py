# ruff: noqa: S603, S608 - fixed commands and SQL over this module's own table names
"""`make bench`, the server: gunicorn as in production, its own time per request from its
access log, and a wait until it is idle between scenarios."""

import subprocess
import time
import urllib.request

from bench.common import OUT, ROOT, VENV, pct


class Server:
    """The server part of bench.run.Bench."""

    # The CAD replay (bench/cad_replay.py) serves the API alone: no pages, no static files.
    collect_static = True

    # --- the server and the load ---------------------------------------------------------

    def serve(self) -> subprocess.Popen:
        if self.collect_static:
            self.manage("collectstatic", "--noinput", "-v0")
        OUT.mkdir(parents=True, exist_ok=True)
        log = (OUT / "gunicorn.log").open("w")
        server = subprocess.Popen(
            [str(VENV / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--threads", str(self.threads), "--access-logfile", str(self.access_log),
             "--access-logformat", "%(m)s %(U)s %(s)s %(D)s"],
            cwd=ROOT, env={**self.env, "DJANGO_SETTINGS_MODULE": "bench.settings"}, stdout=log, stderr=log,
        )  # fmt: skip
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__bench__/bare/", timeout=2)
                return server
            except OSError:
                time.sleep(0.5)
        server.terminate()
        raise SystemExit("gunicorn did not answer; see var/bench/gunicorn.log")

    def server_times(self, offset: int) -> dict[str, float]:
        """The server's own time per request (gunicorn's %(D)s, from the request's arrival to
        the end of the response) for what the scenario sent, read from the access log."""
        time.sleep(1)  # gunicorn writes its log line after the response
        times = []
        with self.access_log.open() as handle:
            handle.seek(offset)
            for line in handle:
                parts = line.split()
                if len(parts) == 4 and not parts[1].startswith("/static/"):
                    times.append(int(parts[3]) / 1000)
        if not times:
            return {}
        return {"p50": round(pct(times, 50), 1), "p95": round(pct(times, 95), 1), "p99": round(pct(times, 99), 1)}

    def drain(self) -> None:
        """Wait until the server has finished what the last scenario left in flight (a slow page
        keeps its queries running after locust stops), so it does not weigh on the next one."""
        for _ in range(240):
            busy = int(
                self.psql(
                    f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{self.db}' AND state = 'active' "
                    "AND pid <> pg_backend_pid()"
                )
            )
            if not busy:
                return
            time.sleep(0.5)
