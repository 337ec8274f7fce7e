from celery import shared_task

from idempotency.services import idempotency_purge


@shared_task
def idempotency_records_purge() -> int:
    return idempotency_purge()
