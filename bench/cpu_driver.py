"""bench/cpu.py's way of asking for a page in-process (Django's WSGI handler, signed in by a
session cookie) and of profiling it; shared with the bare project's child (bench/cpu_bare.py)."""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

CSRF_COOKIE = "BenchCsrfSecretBenchCsrfSecret12"  # a 32-character secret, as a browser would carry


# --- driving requests through the WSGI handler -------------------------------------------


class Driver:
    """Requests through one WSGIHandler, timed in this process's CPU."""

    def __init__(self) -> None:
        from django.core.handlers.wsgi import WSGIHandler

        self.handler = WSGIHandler()

    def environ(self, url: str, session: str) -> dict[str, Any]:
        parts = urlsplit(url)
        return {
            "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": parts.path, "QUERY_STRING": parts.query,
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1", "HTTP_USER_AGENT": "bench.cpu",
            "HTTP_ACCEPT": "text/html", "HTTP_COOKIE": f"sessionid={session}; csrftoken={CSRF_COOKIE}",
            "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http", "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
        }  # fmt: skip

    def get(self, url: str, session: str) -> tuple[str, int]:
        status: list[str] = []
        result = self.handler(self.environ(url, session), lambda s, h, *a: status.append(s))
        try:
            size = sum(len(chunk) for chunk in result)
        finally:
            result.close()  # request_finished: what gunicorn does after the last byte
        return status[0], size

    def timed(self, urls: list[str], session: str, number: int) -> float:
        """Mean CPU seconds per request over `number` requests, cycling through `urls`."""
        took = 0.0
        for i in range(number):
            url = urls[i % len(urls)]
            started = time.process_time()
            self.get(url, session)
            took += time.process_time() - started
        return took / number


def print_profile(func: Callable[[], Any], stream: Any, lines: int = 45) -> None:
    profile = cProfile.Profile(time.process_time)
    profile.runcall(func)
    stats = pstats.Stats(profile, stream=stream)
    stats.sort_stats("cumulative").print_stats(lines)
    stats.sort_stats("tottime").print_stats(25)
