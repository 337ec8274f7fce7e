"""The email outbox: queue in the caller's transaction, send after commit, sweep what a
broker outage left behind. The same shape as the texts of rule 7 (victims.services)."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from config.celery import task_enqueue
from emails.models import Email, EmailStatus

logger = logging.getLogger(__name__)

# The send task's name (emails.tasks.email_send_task); queued messages carry it.
EMAIL_SEND_TASK = "emails.tasks.email_send"
# A worker holds an email this long; a worker that died mid-send lets it go after that.
CLAIM_SECONDS = 300
# A queued email not handed over within this long of its due time is swept again.
SWEEP_GRACE_SECONDS = 60


def _max_attempts() -> int:
    return getattr(settings, "EMAIL_MAX_ATTEMPTS", 6)


def retry_delay_seconds(attempts: int, *, base: int = 60, ceiling: int = 3600) -> int:
    """Exponential backoff after the `attempts`-th failed try: 1 min, 2, 4, ... up to an hour."""
    return int(min(ceiling, base * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class SendOutcome:
    result: str  # sent | skipped | retry | failed
    retry_in: int | None = None


@dataclass(frozen=True)
class Outgoing:
    to: str
    subject: str
    body: str
    dedupe_key: str


def email_queue(*, kind: str, topic: str, messages: list[Outgoing]) -> int:
    """Write the emails in the caller's transaction and hand them to a worker after commit.
    An email already queued under the same dedupe key is not written again. Returns how
    many were new."""
    if not messages:
        return 0
    now = timezone.now()
    keys = [m.dedupe_key for m in messages]
    before = set(Email.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    Email.objects.bulk_create(
        [
            Email(
                kind=kind,
                topic=topic,
                dedupe_key=m.dedupe_key,
                to=m.to,
                subject=m.subject[:300],
                body=m.body,
                next_attempt_at=now,
            )
            for m in messages
            if m.dedupe_key not in before
        ],
        ignore_conflicts=True,  # a concurrent queue of the same key: one row either way
    )
    new_ids = list(
        Email.objects.filter(dedupe_key__in=[k for k in keys if k not in before]).values_list("pk", flat=True)
    )
    if new_ids:
        transaction.on_commit(lambda: email_enqueue_many(email_ids=new_ids))
    return len(new_ids)


def email_enqueue(*, email_id: int, countdown: int | None = None) -> bool:
    """Hand the email to a worker. A broker that is down loses nothing: the row stays queued
    and the sweep hands it over again, so this never raises into the request."""
    try:
        task_enqueue(EMAIL_SEND_TASK, args=[email_id], countdown=countdown)
    except Exception:
        logger.warning("Could not enqueue email %s; the sweep will send it.", email_id, exc_info=True)
        return False
    return True


def email_enqueue_many(*, email_ids: list[int]) -> int:
    """Hand over each email; at the first refusal stop (each refusal costs the broker's
    connect timeout, and the sweep will hand over the rest)."""
    handed = 0
    for email_id in email_ids:
        if not email_enqueue(email_id=email_id):
            break
        handed += 1
    return handed


def email_send(*, email_id: int) -> SendOutcome:
    """Send one queued email, at most once per claim. Says what happened and, for a retry, when."""
    now = timezone.now()
    claim_until = now + timedelta(seconds=CLAIM_SECONDS)
    # The claim: only a queued, due email that nobody holds (or whose holder's claim lapsed)
    # can be won, and the row count says whether we won it. It counts the attempt too.
    won = (
        Email.objects.filter(pk=email_id, status=EmailStatus.QUEUED, next_attempt_at__lte=now + timedelta(seconds=1))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=claim_until, attempts=F("attempts") + 1)
    )
    if not won:
        return SendOutcome("skipped")
    email = Email.objects.get(pk=email_id)
    message = EmailMessage(subject=email.subject, body=email.body, to=[email.to])
    try:
        get_connection().send_messages([message])
    except Exception as exc:  # the mail server refused or is away: retry with a ceiling
        reason = f"{type(exc).__name__}: {exc}"[:500]
        if email.attempts >= _max_attempts():
            Email.objects.filter(pk=email_id, claimed_until=claim_until).update(
                status=EmailStatus.FAILED, failed_at=timezone.now(), claimed_until=None, last_error=reason
            )
            logger.warning("Email %s failed after %s tries: %s", email_id, email.attempts, reason)
            return SendOutcome("failed")
        delay = retry_delay_seconds(email.attempts)
        Email.objects.filter(pk=email_id, claimed_until=claim_until).update(
            claimed_until=None, next_attempt_at=timezone.now() + timedelta(seconds=delay), last_error=reason
        )
        logger.warning("Email %s try %s failed (%s); next try in %s s.", email_id, email.attempts, reason, delay)
        return SendOutcome("retry", retry_in=delay)
    Email.objects.filter(pk=email_id, claimed_until=claim_until).update(
        status=EmailStatus.SENT, sent_at=timezone.now(), claimed_until=None, last_error=""
    )
    return SendOutcome("sent")


def email_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Every minute (beat): hand over again each queued email whose message was lost, i.e.
    that is well past due and not held by a live claim. A duplicate is harmless: the claim
    in email_send lets one through."""
    now = now or timezone.now()
    stale = list(
        Email.objects.filter(
            status=EmailStatus.QUEUED, next_attempt_at__lt=now - timedelta(seconds=SWEEP_GRACE_SECONDS)
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return email_enqueue_many(email_ids=stale)


def email_counts(*, topic: str) -> dict[str, int]:
    """How far the emails about one thing got: {"queued": n, "sent": n, "failed": n}."""
    counts = dict.fromkeys(EmailStatus.values, 0)
    for row in Email.objects.filter(topic=topic).values("status").order_by().annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts
