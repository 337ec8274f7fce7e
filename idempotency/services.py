"""Idempotency-Key on every POST under /api/ (API.md "Idempotency").

The whole request runs in one transaction that begins by inserting the (account, key) row.
PostgreSQL makes a second insert of the same key wait until the first transaction ends:
if it committed, the second finds the stored answer and replays it; if it rolled back (an
error, a 5xx), the second does the work itself. So one key does the work once even for two
requests at the same moment, and the answer is stored in the same commit as the work.
"""

import contextlib
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from idempotency.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAY_WINDOW = timedelta(hours=24)
# 1 to 255 printable ASCII characters (space to tilde).
_KEY = re.compile(r"[\x20-\x7e]{1,255}")


class KeyBusy(Exception):
    """Another request with this key is still at work past IDEMPOTENCY_WAIT_SECONDS."""


def idempotency_key_problem(raw: str) -> str | None:
    """Why a header value is not a usable key, or None when it is."""
    if raw == "":
        return "Must not be empty."
    if len(raw) > 255:
        return "Must be at most 255 characters."
    if not _KEY.fullmatch(raw):
        return "Must be printable ASCII characters only."
    return None


def request_fingerprint(*, method: str, path: str, content_type: str, body: bytes) -> str:
    """What a repeat must match: method, path and body. A JSON body is compared as data,
    so a client that re-serialises the same object (other spacing or key order) still
    gets its first answer back."""
    if content_type.split(";")[0].strip() == "application/json":
        # Not JSON after all, or nested deeper than Python parses (a 400 to come from the
        # view's bounded parser, config.parsers): compared byte for byte.
        with contextlib.suppress(ValueError, RecursionError):
            body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@dataclass(frozen=True)
class Claim:
    record: IdempotencyRecord
    won: bool  # True: this request does the work; False: `record` holds the first answer


def idempotency_claim(*, user_id: int, key: str, request_hash: str, now: datetime) -> Claim:
    """Claim (user, key) inside the caller's transaction, waiting for a request that holds
    it. A record older than REPLAY_WINDOW no longer counts: it is replaced."""
    assert connection.in_atomic_block, "the claim must share the request's transaction"  # noqa: S101
    for _ in range(2):
        try:
            with transaction.atomic(), _bounded_wait():
                record = IdempotencyRecord.objects.create(
                    user_id=user_id, key=key, request_hash=request_hash, status_code=0, body=b"", created_at=now
                )
            return Claim(record=record, won=True)
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(user_id=user_id, key=key).first()
            if existing is None:
                continue  # purged between the insert and the read: claim again
            if existing.created_at > now - REPLAY_WINDOW:
                return Claim(record=existing, won=False)
            IdempotencyRecord.objects.filter(pk=existing.pk, created_at__lte=now - REPLAY_WINDOW).delete()
    raise KeyBusy  # pragma: no cover - replaced twice within one request


class _bounded_wait:
    """On PostgreSQL, wait at most IDEMPOTENCY_WAIT_SECONDS for another request holding the
    key (lock_timeout for the claim's insert only), then raise KeyBusy."""

    def __enter__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)",
                    [f"{settings.IDEMPOTENCY_WAIT_SECONDS * 1000}ms"],
                )
                self.previous = cursor.fetchone()[0]

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, OperationalError) and getattr(exc.__cause__, "sqlstate", None) == "55P03":
            raise KeyBusy from exc
        if self.postgres and exc is None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [self.previous])


def idempotency_store(*, record: IdempotencyRecord, status_code: int, content_type: str, body: bytes) -> None:
    """Keep the answer with the claim, in the same transaction as the work."""
    IdempotencyRecord.objects.filter(pk=record.pk).update(status_code=status_code, content_type=content_type, body=body)


def idempotency_purge(*, now: datetime | None = None) -> int:
    """Delete records past the 24-hour window (an hourly task)."""
    now = now or timezone.now()
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lte=now - REPLAY_WINDOW).delete()
    return deleted
