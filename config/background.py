"""Settings for the background work (Celery: the broker, the worker and the beat schedule),
read by config/settings.py. With no REDIS_URL the tasks run in-process (the embedded
default); the names and environment variables are the ones docs/DEPLOYMENT.md lists."""

import os

from config.env import env_int, env_list

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    # The embedded default: tasks run in-process, in the request that enqueues them.
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "thrive")
# A text must never be lost with a dying worker: acknowledge only after the task has run,
# and requeue a task whose worker vanished. Idempotency is the task's own job (a claim).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The worker's work is waiting on the text gateway (one call per text), the database and
# Redis, so one process runs a pool of threads (docs/TEXTS.md: 3,000 texts a minute needs
# more in flight than a couple of processes can hold). The command line can override both.
CELERY_WORKER_POOL = os.environ.get("CELERY_WORKER_POOL", "threads")
CELERY_WORKER_CONCURRENCY = env_int("CELERY_WORKER_CONCURRENCY", 16)
# Keep a worker's database connections between tasks under Django's own rules
# (DB_CONN_MAX_AGE, health checks; config/celery.py), rather than Celery's default of a new
# connection for every task: at 50 texts a second that was 50 PostgreSQL connections a second.
CELERY_DB_REUSE_MAX = 1000
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = "Europe/London"
# The worker keeps settings.LOGGING (one JSON object per line, with the request id a task
# was published under) instead of Celery's own plain-text format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "rethrive-sweep": {"task": "thrive.tasks.rethrive_sweep", "schedule": 60.0},
    # Rule 13: an alert unacknowledged for ALERT_ESCALATE_MINUTES goes to every supervisor on
    # watch. Every 30 s, so it goes wider within half a minute of its time.
    "alerts-escalate": {"task": "alerts.tasks.alert_escalate_sweep", "schedule": 30.0},
    # Rule 7: texts a broker outage left queued are enqueued again.
    "texts-sweep": {"task": "victims.tasks.text_sweep", "schedule": 60.0},
    # Expired API tokens are refused on sight; this only keeps the table small.
    "tokens-purge": {"task": "accounts.tasks.tokens_purge", "schedule": 3600.0},
    # Idempotency-Key answers are replayed for 24 hours, then deleted.
    "idempotency-purge": {"task": "idempotency.tasks.idempotency_records_purge", "schedule": 3600.0},
    # The same for emails (the wording emails of rule 9): the outbox is the truth.
    "emails-sweep": {"task": "emails.tasks.email_sweep", "schedule": 60.0},
    # Issue 18: settled months changed since their summary was built (and any never built)
    # are built again; until then they are counted live.
    "qa-summary-sweep": {"task": "qa.tasks.summary_sweep", "schedule": 60.0},
}

# Webhooks (API.md "Webhooks"; webhooks/): plain http is allowed only to these hosts (a
# receiver on the same machine or a test's); every other subscription URL must be https.
WEBHOOK_HTTP_HOSTS = [host.lower() for host in env_list("WEBHOOK_HTTP_HOSTS", ["127.0.0.1", "localhost"])]
# A receiver that has not answered in this long has failed this try.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
# Retries: 30 s, 1 min, 2, 4, ... at most an hour apart, for a day from the first try;
# a try that fails after that marks the delivery failed (shown to administrators).
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 30)
WEBHOOK_RETRY_CEILING_SECONDS = env_int("WEBHOOK_RETRY_CEILING_SECONDS", 3600)
WEBHOOK_RETRY_PERIOD_SECONDS = env_int("WEBHOOK_RETRY_PERIOD_SECONDS", 24 * 3600)
