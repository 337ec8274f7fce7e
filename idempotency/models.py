from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """One account's use of one Idempotency-Key (API.md "Idempotency"): what was asked (a
    hash) and, once done, the answer given, replayed to any repeat within 24 hours."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the method, path and body: a repeat with another request is refused.
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=200, blank=True)
    body = models.BinaryField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            # The claim: a second request with the same key waits on this index until the
            # first commits (then replays its answer) or rolls back (then does the work).
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key"),
        ]
        indexes = [
            # The hourly purge of records past 24 hours.
            models.Index(fields=["created_at"], name="idempotency_created"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.key}"
