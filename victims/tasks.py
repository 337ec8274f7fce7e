"""Background work for texts. Tasks take ids and call a service; each is idempotent."""

from celery import shared_task

from victims.services import text_enqueue, text_send, text_sweep


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
