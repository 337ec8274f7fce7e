"""The email outbox: queue in the caller's transaction, send after commit, sweep what a
broker outage left behind. The mechanics are config/outbox.py's, shared with the texts of
rule 7 (victims/texts.py); this module keeps the email's own: its rows, the mail server
call and what a sent or failed email records."""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Count
from django.utils import timezone

from config.outbox import SWEEP_LIMIT, Claim, Outbox, SendOutcome
from emails.models import Email, EmailStatus

logger = logging.getLogger(__name__)

# The claim, backoff, sweep and hand-over are config/outbox.py's; the send task's name
# (emails.tasks.email_send_task) is what queued messages carry. Retries: 1 min, 2, 4, ...
EMAILS = Outbox(
    model=Email, queued=EmailStatus.QUEUED, send_task="emails.tasks.email_send", noun="Email", backoff_base=60
)
EMAIL_SEND_TASK = EMAILS.send_task


def _max_attempts() -> int:
    return getattr(settings, "EMAIL_MAX_ATTEMPTS", 6)


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
    EMAILS.enqueue_after_commit(new_ids)
    return len(new_ids)


def email_enqueue(*, email_id: int, countdown: int | None = None) -> bool:
    """Hand the email to a worker; False (and the sweep's job) if the broker is away."""
    return EMAILS.enqueue(email_id, countdown=countdown)


def email_enqueue_many(*, email_ids: list[int]) -> int:
    """Hand over each email, stopping at the first refusal; how many went."""
    return EMAILS.enqueue_each(email_ids)


def email_send(*, email_id: int) -> SendOutcome:
    """Send one queued email, at most once per claim. Says what happened and, for a retry, when."""
    claim = EMAILS.claim(email_id)
    if claim is None:
        return SendOutcome("skipped")
    email = Email.objects.get(pk=email_id)
    message = EmailMessage(
        subject=email.subject, body=email.body, to=[email.to], headers={"Message-ID": email_message_id(email)}
    )
    try:
        get_connection().send_messages([message])
    except Exception as exc:  # the mail server refused or is away: retry with a ceiling
        reason = f"{type(exc).__name__}: {exc}"[:500]
        return EMAILS.try_failed(
            claim,
            attempts=email.attempts,
            max_attempts=_max_attempts(),
            reason=reason,
            give_up=lambda: _email_failed(claim, attempts=email.attempts, reason=reason),
        )
    EMAILS.claimed(claim).update(status=EmailStatus.SENT, sent_at=timezone.now(), claimed_until=None, last_error="")
    return SendOutcome("sent")


def email_message_id(email: Email) -> str:
    """The same Message-ID on every try of one email. SMTP cannot be asked whether a message
    whose answer was lost (a timeout after the server took it) arrived, so such a try is
    retried and the person may get it twice; mail servers and clients that suppress
    duplicates (Exchange, Outlook) know the second copy by this header."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
    return f"<thrive-sp.email.{email.pk}@{domain}>"


def _email_failed(claim: Claim, *, attempts: int, reason: str) -> SendOutcome:
    EMAILS.claimed(claim).update(
        status=EmailStatus.FAILED, failed_at=timezone.now(), claimed_until=None, last_error=reason
    )
    logger.warning("Email %s failed after %s tries: %s", claim.pk, attempts, reason)
    return SendOutcome("failed")


def email_sweep(*, now: datetime | None = None, limit: int = SWEEP_LIMIT) -> int:
    """Every minute (beat): hand over again the emails a broker outage left queued."""
    return EMAILS.sweep(now=now, limit=limit)


def email_counts(*, topic: str) -> dict[str, int]:
    """How far the emails about one thing got: {"queued": n, "sent": n, "failed": n}."""
    counts = dict.fromkeys(EmailStatus.values, 0)
    for row in Email.objects.filter(topic=topic).values("status").order_by().annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts
