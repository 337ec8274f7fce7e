from django.conf import settings
from django.db import models
from django.db.models import Q


class PromptSetStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class PromptSet(models.Model):
    """One version of the wording of every section and question.

    `sections` is the whole form as data (see thrive/prompts.py for its shape), so a force
    using THRIIVES or THRIVE+ has a different prompt set, not different code. A published
    version is never changed: a new wording is a new version.
    """

    family = models.SlugField(max_length=40, default="thrive_sp")
    name = models.CharField(max_length=100)
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=PromptSetStatus.choices, default=PromptSetStatus.DRAFT)
    sections = models.JSONField()
    change_summary = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["family", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["family", "version"], name="promptset_family_version"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="promptset_published_has_time",
            ),
        ]
        indexes = [
            # "The current version": the newest published one of the force's family.
            models.Index(fields=["family", "status", "-published_at"], name="promptset_current"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version} ({self.get_status_display()})"


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class Assessment(models.Model):
    """One version of an incident's THRIVE-SP assessment.

    A draft autosaves in place; once submitted it never changes (rule 4): a revision is a
    new row with the next version number. The answers are kept against the prompt set they
    were written under, so every version reads with its own wording.
    """

    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="assessments")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT)
    prompt_set = models.ForeignKey(PromptSet, on_delete=models.PROTECT, related_name="assessments")
    answers = models.JSONField(default=dict)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments")
    revises = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="revisions")
    # Denormalised from the answers at submission, for lists, filters and QA.
    risk_level = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["incident", "version"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "version"], name="assessment_version"),
            # One autosaving draft per author per incident: a reload finds it again.
            models.UniqueConstraint(
                fields=["incident", "author"],
                condition=Q(status="draft"),
                name="assessment_one_draft_per_author",
            ),
            models.CheckConstraint(
                condition=Q(status="draft", submitted_at__isnull=True)
                | Q(status="submitted", submitted_at__isnull=False),
                name="assessment_submitted_has_time",
            ),
        ]
        indexes = [
            # The incident page and the closure gate: an incident's submitted versions.
            models.Index(fields=["incident", "status", "-version"], name="assessment_incident"),
            # The supervisor queue: a team's submissions, newest first.
            models.Index(fields=["status", "-submitted_at"], name="assessment_submitted"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} v{self.version} ({self.status})"

    @property
    def is_submitted(self) -> bool:
        return self.status == AssessmentStatus.SUBMITTED
