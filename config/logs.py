"""Logging filters (settings.LOGGING)."""

import logging


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
