# ruff: noqa: S311 - a seeded benchmark's choices, not secrets
"""`bench/cad_replay.py`, the receiver: a local webhook endpoint in a thread, as a CAD
adapter would run one. Every POST is verified with the `standardwebhooks` package; each is
recorded with its arrival time. A share of first arrivals can be answered 503 on purpose, so
that the worker's retries (the same webhook-id) are exercised and counted apart."""

import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError


class Receiver:
    def __init__(self, *, fail_rate: float = 0.0, seed: int = 1) -> None:
        self.hook: Webhook | None = None
        self.fail_rate = fail_rate
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        # One row per POST: id, type, data, the body's timestamp, arrival (epoch s), status.
        self.arrivals: list[dict[str, Any]] = []
        self.seen: set[str] = set()
        self.bad_signatures = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver.receive(body, dict(self.headers.items()))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/thrive-events"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def receive(self, body: bytes, headers: dict[str, str]) -> int:
        arrived = time.time()
        if self.hook is None:
            return 503
        try:
            event = self.hook.verify(body, headers)
        except WebhookVerificationError:
            with self.lock:
                self.bad_signatures += 1
            return 400
        webhook_id = headers.get("webhook-id") or headers.get("Webhook-Id") or ""
        with self.lock:
            first = webhook_id not in self.seen
            self.seen.add(webhook_id)
            status = 503 if first and self.rng.random() < self.fail_rate else 204
            self.arrivals.append(
                {
                    "id": webhook_id,
                    "type": event["type"],
                    "data": event["data"],
                    "timestamp": event["timestamp"],
                    "arrived": arrived,
                    "status": status,
                    "body": json.loads(body),
                }
            )
        return status

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def snapshot(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.arrivals)
