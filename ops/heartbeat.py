"""A Celery worker's heartbeat, written to the database by a thread of the worker's own.

Celery's own event heartbeats go through the broker and are off when a worker runs
`--without-heartbeat`; the readiness check wants to know a worker process is alive even
while the broker is away, so each worker writes `ops.WorkerHeartbeat` itself."""

import logging
import threading
from typing import Any

from celery import signals
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

logger = logging.getLogger(__name__)

_stop = threading.Event()


def beat(hostname: str, *, started_at: Any = None) -> None:
    """Record that the worker `hostname` is alive now."""
    from ops.models import WorkerHeartbeat

    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname[:200],
        defaults={"last_seen": now},
        create_defaults={"started_at": started_at or now, "last_seen": now},
    )


def _loop(hostname: str) -> None:
    started = timezone.now()
    interval = settings.WORKER_HEARTBEAT_SECONDS
    while True:
        try:
            close_old_connections()
            beat(hostname, started_at=started)
        except Exception:
            logger.warning("Could not write the worker heartbeat.", exc_info=True)
        finally:
            # Hold no connection between beats: the database may be dropped or restarted.
            connection.close()
        if _stop.wait(interval):
            return


def _worker_ready(sender: Any = None, **kwargs: Any) -> None:
    hostname = getattr(sender, "hostname", None) or "worker"
    _stop.clear()
    threading.Thread(target=_loop, args=(hostname,), name="thrive-heartbeat", daemon=True).start()


def _worker_shutdown(sender: Any = None, **kwargs: Any) -> None:
    _stop.set()


def connect() -> None:
    signals.worker_ready.connect(_worker_ready, weak=False, dispatch_uid="ops-heartbeat-ready")
    signals.worker_shutdown.connect(_worker_shutdown, weak=False, dispatch_uid="ops-heartbeat-stop")
