"""`/health/live` and `/health/ready` for load balancers, compose and orchestrators.

Live: the process answers (no database, no Redis): restart it if this fails. Ready: the
database answers, Redis answers, a Celery worker was seen within WORKER_HEARTBEAT_MAX_AGE
seconds, and every migration is applied: send it traffic only while this is 200; a 503
otherwise. Both answer JSON naming the checks and their state, never a person or a record.
The checks are django-health-check's (Database, Redis) and two of our own."""

import asyncio
import dataclasses
import datetime
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable

# Once every migration is applied in this process it stays so (a deploy starts new ones).
_migrations_applied = False


@dataclasses.dataclass
class WorkerSeen(HealthCheck):
    """A Celery worker wrote its heartbeat (ops/heartbeat.py) recently."""

    timeout = datetime.timedelta(seconds=3)

    def run(self) -> None:
        from ops.models import WorkerHeartbeat

        try:
            since = timezone.now() - datetime.timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE)
            seen = WorkerHeartbeat.objects.filter(last_seen__gte=since).exists()
        except Exception as exc:
            raise ServiceUnavailable("Could not read the workers' heartbeats") from exc
        finally:
            connection.close()
        if not seen:
            raise ServiceUnavailable("No Celery worker seen recently")


@dataclasses.dataclass
class MigrationsApplied(HealthCheck):
    timeout = datetime.timedelta(seconds=5)

    def run(self) -> None:
        global _migrations_applied
        if _migrations_applied:
            return
        try:
            executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception as exc:
            raise ServiceUnavailable("Could not read the migrations") from exc
        finally:
            connections[DEFAULT_DB_ALIAS].close()
        if plan:
            raise ServiceUnavailable(f"{len(plan)} migration(s) not applied")
        _migrations_applied = True


def _redis_client() -> Any:
    from redis.asyncio import Redis as RedisClient

    return RedisClient.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)


def readiness_checks() -> dict[str, HealthCheck]:
    """What ready means, by name. Without REDIS_URL (the embedded demo: tasks run in the
    request) there is no Redis and no worker to ask about."""
    checks: dict[str, HealthCheck] = {"database": Database(), "migrations": MigrationsApplied()}
    if settings.REDIS_URL:
        checks["redis"] = Redis(client_factory=_redis_client)
        checks["worker"] = WorkerSeen()
    return checks


async def _results(checks: dict[str, HealthCheck]) -> dict[str, str]:
    results = await asyncio.gather(*(check.get_result() for check in checks.values()))
    return {
        name: "ok" if not result.error else getattr(result.error, "message", None) or "unavailable"
        for name, result in zip(checks, results, strict=True)
    }


def _answer(checks: dict[str, str]) -> JsonResponse:
    ready = all(state == "ok" for state in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


@login_not_required
@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return _answer({"process": "ok"})


def _run_checks() -> dict[str, str]:
    """The checks on an event loop of their own: asyncio.run() refuses to start inside a
    thread whose loop is already running (a server or a test harness that runs one), so the
    checks then run on a short-lived thread instead."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_results(readiness_checks()))
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(_results(readiness_checks()))).result()


@login_not_required
@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    return _answer(_run_checks())
