"""Settings for the logs (structured JSON, config/logs.py) and the operations endpoints
(/metrics, the workers' heartbeat: ops/), read by config/settings.py."""

import os

from config.env import env_int, env_list
from config.logs import json_formatter, structlog_configure

# One JSON object per line on standard output (config/logs.py): every record, Django's and
# Celery's too, with the request id django-structlog binds; LOG_FORMAT=plain for a terminal.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# The client's address is the audit log's business, not every log line's.
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False
# A refused request is already one WARNING line from django.request ("Forbidden: /path");
# django-structlog's own line for it is INFO, like every other finished request.
DJANGO_STRUCTLOG_STATUS_4XX_LOG_LEVEL = 20
structlog_configure()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": json_formatter(),
    },
    # A refused request (403, 404, 400...) is one line; only a 5xx keeps its traceback.
    "filters": {"client_errors_one_line": {"()": "config.logs.ClientErrorsOneLine"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain" if LOG_FORMAT == "plain" else "json",
            "filters": ["client_errors_one_line"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # A failed readiness check is in /health/ready's answer; no traceback every 5 s.
        "health_check": {"level": "ERROR"},
    },
}

# /metrics (ops/metrics.py): a bearer token, and/or the scrapers' networks (CIDR, comma
# separated). With neither set /metrics answers 404.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", [])
# Each Celery worker writes its heartbeat this often (ops/heartbeat.py); /health/ready wants
# one no older than WORKER_HEARTBEAT_MAX_AGE seconds.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 15)
WORKER_HEARTBEAT_MAX_AGE = env_int("WORKER_HEARTBEAT_MAX_AGE", 60)
