"""Rule 13's records: a supervisor's watch (who is on duty), an alert, and whom it was sent to."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from alerts.rules import duration_label


class Watch(models.Model):
    """A supervisor's watch: on duty from `started_at` until `ended_at` (open while null).
    A watch left open lapses WATCH_MAX_HOURS after it started (alerts.rules.on_watch_q)."""

    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="watches", db_index=False
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            # Who is on watch now (every raise and escalation): the open watches only.
            models.Index(fields=["started_at"], name="watch_open_started", condition=Q(ended_at__isnull=True)),
        ]
        constraints = [
            # One open watch per supervisor: a second "Start watch" finds the first.
            models.UniqueConstraint(fields=["supervisor"], condition=Q(ended_at__isnull=True), name="watch_one_open"),
        ]

    def __str__(self) -> str:
        return f"{self.supervisor_id} from {self.started_at:%Y-%m-%d %H:%M}"


class Reason(models.TextChoices):
    HIGH_RISK = "high_risk", "High-risk assessment"
    RETHRIVE_OVERDUE = "rethrive_overdue", "Re-THRIVE overdue by an hour or more"


class Decision(models.TextChoices):
    RESOURCE = "resource_sent", "Sent or upgraded a resource"
    REGRADED = "regraded", "Changed the grading"
    REASSESS = "reassess_now", "Asked the handler to reassess now"
    ADVISED = "advised", "Advised the handler"
    NO_CHANGE = "no_change", "Reviewed the risk: no change needed"
    OTHER = "other", "Something else (said in the note)"


class Alert(models.Model):
    """One alert to supervisors about one incident. Owned by whoever acknowledged it first."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="alerts")
    # The incident's team when the alert was raised: whose supervisors it went to first.
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    # A high-risk alert: the assessment version that raised it. An overdue one: the re-THRIVE
    # due time that was missed (the sweep raises one alert per due time).
    assessment_version = models.PositiveIntegerField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    raised_at = models.DateTimeField()
    # The local (Europe/London) month of raised_at, first day: the report groups by it.
    raised_month = models.DateField()
    # Who it was first sent to, in words ("the team's supervisors on watch", ...).
    sent_to = models.CharField(max_length=200, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    decision_note = models.TextField(max_length=2000, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Settled: the incident closed while nobody had acknowledged the alert. Nobody is called
    # to it any more (no escalation, off the queues); who closed it and when stay on record.
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [
            # The escalation sweep and the queues: alerts nobody has acknowledged yet, still live.
            models.Index(
                fields=["raised_at"],
                name="alert_open_raised",
                condition=Q(acknowledged_at__isnull=True, settled_at__isnull=True),
            ),
            # The report: alerts raised in a month (and team).
            models.Index(fields=["raised_month", "team"], name="alert_month_team"),
        ]
        constraints = [
            # The overdue sweep raises at most one alert per missed due time, even racing itself.
            models.UniqueConstraint(
                fields=["incident", "due_at"], condition=Q(reason="rethrive_overdue"), name="alert_one_per_due_time"
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="alert_acknowledged_has_who",
            ),
            models.CheckConstraint(
                condition=Q(decided_at__isnull=True) | Q(acknowledged_at__isnull=False),
                name="alert_decided_after_acknowledged",
            ),
            # Settled only while unacknowledged (an owned alert stays its owner's to decide),
            # and always saying by whom.
            models.CheckConstraint(
                condition=Q(settled_at__isnull=True, settled_by__isnull=True)
                | Q(settled_at__isnull=False, settled_by__isnull=False, acknowledged_at__isnull=True),
                name="alert_settled_has_who_and_no_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} on {self.incident_id} at {self.raised_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        """Still calling for a supervisor: nobody acknowledged it and its incident has not closed."""
        return self.acknowledged_at is None and self.settled_at is None

    @property
    def time_to_acknowledge_label(self) -> str:
        if self.acknowledged_at is None:
            return ""
        return duration_label((self.acknowledged_at - self.raised_at).total_seconds())


class AlertRecipient(models.Model):
    """A supervisor an alert was sent to, and when: at raising, at escalation, or on starting
    a watch while it was still open. The home page's panel reads these rows."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="recipients")
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            # Each supervisor once per alert; also serves "was this alert sent to me?".
            models.UniqueConstraint(fields=["alert", "supervisor"], name="alert_recipient_once"),
        ]
        indexes = [
            # The polled panel: the alerts sent to one supervisor.
            models.Index(fields=["supervisor", "alert"], name="alert_recipient_by_supervisor"),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} to {self.supervisor_id}"
