"""Logging filters (settings.LOGGING)."""

import logging
from typing import Any


class ClientErrorsOneLine(logging.Filter):
    """A request refused with a 4xx is logged as one line, without the traceback.

    Django logs a PermissionDenied (django.request) or a SuspiciousOperation (django.security)
    with the exception attached, so every 403 printed a whole traceback: noise that buries the
    real errors and says nothing the one line ("Forbidden (Permission denied): /path") does
    not. A 5xx keeps its traceback: that is a fault to fix."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True


# --- Structured JSON logs (structlog; docs/DEPLOYMENT.md "Logs") -----------------------------


def drop_query_strings(logger: Any, method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """A path is logged without its query string: a search box's text (a name, a phone) must
    never reach a log that nobody can scrub. django-structlog logs `request` as "GET /path?q"."""
    for key in ("request", "path"):
        value = event_dict.get(key)
        if isinstance(value, str) and "?" in value:
            event_dict[key] = value.split("?", 1)[0]
    return event_dict


def structlog_processors() -> list[Any]:
    import structlog

    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        drop_query_strings,
    ]


def structlog_configure() -> None:
    """structlog's own loggers hand their events to the standard library, whose handler
    (LOGGING's "json" formatter) renders every record, Django's and Celery's too, as one
    JSON object per line, carrying the request id (and a task's id) bound by django-structlog."""
    import structlog

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *structlog_processors(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def json_formatter() -> dict[str, Any]:
    import structlog

    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "processors": [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        "foreign_pre_chain": structlog_processors(),
    }
