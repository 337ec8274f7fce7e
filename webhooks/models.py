from django.conf import settings
from django.db import models
from django.db.models import Q


class Subscription(models.Model):
    """A receiver of events (API.md "Webhooks"): where they go, which types, and the secret
    they are signed with. The secret is shown once, when the subscription is made, and kept
    here only to sign with; neither the API nor the admin shows it again."""

    url = models.URLField(max_length=500)
    events = models.JSONField(default=list)
    description = models.CharField(max_length=300, blank=True)
    secret = models.CharField(max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "webhook subscription"

    def __str__(self) -> str:
        return self.description or self.url


class Event(models.Model):
    """One change the outside world may hear about, written in the change's own transaction.

    `body` is the exact JSON that every try to every subscription posts and signs: a retry
    sends the same bytes with the same `webhook_id`. It carries references and codes only."""

    webhook_id = models.CharField(max_length=40, unique=True)
    type = models.CharField(max_length=40)
    # The incident the event is about: the events of one incident reach a receiver in order.
    reference = models.CharField(max_length=20)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.type} {self.reference} ({self.webhook_id})"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class Delivery(models.Model):
    """One event to one subscription: the outbox row (config/outbox.py) a worker posts."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    # The event's incident reference, copied so that "an earlier event of this incident is
    # still pending for this subscription" is one index look-up.
    reference = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "subscription"], name="webhook_delivery_once"),
        ]
        indexes = [
            # The sweep: pending deliveries whose time has come.
            models.Index(fields=["next_attempt_at"], name="webhook_pending_due", condition=Q(status="pending")),
            # Whose turn it is: the earlier pending events of an incident, per subscription.
            models.Index(
                fields=["subscription", "reference", "event"],
                name="webhook_pending_in_order",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"Delivery {self.pk} ({self.get_status_display()})"
