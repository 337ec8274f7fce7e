"""Background work for emails. Tasks take ids and call a service; each is idempotent."""

from celery import shared_task

from emails.services import EMAIL_SEND_TASK, email_enqueue, email_send, email_sweep


@shared_task(name=EMAIL_SEND_TASK, acks_late=True)
def email_send_task(email_id: int) -> str:
    """Send one email. A redelivered message finds it claimed or sent and does nothing. A
    retry is a fresh message with a countdown; if that cannot be published the row stays
    queued with its due time and the sweep picks it up."""
    outcome = email_send(email_id=email_id)
    if outcome.retry_in is not None:
        email_enqueue(email_id=email_id, countdown=outcome.retry_in)
    return outcome.result


@shared_task(name="emails.tasks.email_sweep")
def email_sweep_task() -> int:
    """Every minute (beat): hand over again the emails a broker outage left queued."""
    return email_sweep()
