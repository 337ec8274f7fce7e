"""Prevention texts (rules 3, 7 and 12); the advice they link to is victims/advice.py. Views, the API, the
tasks (victims/tasks.py) and casework.services call these; they take plain values (an
incident, a number, an assessment's id), never an assessment.

Texts (rule 7) move queued -> sent -> delivered | failed, only through `_text_move`. The
worker's path is `text_send`: claim the row (config/outbox.py: a conditional update whose
row count says who won), call the gateway outside any transaction, then record the outcome.
A second delivery of the same task, or a second worker, loses the claim and sends nothing.
The claim, backoff, hand-over by task name and sweep are the outbox's, shared with the staff
emails; this module keeps the text's own: the rate limit, the gateway, the statuses and the
incident-log entries.
"""

import logging
import math
import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from config.dates import local_month
from config.outbox import Outbox, SendOutcome
from config.params import whole_number
from config.phones import normalise_uk_mobile
from incidents.events import incident_event
from incidents.models import EntryKind, Incident
from incidents.services import log_entry_write
from victims import rules
from victims.advice import advice_for
from victims.gateways import PermanentFailure, TemporaryFailure, get_gateway
from victims.models import Text, TextStatus
from victims.rules import phone_masked

logger = logging.getLogger(__name__)

# After this many tries a temporary failure becomes a failed text the handler is told about.
TEXT_MAX_ATTEMPTS = getattr(settings, "TEXT_MAX_ATTEMPTS", 5)
# The texts' outbox; the send task (victims.tasks.text_send_task) is known by this name.
TEXTS = Outbox(
    model=Text,
    queued=TextStatus.QUEUED,
    send_task="victims.tasks.text_send",
    noun="Text",
    backoff_base=rules.TEXT_RETRY_BASE_SECONDS,
)


# --- Texts (rules 3 and 7) ----------------------------------------------------------------


def text_queue(
    *,
    incident: Incident,
    assessment_id: int,
    version: int,
    author: User,
    phone: str,
    submitted_at: datetime | None,
    resend_reason: str = "",
) -> Text | None:
    """Queue the prevention text an assessment version asked for (rules 3, 7 and 12).

    Plain values, not the assessment: whether a text was asked for and may be sent (rule 3,
    thrive.rules.text_requested) and the number it goes to are the caller's reading of the
    answers, casework.services.assessment_record's, which calls this inside the
    submission's transaction: the outbox row commits with the version or not at all, and is
    sent after commit.

    Rule 12: a number that has already had a text for this incident (from an earlier
    version, whatever became of that text) gets another only with a reason, which is kept
    on the text and written in the incident log. Without one the version stands and the log
    says why no text went. The caller holds the incident's row lock, so two versions cannot
    both count as the first text to a number.
    """
    own = Text.objects.filter(assessment_id=assessment_id).first()
    if own is not None:  # queued already: a retry of the same submission changes nothing
        return own
    now = timezone.now()
    earlier = (
        Text.objects.filter(incident=incident, phone=phone)
        .select_related("assessment")
        .order_by("-created_at", "-id")
        .first()
    )
    resend_reason = (resend_reason or "").strip()
    if earlier is not None and not resend_reason:
        log_entry_write(
            incident=incident,
            kind=EntryKind.TEXT_NOT_SENT,
            author=author,
            at=now,
            text=f"No prevention advice text for version {version}: {phone_masked(phone)} already had "
            f"one for this incident (version {earlier.assessment.version}), and no reason to send it again was given.",
        )
        return None
    message, link = advice_for(incident)
    text, created = Text.objects.get_or_create(
        assessment_id=assessment_id,
        defaults={
            "incident": incident,
            "created_by": author,
            "phone": phone,
            "link": link,
            "body": f"{message} {link} (Police reference {incident.reference})",
            "next_attempt_at": now,
            "created_month": local_month(submitted_at or now),
            "resend_reason": resend_reason if earlier is not None else "",
        },
    )
    if created:
        if earlier is not None:
            entry = (
                f"Prevention advice text queued again to {phone_masked(phone)} (it had one for this incident with "
                f"version {earlier.assessment.version}): {link}. Reason for sending again: {resend_reason}"
            )
        else:
            entry = f"Prevention advice text queued to {phone_masked(phone)}: {link}"
        log_entry_write(incident=incident, kind=EntryKind.TEXT_QUEUED, author=author, at=now, text=entry)
    return text


RATE_LIMIT_KEY = "thrive:texts:rate:window"
# The provider counts 60 s by when our calls reach it, which is a little after we take the
# slot (the gateway call's own set-up, a busy machine, the network). A second of margin
# keeps that jitter from squeezing one send too many into its 60 s.
RATE_WINDOW_MS = 61_000
# A sliding window over the last 60 s, in one atomic script so that every worker shares it:
# drop sends older than the window, and take a slot if one is free. A per-clock-minute
# counter would let a burst either side of a minute boundary reach twice the limit. The
# time is Redis's own clock, so workers on hosts whose clocks disagree share one window.
# Answers 0 when a slot was taken, else the milliseconds until the oldest send leaves.
_RATE_SCRIPT = """
if redis.replicate_commands then redis.replicate_commands() end
local key, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, window)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
"""
# One client (a thread-safe connection pool) and one loaded script per Redis URL, per
# process: a send costs one round trip (EVALSHA) on a connection already open.
_rate_scripts: dict[str, Any] = {}
_rate_scripts_lock = threading.Lock()


def _rate_script() -> Any:
    url = settings.REDIS_URL
    script = _rate_scripts.get(url)
    if script is None:
        import redis

        with _rate_scripts_lock:
            script = _rate_scripts.get(url)
            if script is None:
                client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30)
                script = _rate_scripts[url] = client.register_script(_RATE_SCRIPT)
    return script


def _rate_limit_wait(text_id: int) -> float:
    """The provider's limit (TEXT_RATE_LIMIT_PER_MINUTE in any 60 s), shared by every worker
    through Redis. 0 when this send may go now; otherwise the seconds until a slot frees.
    Over the limit nothing is dropped: the caller puts the text back for then."""
    if not settings.REDIS_URL:
        return 0  # the embedded demo: one process, the console gateway, no provider
    wait_ms = _rate_script()(
        keys=[RATE_LIMIT_KEY],
        args=[RATE_WINDOW_MS, settings.TEXT_RATE_LIMIT_PER_MINUTE, f"{text_id}:{uuid.uuid4().hex[:12]}"],
    )
    return int(wait_ms) / 1000


def _text_move(text: Text, new: str, *, at: datetime, entry: str, **fields: Any) -> bool:
    """The one way a text's status changes: a conditional update from the status we read,
    checked against the transition table, with its timeline entry. False if someone else
    moved it first."""
    if not rules.text_can_move(text.status, new):
        return False
    with transaction.atomic():
        moved = Text.objects.filter(pk=text.pk, status=text.status).update(status=new, **fields)
        if not moved:
            return False
        kind = {
            TextStatus.SENT: EntryKind.TEXT_SENT,
            TextStatus.DELIVERED: EntryKind.TEXT_DELIVERED,
            TextStatus.FAILED: EntryKind.TEXT_FAILED,
        }[TextStatus(new)]
        log_entry_write(incident=text.incident, kind=kind, at=at, text=entry)
        incident_event(text.incident, "text.status_changed", at=at, text_id=text.pk, status=new)
    text.status = new
    for name, value in fields.items():
        setattr(text, name, value)
    return True


def text_send(*, text_id: int) -> SendOutcome:
    """Send one queued text, at most once. Returns what happened and, for a retry, when."""
    claim = TEXTS.claim(text_id)
    if claim is None:
        return SendOutcome("skipped")
    text = Text.objects.select_related("incident").get(pk=text_id)
    try:
        wait = _rate_limit_wait(text_id)
    except Exception as exc:
        logger.warning("Text rate limit unavailable (%s): text %s tries again shortly.", exc, text_id)
        wait = 5.0
    if wait > 0:
        # Put it back, due when a slot frees, without counting an attempt.
        retry_in = max(1, math.ceil(wait))
        TEXTS.put_back(claim, due_at=claim.now + timedelta(seconds=retry_in), attempts=F("attempts") - 1)
        return SendOutcome("rate_limited", retry_in=retry_in)

    # The number is read again as config.phones reads it: a row queued before non-ASCII
    # digits were refused would reach the gateway as somebody else's number, or nobody's.
    if normalise_uk_mobile(text.phone) != text.phone:
        return _text_failed(text, now=timezone.now(), reason="the number is not a UK mobile (+447 and nine digits)")

    gateway = get_gateway()
    try:
        # An earlier try reached the gateway (a try stopped by the rate limit is not counted)
        # and ended without an answer we could trust: a timeout, a lost connection, a 5xx, or
        # a worker whose claim lapsed mid-send. The provider may have the text already: ask
        # it by our reference before sending, so that a victim is never texted twice.
        provider_id = gateway.find_sent(text) if text.attempts > 1 else None
        if provider_id is None:
            provider_id = gateway.send(text)
    except PermanentFailure as exc:
        return _text_failed(text, now=timezone.now(), reason=str(exc))
    except Exception as exc:  # TemporaryFailure, or anything unexpected: retry with a ceiling
        reason = str(exc) if isinstance(exc, TemporaryFailure) else f"{type(exc).__name__}: {exc}"
        return TEXTS.try_failed(
            claim,
            attempts=text.attempts,
            max_attempts=TEXT_MAX_ATTEMPTS,
            reason=reason,
            give_up=lambda: _text_failed(
                text, now=timezone.now(), reason=f"gave up after {text.attempts} tries: {reason}"
            ),
        )

    sent_at = timezone.now()
    moved = _text_move(
        text,
        TextStatus.SENT,
        at=sent_at,
        entry=f"Prevention advice text sent to {phone_masked(text.phone)} through {gateway.name}.",
        sent_at=sent_at,
        provider_id=provider_id[:100],
        claimed_until=None,
        last_error="",
    )
    if not moved:
        # A receipt got here before us (delivered already): keep its status, add what we know.
        Text.objects.filter(pk=text_id).update(provider_id=provider_id[:100], claimed_until=None)
    return SendOutcome("sent")


def _text_failed(text: Text, *, now: datetime, reason: str) -> SendOutcome:
    _text_move(
        text,
        TextStatus.FAILED,
        at=now,
        entry=f"Prevention advice text to {phone_masked(text.phone)} failed: {reason[:300]}",
        failed_at=now,
        claimed_until=None,
        last_error=reason[:500],
    )
    logger.warning("Text %s failed: %s", text.pk, reason)
    return SendOutcome("failed")


NOTIFY_RECEIPT_STATUSES = {
    "delivered": TextStatus.DELIVERED,
    "permanent-failure": TextStatus.FAILED,
    "temporary-failure": TextStatus.FAILED,
    "technical-failure": TextStatus.FAILED,
}


class UnknownText(Exception):
    pass


def text_receipt(*, reference: str, provider_status: str, provider_id: str = "") -> Text:
    """A delivery receipt: move the text to delivered or failed. Notify's temporary-failure
    is final too (it has already retried for 72 hours). A repeated receipt changes nothing."""
    pk = whole_number(str(reference or ""))
    if pk is None:
        raise UnknownText(reference)
    text = Text.objects.select_related("incident").filter(pk=pk).first()
    if text is None:
        raise UnknownText(reference)
    new = NOTIFY_RECEIPT_STATUSES.get(provider_status)
    if new is None:
        # Notify's callbacks carry only final statuses; anything else (an intermediate one, or a
        # status Notify adds later) changes nothing, but operations are told, so that a text
        # left at "sent" by a status this code does not know is looked into, not forgotten.
        logger.warning("Text %s: delivery receipt with unknown status %r recorded nothing.", text.pk, provider_status)
        return text
    now = timezone.now()
    if new == TextStatus.DELIVERED:
        _text_move(
            text,
            new,
            at=now,
            entry=f"Prevention advice text delivered to {phone_masked(text.phone)}.",
            delivered_at=now,
            sent_at=text.sent_at or now,
            claimed_until=None,
        )
    else:
        _text_move(
            text,
            new,
            at=now,
            entry=f"Prevention advice text to {phone_masked(text.phone)} was not delivered ({provider_status}).",
            failed_at=now,
            claimed_until=None,
            last_error=f"receipt: {provider_status}",
        )
    return text
