"""Background work for texts. Tasks take ids and call a service; each is idempotent.

Handing a text to a worker (`text_enqueue`) and the sweep that re-enqueues lost ones live
here with the task they enqueue, so victims/texts.py never imports this module: the
dependency runs one way (tasks -> texts)."""

import logging
from datetime import datetime, timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from victims.models import Text, TextStatus
from victims.texts import text_send

logger = logging.getLogger(__name__)

# A queued text this long past its due time has lost its message (a broker outage, a worker
# killed outright): the sweep enqueues it again.
SWEEP_GRACE_SECONDS = 60


@shared_task(name="victims.tasks.text_send", acks_late=True)
def text_send_task(text_id: int) -> str:
    """Send one text. A redelivered message finds the text claimed or sent and does nothing.
    A retry is a fresh message with a countdown; if it cannot be published the row stays
    queued with its due time and the sweep picks it up."""
    outcome = text_send(text_id=text_id)
    if outcome.retry_in is not None:
        text_enqueue(text_id=text_id, countdown=outcome.retry_in)
    return outcome.result


@shared_task(name="victims.tasks.text_sweep")
def text_sweep_task() -> int:
    """Every minute (beat): enqueue again the texts a broker outage left queued."""
    return text_sweep()


def text_enqueue(*, text_id: int, countdown: int | None = None) -> bool:
    """Hand the text to a worker. A broker that is down loses nothing: the row stays queued
    and the sweep enqueues it again, so this never raises into the request that submitted."""
    try:
        text_send_task.apply_async(args=[text_id], countdown=countdown)
    except Exception:
        logger.warning("Could not enqueue text %s; the sweep will send it.", text_id, exc_info=True)
        return False
    return True


def text_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Every minute (beat): enqueue again each queued text whose message was lost, i.e. that
    is well past due and not held by a live claim. Duplicates are harmless: the claim in
    text_send lets one of them through."""
    now = now or timezone.now()
    stale = list(
        Text.objects.filter(status=TextStatus.QUEUED, next_attempt_at__lt=now - timedelta(seconds=SWEEP_GRACE_SECONDS))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    enqueued = 0
    for text_id in stale:
        if not text_enqueue(text_id=text_id):
            break  # the broker is still down; the next sweep tries again
        enqueued += 1
    return enqueued
