"""What operations reads: the outboxes' state, the workers, the sweeps, the lockouts. The
metrics and the operations page both read from here, a fixed handful of queries whatever the
size of the tables (each figure is one aggregate over an index)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from incidents.models import Incident
from ops.models import WorkerHeartbeat
from victims.models import Text, TextStatus

# A queued text whose due time passed this long ago has not gone out: it is stuck.
STUCK_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class OutboxFigures:
    """How many rows per status, and the age in seconds of the oldest waiting row."""

    by_status: dict[str, int]
    oldest_waiting_seconds: float


def _age(oldest: datetime | None, now: datetime) -> float:
    return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def text_figures(now: datetime) -> OutboxFigures:
    """Texts by status and the oldest queued text's age: one query."""
    rows = Text.objects.order_by().values("status").annotate(n=Count("id"), oldest=Min("created_at"))
    by_status = dict.fromkeys(TextStatus.values, 0)
    oldest = None
    for row in rows:
        by_status[row["status"]] = row["n"]
        if row["status"] == TextStatus.QUEUED:
            oldest = row["oldest"]
    return OutboxFigures(by_status, _age(oldest, now))


def webhook_event_model() -> Any | None:
    """The webhook outbox's model (the `webhooks` app's `Delivery`: one event to one
    subscription, with `status` pending/delivered/failed and `created_at`), or None where that
    app is not installed. The one hook point: every webhook figure, the page's stuck events
    and their retry ask here, and are skipped while it answers None. Another outbox model
    can be named in settings.OPS_WEBHOOK_EVENT_MODEL."""
    label = getattr(settings, "OPS_WEBHOOK_EVENT_MODEL", WEBHOOK_EVENT_MODEL)
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


# The webhook outbox's model; skipped while it does not exist.
WEBHOOK_EVENT_MODEL = "webhooks.Delivery"
WEBHOOK_PENDING = ("pending",)


def webhook_event_figures(now: datetime) -> OutboxFigures | None:
    """Webhook events by status and the oldest pending event's age (one query), or None
    when the webhook outbox is not installed."""
    model = webhook_event_model()
    if model is None:
        return None
    rows = model.objects.order_by().values("status").annotate(n=Count("pk"), oldest=Min("created_at"))
    by_status: dict[str, int] = {}
    oldest = None
    for row in rows:
        by_status[row["status"]] = row["n"]
        if row["status"] in WEBHOOK_PENDING and (oldest is None or row["oldest"] < oldest):
            oldest = row["oldest"]
    return OutboxFigures(by_status, _age(oldest, now))


def rethrive_overdue_count(now: datetime) -> int:
    """Rule 5's overdue incidents (`incidents.models.overdue_q`), counted."""
    return Incident.objects.overdue(now).count()


def lockouts(now: datetime) -> QuerySet[AccessAttempt]:
    """Sign-in lockouts standing now: django-axes' attempts at or past the failure limit
    within the cool-off."""
    since = now - timedelta(hours=settings.AXES_COOLOFF_TIME)
    return AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since)


def workers_seen() -> QuerySet[WorkerHeartbeat]:
    return WorkerHeartbeat.objects.order_by("-last_seen")


def worker_stale(heartbeat: WorkerHeartbeat, now: datetime) -> bool:
    return (now - heartbeat.last_seen).total_seconds() > settings.WORKER_HEARTBEAT_MAX_AGE


def sweeps() -> QuerySet[PeriodicTask]:
    """The beat's sweeps and when each last ran (django-celery-beat records last_run_at)."""
    return PeriodicTask.objects.filter(task__endswith="sweep").order_by("name")


def stuck_texts(now: datetime, *, limit: int = 50) -> QuerySet[Text]:
    """Failed texts and queued ones well past due, oldest first. Only ids, status, attempts
    and times are read: the page shows no number and no message. Each carries its incident's
    `reference`, as a webhook delivery does, so one table partial shows both (one query)."""
    return (
        Text.objects.filter(
            Q(status=TextStatus.FAILED) | Q(status=TextStatus.QUEUED, next_attempt_at__lt=now - STUCK_AFTER)
        )
        .only("id", "status", "attempts", "created_at", "next_attempt_at", "failed_at", "last_error")
        .annotate(reference=F("incident__reference"))
        .order_by("created_at", "id")[:limit]
    )


def stuck_webhook_events(now: datetime, *, limit: int = 50) -> list[Any]:
    """Webhook events not delivered (failed, or pending well past due), when the outbox exists:
    one query, each row carrying its incident's `reference` (a copied column, no join)."""
    model = webhook_event_model()
    if model is None:
        return []
    stuck = Q(status="failed") | Q(status__in=WEBHOOK_PENDING, created_at__lt=now - STUCK_AFTER)
    return list(model.objects.filter(stuck).order_by("created_at")[:limit])


def operations_overview(now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    return {
        "now": now,
        "texts": text_figures(now),
        "stuck_texts": list(stuck_texts(now)),
        "events": webhook_event_figures(now),
        "stuck_events": stuck_webhook_events(now),
        "workers": [(w, worker_stale(w, now)) for w in workers_seen()],
        "sweeps": list(sweeps()),
        "lockouts": list(lockouts(now).order_by("-attempt_time")[:100]),
        "overdue": rethrive_overdue_count(now),
    }
