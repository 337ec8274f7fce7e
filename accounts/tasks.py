from celery import shared_task

from accounts.tokens import tokens_purge_expired


@shared_task
def tokens_purge() -> int:
    return tokens_purge_expired()
