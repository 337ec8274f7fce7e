"""Background work for emails. Tasks take ids and call a service; each is idempotent."""

from celery import shared_task

from emails.services import EMAIL_SEND_TASK, EMAILS, email_send, email_sweep


@shared_task(name=EMAIL_SEND_TASK, acks_late=True)
def email_send_task(email_id: int) -> str:
    """Send one email; a retry goes back to the broker with its countdown (config.outbox)."""
    return EMAILS.run(email_id, lambda pk: email_send(email_id=pk))


@shared_task(name="emails.tasks.email_sweep")
def email_sweep_task() -> int:
    """Every minute (beat): hand over again the emails a broker outage left queued."""
    return email_sweep()
