from typing import Any

from django.conf import settings
from django.db import models


class Action(models.TextChoices):
    """DPA 2018 s.62's kinds of processing that a log must record."""

    COLLECT = "collect", "Collection"
    ALTER = "alter", "Alteration"
    CONSULT = "consult", "Consultation"
    DISCLOSE = "disclose", "Disclosure"
    ERASE = "erase", "Erasure"


# The kinds of record and the ways in that the log names, with what the audit page shows for
# them (the rows keep the codes: the search and the admin filter by them).
OBJECT_TYPES: dict[str, str] = {
    "victim": "Victim",
    "assessment": "Assessment",
    "incident": "Incident",
    "qa_export": "QA export",
    "qa_grade_level": "QA grade",
    "briefing": "Training briefing",
    "alert": "Supervisor alert",
    "watch": "Supervisor's watch",
    "grading": "Grading",
    "closure_exemption": "Closure exemption",
    "closure_code": "Closure code",
    "prevention_advice": "Prevention advice",
}
CHANNELS: dict[str, str] = {"page": "Page", "api": "API", "admin": "Admin", "task": "Task", "command": "Command"}


class AuditEvent(models.Model):
    """One line of the append-only audit log: who did what to which record, when, from where.

    It never holds the personal data itself (an erased victim's name must not live on here):
    only what kind of record, its id, the incident reference and a short description.
    Rows are never changed or deleted: save() refuses an update, delete() refuses, and on
    PostgreSQL a trigger refuses both even to SQL (migration 0002).
    """

    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    # Kept as text too, so the record still names the person if the account is removed.
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64, blank=True)
    incident_reference = models.CharField(max_length=20, blank=True)
    description = models.CharField(max_length=300, blank=True)
    channel = models.CharField(max_length=10, blank=True)  # page, api, admin, task, command
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # Search by person, newest first.
            models.Index(fields=["actor_username", "-at"], name="audit_actor_at"),
            # Search by incident, newest first.
            models.Index(fields=["incident_reference", "-at"], name="audit_incident_at"),
            # Search by date range alone.
            models.Index(fields=["-at"], name="audit_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("The audit log is append-only: an event cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("The audit log is append-only: an event cannot be deleted.")

    @property
    def object_type_label(self) -> str:
        """What the audit page shows for the record's kind: its name, not the code."""
        return OBJECT_TYPES.get(self.object_type, self.object_type.replace("_", " ").capitalize())

    @property
    def channel_label(self) -> str:
        return CHANNELS.get(self.channel, self.channel)
