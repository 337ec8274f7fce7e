from django.db import models
from django.db.models import Q


class EmailStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Email(models.Model):
    """One email to one person: the outbox (the same shape as rule 7's texts).

    The row is written in the transaction of the change it tells about, so a change that
    commits always has its email and one that rolls back has none; a worker sends it after
    commit, and the sweep hands over again whatever a broker outage left queued.
    """

    # What the email is about, for lists and counts: e.g. "prompt_set:12".
    topic = models.CharField(max_length=60)
    kind = models.CharField(max_length=40)
    # Queuing the same email twice (a retried task, a double click) writes one row.
    dedupe_key = models.CharField(max_length=200, unique=True)
    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    # A queued email is due to be tried at this time (a retry's backoff).
    next_attempt_at = models.DateTimeField()
    # The claim: a worker holds the email until then; nobody else sends it meanwhile.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="queued") | Q(status="failed") | Q(sent_at__isnull=False),
                name="email_sent_has_sent_at",
            ),
        ]
        indexes = [
            # The sweep: queued emails whose time has come (a small partial index).
            models.Index(fields=["next_attempt_at"], name="email_queued_due", condition=Q(status="queued")),
            # The trainer's page: how far a version's emails got.
            models.Index(fields=["topic", "status"], name="email_topic_status"),
        ]

    def __str__(self) -> str:
        return f"Email {self.pk} to {self.to} ({self.get_status_display()})"
