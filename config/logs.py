"""The logging settings (settings.LOGGING) and their filter."""

import logging
from typing import Any


def logging_settings(level: str) -> dict[str, Any]:
    """settings.LOGGING: one plain console handler at `level` (WARNING under the tests)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
        # A refused request (403, 404, 400...) is one line; only a 5xx keeps its traceback.
        "filters": {"client_errors_one_line": {"()": "config.logs.ClientErrorsOneLine"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "filters": ["client_errors_one_line"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }


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
