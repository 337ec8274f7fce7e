"""The webhooks' rules (API.md "Webhooks"): the event types, which URLs a subscription may
name, the secret's form, and when a failed try is tried again or given up."""

import base64
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings

from config.outbox import backoff_seconds

EVENT_TYPES = (
    "assessment.submitted",
    "assessment.returned",
    "incident.closed",
    # Beyond API.md's list (docs/API-ADDITIONS.md): a CAD that closed its log must hear that
    # the incident was opened again here, not infer it from a re-THRIVE falling due.
    "incident.reopened",
    "incident.rethrive_overdue",
    "text.status_changed",
)
EVENT_LABELS = {
    "assessment.submitted": "An assessment is submitted",
    "assessment.returned": "An assessment is returned to its author",
    "incident.closed": "An incident is closed",
    "incident.reopened": "A closed incident is reopened by a supervisor",
    "incident.rethrive_overdue": "A re-THRIVE becomes overdue",
    "text.status_changed": "A prevention advice text is sent, delivered or fails",
}


def url_problem(url: str) -> str | None:
    """Why `url` cannot receive events, or None. https always; plain http only to the hosts
    in WEBHOOK_HTTP_HOSTS (a receiver on this machine)."""
    if not url.isascii() or not url.isprintable() or " " in url:
        return "Enter the address without spaces or control characters (non-English names in punycode)"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 (a port that is not a number raises here)
    except ValueError:
        return "Enter a full web address, like https://cad.example.police.uk/thrive-events"
    if parts.scheme not in {"http", "https"} or not host:
        return "Enter a full web address, like https://cad.example.police.uk/thrive-events"
    if parts.username or parts.password:
        return "The address must not contain a user name or password"
    if parts.scheme == "http" and host not in settings.WEBHOOK_HTTP_HOSTS:
        return "The address must start with https:// (plain http is allowed only to this machine)"
    return None


def secret_new() -> str:
    """A Standard Webhooks secret: whsec_ and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def delivered(status_code: int | None) -> bool:
    """A 2xx answer is delivery; anything else (or none) is tried again."""
    return status_code is not None and 200 <= status_code < 300


def retry_in_seconds(attempts: int) -> int:
    """After the `attempts`-th failed try: 30 s, 1 min, 2, 4, ... never more than an hour
    (WEBHOOK_RETRY_BASE_SECONDS, WEBHOOK_RETRY_CEILING_SECONDS)."""
    return backoff_seconds(
        attempts, base=settings.WEBHOOK_RETRY_BASE_SECONDS, ceiling=settings.WEBHOOK_RETRY_CEILING_SECONDS
    )


def give_up(first_attempt_at: datetime, now: datetime) -> bool:
    """A try that fails this long after the first (a day by default) is the last."""
    return now - first_attempt_at >= timedelta(seconds=settings.WEBHOOK_RETRY_PERIOD_SECONDS)
