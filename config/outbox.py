"""The outbox's mechanics, shared by the staff emails (emails/services.py) and the prevention
texts (victims/texts.py). Each app keeps what is its own: its model and status names, the
call that leaves the machine (mail server, SMS gateway), what a sent or failed row records
and the incident-log entry a text writes.

An outbox row is written in the caller's transaction and handed to a worker after commit,
by the send task's registered name (config.celery.task_enqueue), so services never import
their tasks. A worker claims the row with one conditional update whose row count says who
won: a redelivered message or a second worker loses and sends nothing. A failed try puts the
row back with exponential backoff until the app's ceiling, then the app marks it failed
where people can see it. The sweep re-enqueues rows whose message a broker outage lost. The
model needs `status`, `attempts`, `next_attempt_at`, `claimed_until` and `last_error`.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from config.celery import task_enqueue

logger = logging.getLogger(__name__)

# A worker holds a claimed row this long: the gateway's timeout many times over. A worker
# that dies holding it lets the sweep hand the row over again once the claim lapses.
CLAIM_SECONDS = 300
# A queued row this long past its due time has lost its message (a broker outage, a worker
# killed outright): the sweep enqueues it again.
SWEEP_GRACE_SECONDS = 60
# How many stale rows one sweep hands over at the most; the next sweep takes the rest.
SWEEP_LIMIT = 500


def backoff_seconds(attempts: int, *, base: int, ceiling: int = 3600) -> int:
    """Exponential backoff after the `attempts`-th failed try: base, 2 x base, 4 x base, ...
    never more than the ceiling."""
    return int(min(ceiling, base * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class SendOutcome:
    result: str  # sent | skipped | retry | rate_limited | failed
    retry_in: int | None = None


@dataclass(frozen=True)
class Claim:
    """A won claim: the row is ours until `until`. Every later write filters on it, so a
    worker whose claim lapsed (and was won by another) writes nothing."""

    pk: int
    now: datetime
    until: datetime


def _unheld(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


@dataclass(frozen=True)
class Outbox:
    model: type[models.Model]
    queued: str  # the model's queued status
    send_task: str  # the Celery name of the task that sends one row
    noun: str  # for the logs: "Email", "Text"
    backoff_base: int  # seconds before the first retry
    # An extra condition (a Q or a boolean expression) a row must meet to be claimed or swept:
    # its turn. The webhooks keep each incident's events in order with it; None: any row.
    in_turn: Any = None

    def _in_turn(self, rows: Any) -> Any:
        return rows if self.in_turn is None else rows.filter(self.in_turn)

    def enqueue(self, pk: int, *, countdown: int | None = None) -> bool:
        """Hand the row to a worker. A broker that is down loses nothing: the row stays
        queued and the sweep hands it over again, so this never raises into the request."""
        try:
            task_enqueue(self.send_task, args=[pk], countdown=countdown)
        except Exception:
            logger.warning("Could not enqueue %s %s; the sweep will send it.", self.noun.lower(), pk, exc_info=True)
            return False
        return True

    def enqueue_each(self, pks: Iterable[int]) -> int:
        """Hand over each row; at the first refusal stop (each refusal costs the broker's
        connect timeout, and the sweep will hand over the rest). Returns how many went."""
        handed = 0
        for pk in pks:
            if not self.enqueue(pk):
                break
            handed += 1
        return handed

    def enqueue_after_commit(self, pks: list[int]) -> None:
        """Hand the rows over once the caller's transaction commits (a rollback sends none)."""
        if pks:
            transaction.on_commit(lambda: self.enqueue_each(pks))

    def claim(self, pk: int) -> Claim | None:
        """Win the row, or None. Only a queued row that is due and held by nobody (or by a
        worker whose claim lapsed) can be won; the row count says whether we won it. The same
        update counts the attempt."""
        now = timezone.now()
        until = now + timedelta(seconds=CLAIM_SECONDS)
        won = self._in_turn(
            self.model.objects.filter(
                pk=pk, status=self.queued, next_attempt_at__lte=now + timedelta(seconds=1)
            ).filter(_unheld(now))
        ).update(claimed_until=until, attempts=F("attempts") + 1)
        return Claim(pk, now, until) if won else None

    def claimed(self, claim: Claim) -> Any:
        """A filter on the row while our claim on it stands."""
        return self.model.objects.filter(pk=claim.pk, claimed_until=claim.until)

    def put_back(self, claim: Claim, *, due_at: datetime, **fields: Any) -> None:
        """Let the row go, due again at `due_at`, for another try."""
        self.claimed(claim).update(claimed_until=None, next_attempt_at=due_at, **fields)

    def try_failed(
        self,
        claim: Claim,
        *,
        attempts: int,
        max_attempts: int,
        reason: str,
        give_up: Callable[[], SendOutcome],
    ) -> SendOutcome:
        """A try that failed for a reason that may pass: retry with backoff, or after
        `max_attempts` tries `give_up` (the app's visible failed state)."""
        if attempts >= max_attempts:
            return give_up()
        delay = backoff_seconds(attempts, base=self.backoff_base)
        self.put_back(claim, due_at=timezone.now() + timedelta(seconds=delay), last_error=reason[:500])
        logger.warning("%s %s try %s failed (%s); next try in %s s.", self.noun, claim.pk, attempts, reason, delay)
        return SendOutcome("retry", retry_in=delay)

    def run(self, pk: int, send: Callable[[int], SendOutcome]) -> str:
        """The send task's body. A redelivered message finds the row claimed or sent and does
        nothing. A retry is a fresh message with a countdown; if that cannot be published the
        row stays queued with its due time and the sweep picks it up."""
        outcome = send(pk)
        if outcome.retry_in is not None:
            self.enqueue(pk, countdown=outcome.retry_in)
        return outcome.result

    def sweep(self, *, now: datetime | None = None, limit: int = SWEEP_LIMIT) -> int:
        """Every minute (beat): hand over again each queued row whose message was lost, i.e.
        that is well past due and not held by a live claim. A duplicate is harmless: the
        claim lets one through. Returns how many were handed over."""
        now = now or timezone.now()
        stale = list(
            self._in_turn(
                self.model.objects.filter(
                    status=self.queued, next_attempt_at__lt=now - timedelta(seconds=SWEEP_GRACE_SECONDS)
                ).filter(_unheld(now))
            )
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        return self.enqueue_each(stale)
