"""Background work for texts. Tasks take ids and call a service; each is idempotent.

The claim, the retry's hand-over and the sweep are config/outbox.py's (victims.texts.TEXTS),
shared with the staff emails; `text_enqueue` and `text_sweep` keep their names here for
their callers (casework's submission, the tests and bench tools)."""

from datetime import datetime

from celery import shared_task

from config.outbox import SWEEP_LIMIT
from victims.texts import TEXTS, text_send
from webhooks.services import webhook_sweep


@shared_task(name=TEXTS.send_task, acks_late=True)
def text_send_task(text_id: int) -> str:
    """Send one text; a retry goes back to the broker with its countdown (config.outbox)."""
    return TEXTS.run(text_id, lambda pk: text_send(text_id=pk))


@shared_task(name="victims.tasks.text_sweep")
def text_sweep_task() -> int:
    """Every minute (beat): enqueue again the texts a broker outage left queued."""
    return text_sweep()


def text_enqueue(*, text_id: int, countdown: int | None = None) -> bool:
    """Hand the text to a worker; False (and the sweep's job) if the broker is away, so it
    never raises into the request that submitted."""
    return TEXTS.enqueue(text_id, countdown=countdown)


def text_sweep(*, now: datetime | None = None, limit: int = SWEEP_LIMIT) -> int:
    """Enqueue again each queued text whose message was lost (config.outbox's sweep), and
    each pending webhook delivery (webhooks.services.webhook_sweep): one sweep for both
    outboxes a broker outage can leave behind. Returns how many texts were handed over."""
    webhook_sweep(now=now, limit=limit)
    return TEXTS.sweep(now=now, limit=limit)
