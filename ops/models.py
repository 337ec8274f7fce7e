"""What operations keeps of its own: when each Celery worker was last seen alive."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per worker (its Celery node name), written by the worker itself every
    WORKER_HEARTBEAT_SECONDS (ops/heartbeat.py). It lives in the database, not Redis, so the
    readiness check and the operations page still see the workers while Redis is away."""

    hostname = models.CharField(max_length=200, unique=True)
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return self.hostname
