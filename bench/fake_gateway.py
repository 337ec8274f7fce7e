"""A local stand-in for GOV.UK Notify's SMS endpoint that takes 50 ms a call (issue 8)."""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SERVICE_ID = str(uuid.UUID(int=1))
API_KEY = f"bench-{SERVICE_ID}-{uuid.UUID(int=2)}"
TEMPLATE_ID = str(uuid.UUID(int=3))


class FakeNotify:
    """Answers every POST with 201 after `delay` seconds and records when each call arrived
    and the reference it carried (our text's id: the same reference twice is a text sent twice);
    answers GET /v2/notifications?reference= with the text it took under that reference."""

    def __init__(self, delay: float = 0.05) -> None:
        self.calls: list[float] = []
        self.references: list[str] = []
        self.accepted: dict[str, str] = {}  # reference -> the notification's id
        self.lookups = 0
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two small writes; without this a kept-alive client waits
            # for a delayed acknowledgement (about 40 ms) on each call, which a real server avoids.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                notification = str(uuid.uuid4())
                with fake.lock:
                    fake.calls.append(time.time())
                    fake.references.append(str(body.get("reference")))
                    fake.accepted.setdefault(str(body.get("reference")), notification)
                time.sleep(delay)
                payload = json.dumps({"id": notification, "reference": body.get("reference"), "content": {}})
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload.encode())

            def do_GET(self) -> None:
                """Notify's list by reference: what a retry asks before sending again."""
                reference = parse_qs(urlsplit(self.path).query).get("reference", [""])[0]
                with fake.lock:
                    fake.lookups += 1
                    found = fake.accepted.get(reference)
                notifications = [{"id": found, "reference": reference}] if found else []
                payload = json.dumps({"notifications": notifications, "links": {}})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload.encode())

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeNotify":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
