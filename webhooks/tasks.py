"""Background work for webhooks. Tasks take ids and call a service; each is idempotent."""

from celery import shared_task

from webhooks.services import WEBHOOKS, webhook_deliver, webhook_sweep


@shared_task(name=WEBHOOKS.send_task, acks_late=True)
def webhook_deliver_task(delivery_id: int) -> str:
    """Try one delivery; a retry goes back to the broker with its countdown (config.outbox),
    so the worker alone retries, with no beat."""
    return WEBHOOKS.run(delivery_id, lambda pk: webhook_deliver(delivery_id=pk))


@shared_task(name="webhooks.tasks.webhook_sweep")
def webhook_sweep_task() -> int:
    """Hand over again the deliveries a broker outage left pending (the texts' sweep calls
    the same service every minute)."""
    return webhook_sweep()
