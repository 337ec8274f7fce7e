"""The Celery app. Tasks take ids and call a service; see each app's tasks.py."""

import os
from typing import Any

from celery import Celery, signals
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("thrive_sp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# django-structlog in the worker: binds the request id a web request published the task with
# (a message header) to the task's log lines (config/logs.py).
app.steps["worker"].add(DjangoStructLogInitStep)


def task_enqueue(name: str, *, args: list[Any], countdown: int | None = None) -> None:
    """Hand a task to the broker by its registered name. Services call this instead of
    importing their app's tasks module, which imports them: the tasks sit above the
    services. Each app's AppConfig.ready imports its tasks, so the name is known in every
    process and the task's own options (eager in tests, acks_late) apply; an unknown name
    would still be sent to the broker as it stands."""
    app.signature(name, args=args).apply_async(countdown=countdown)


@signals.task_prerun.connect
@signals.task_postrun.connect
def _close_old_database_connections(sender: Any = None, **kwargs: Any) -> None:
    """Django's own rule for a worker's database connections, as for a web request: before
    and after each task, close a connection that is past DB_CONN_MAX_AGE or broke, and check
    a kept one before its next query. Celery's Django fixup would instead close it after
    every task (CELERY_DB_REUSE_MAX in settings turns that off), so every text would open a
    new PostgreSQL connection. Eager tasks run inside a request, which does this itself."""
    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
