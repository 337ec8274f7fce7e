"""Victims linked to incidents, the prevention advice library, and the outbound texts.

A victim row carries its normalised phone, name, date of birth and household key next to
what the handler typed, so the repeat-victim check (rule 6) is three index range scans.
A text is an outbox row (rule 7): written with the assessment, sent after commit by a
worker that claims it first; the database, not the broker, is the truth about it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class RepeatOutcome(models.TextChoices):
    NOT_RECORDED = "", "Not recorded"
    REPEAT = "repeat", "Repeat victim"
    NOT_REPEAT = "not_repeat", "Not a repeat victim"


class CodeAnswer(models.TextChoices):
    """Rule 14: the Victims' Code answers a handler records (empty: not recorded yet)."""

    YES = "yes", "Yes"
    NO = "no", "No"


class SupportAnswer(models.TextChoices):
    """Whether the victim was given the support information, and how. The prevention text
    counts when one was asked for to the victim's own number (victims.victims_code)."""

    YES = "yes", "Yes, on the call or in writing"
    TEXT = "text", "Yes, by the prevention text"
    NO = "no", "No"


class Victim(models.Model):
    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="victims")
    name = models.CharField(max_length=150)
    date_of_birth = models.DateField(null=True, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    # The matching keys (victims.rules): what the handler typed, normalised.
    phone_e164 = models.CharField(max_length=16, blank=True)
    name_key = models.CharField(max_length=150, blank=True)
    household_key = models.CharField(max_length=320, blank=True)
    # The incident's opened_at, copied so each look-up is one index range scan over the window
    # instead of a join to incidents (an incident's opened_at never changes after creation).
    incident_opened_at = models.DateTimeField()
    # The repeat-victim check as run when the victim was linked, and the handler's outcome.
    checked_at = models.DateTimeField(null=True, blank=True)
    check_matches = models.JSONField(default=list, blank=True)
    outcome = models.CharField(max_length=20, choices=RepeatOutcome.choices, blank=True, default="")
    household_note = models.TextField(max_length=2000, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The local month the victim was linked, first day: the Victims' Code figures count
    # victims by it (qa.victims_code), behind the index below.
    linked_month = models.DateField(null=True, blank=True)
    # Rule 14, the Victims' Code (victims.victims_code): what a victim of crime was told and
    # offered, as the handler recorded it. Empty until recorded.
    # Empty in the database too, so a bulk COPY (bench/volume) that does not name them loads.
    told_what_happens_next = models.CharField(
        max_length=3, choices=CodeAnswer.choices, blank=True, default="", db_default=""
    )
    written_acknowledgement_offered = models.CharField(
        max_length=3, choices=CodeAnswer.choices, blank=True, default="", db_default=""
    )
    support_information = models.CharField(
        max_length=4, choices=SupportAnswer.choices, blank=True, default="", db_default=""
    )
    victims_code_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    victims_code_at = models.DateTimeField(null=True, blank=True)
    # Erasure (victims.services.victim_erase): the personal details are gone, the fact that
    # a victim was linked, by whom and when stays; the audit log records who erased them.
    erased_at = models.DateTimeField(null=True, blank=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # Rule 6, by phone: victims with this number linked in the look-back window.
            models.Index(
                fields=["phone_e164", "incident_opened_at"], name="victim_phone_window", condition=~Q(phone_e164="")
            ),
            # Rule 6, by name and date of birth.
            models.Index(
                fields=["name_key", "date_of_birth", "incident_opened_at"],
                name="victim_name_dob_window",
                condition=Q(date_of_birth__isnull=False),
            ),
            # Rule 6, by household: anyone at the same address in the window.
            models.Index(
                fields=["household_key", "incident_opened_at"],
                name="victim_household_window",
                condition=~Q(household_key=""),
            ),
            # The Victims' Code figures: victims linked in a range of months.
            models.Index(fields=["linked_month"], name="victim_linked_month"),
        ]

    def __str__(self) -> str:
        # By id, never by name: this string is copied into the admin's history and titles.
        return f"Victim V{self.pk}"


class PreventionAdvice(models.Model):
    """Per category: the force's advice page and the wording of the text. Trainers own it."""

    category = models.OneToOneField("incidents.Category", on_delete=models.CASCADE, related_name="prevention_advice")
    title = models.CharField(max_length=150)
    url = models.URLField(max_length=300)
    message = models.TextField(
        max_length=600,
        help_text="The text the victim receives, before the link. Keep it short: a text is 160 characters a part.",
    )
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category__name"]
        verbose_name = "prevention advice"
        verbose_name_plural = "prevention advice"

    def __str__(self) -> str:
        return self.title


class TextStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class Text(models.Model):
    """One prevention-link text for one submitted assessment (rules 3 and 7)."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="texts")
    assessment = models.ForeignKey("thrive.Assessment", on_delete=models.PROTECT, related_name="texts")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="texts_sent")
    phone = models.CharField(max_length=16)
    link = models.URLField(max_length=300)
    body = models.TextField(max_length=900)
    status = models.CharField(max_length=10, choices=TextStatus.choices, default=TextStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    # A queued text is due to be tried at this time (a retry's backoff, or the rate limit).
    next_attempt_at = models.DateTimeField()
    # The claim: a worker holds the text until then; nobody else calls the gateway for it.
    claimed_until = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The local month the text was asked for (the assessment's submission), first day: the
    # compliance figures count texts requested, sent and delivered by it.
    created_month = models.DateField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    # Rule 12: why the handler sent this number a second text for the same incident
    # (empty for the first text to a number).
    resend_reason = models.CharField(max_length=500, blank=True, default="", db_default="")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # Rule 7: exactly one text per submitted assessment, whoever races to write it.
            models.UniqueConstraint(fields=["assessment"], name="text_one_per_assessment"),
            models.CheckConstraint(
                condition=Q(status="queued") | Q(status="failed") | Q(sent_at__isnull=False),
                name="text_sent_has_sent_at",
            ),
        ]
        indexes = [
            # The sweep: queued texts whose time has come (a small partial index).
            models.Index(fields=["next_attempt_at"], name="text_queued_due", condition=Q(status="queued")),
            # The handler's home page: their failed texts, newest first.
            models.Index(
                fields=["created_by", "-failed_at"], name="text_failed_by_handler", condition=Q(status="failed")
            ),
            # Compliance: texts asked for per month, by how far they got.
            models.Index(fields=["created_month", "status"], name="text_month_status"),
        ]

    def __str__(self) -> str:
        return f"Text {self.pk} ({self.get_status_display()})"
