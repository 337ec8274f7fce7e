from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from thrive.prompt_schema import sections_problems


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

    def clean(self) -> None:
        """The same check as the services (thrive.prompt_schema), for any model form (the
        admin's included). A form knows only the `sections` field, so each problem is
        reported there with its path in the message."""
        problems = sections_problems(self.sections)
        if problems:
            raise ValidationError({"sections": [f"{path}: {m}" for path, ms in problems.items() for m in ms]})


# The risk levels' labels, for the pages: the prompt set's decision section offers these
# codes; the lists read the denormalised code and show the label without loading the set.
RISK_LEVELS: dict[str, str] = {"high": "High", "medium": "Medium", "standard": "Standard"}


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class Assessment(models.Model):
    """One version of an incident's THRIVE-SP assessment.

    A draft autosaves in place; once submitted it never changes (rule 4): a revision is a
    new row with the next version number. The answers are kept against the prompt set they
    were written under, so every version reads with its own wording.
    """

    # No index of its own: assessment_version (incident, version) leads with it.
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, related_name="assessments", db_index=False
    )
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
    # The local month of submitted_at (first day), for the compliance figures' index.
    submitted_month = models.DateField(null=True, blank=True)
    # Rule 5, as it stood at submission: was this re-THRIVE in by the time it fell due?
    # Null for an incident's first assessment, which is not a re-THRIVE.
    rethrive_on_time = models.BooleanField(null=True, blank=True)
    # The incident's team, copied when the version is created (an incident keeps the team it
    # was opened by), so that a supervisor's queue reads its own team's versions through one
    # index instead of looking up the incident of every version of the force.
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # The server's clock when the version was submitted (submitted_at may be a CAD's own
    # time), and a fingerprint of what was submitted (thrive.rules.submission_digest): an
    # identical submission by the same author moments later is the same request arriving
    # twice, answered with this version rather than made into another (and another text).
    recorded_at = models.DateTimeField(null=True, blank=True)
    # A version submitted after its incident closed, answering a supervisor's return made at
    # review (thrive/returns.py): appended, shown as late, and the incident stays closed.
    late = models.BooleanField(default=False, db_default=False)
    # db_default: rows written by COPY (bench, generate_volume) need no change.
    submission_digest = models.CharField(max_length=64, blank=True, default="", db_default="")

    # Not a column: set by casework.services.assessment_record on the version it returns when
    # the submission repeated one just made, so a view does not record it a second time.
    replayed = False

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
            # Submissions newest first, across the force (a date filter).
            models.Index(fields=["status", "-submitted_at"], name="assessment_submitted"),
            # The supervisor queue and home page: a team's submissions, newest first.
            models.Index(fields=["team", "status", "-submitted_at"], name="assessment_team_submitted"),
            # Compliance: re-THRIVEs per month, on time or late.
            models.Index(
                fields=["submitted_month", "rethrive_on_time"],
                name="assessment_rethrive_month",
                condition=Q(rethrive_on_time__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} v{self.version} ({self.get_status_display()})"

    @property
    def risk_level_label(self) -> str:
        return RISK_LEVELS.get(self.risk_level, self.risk_level)

    @property
    def is_submitted(self) -> bool:
        return self.status == AssessmentStatus.SUBMITTED


# --- Returns (rule 8) and the staff's acknowledgement of new wording (rule 9) -------------
# They live here, beside the assessments they return, rather than in qa/ (see
# docs/RETURNS_AND_WORDING.md).


class ReturnReason(models.TextChoices):
    MISSING = "missing", "Missing"
    POOR_QUALITY = "poor_quality", "Poor quality"


class AssessmentReturn(models.Model):
    """A supervisor sends a submitted assessment back to its author with feedback.

    Open while `resolved_at` is empty; the author's next submitted version of the incident
    resolves it (thrive.returns.assessment_return_resolve, called by assessment_record).
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="returns")
    returned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="returns_received")
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="returns_made")
    reason = models.CharField(max_length=20, choices=ReturnReason.choices)
    # Section keys of the returned version's prompt set, in the form's order.
    sections = models.JSONField(default=list)
    feedback = models.TextField(max_length=4000)
    returned_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="resolved_returns"
    )

    class Meta:
        ordering = ["-returned_at"]
        constraints = [
            # One open return per version: returning twice is refused, and a race loses here.
            models.UniqueConstraint(
                fields=["assessment"], condition=Q(resolved_at__isnull=True), name="return_one_open_per_assessment"
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolved_by__isnull=True)
                | Q(resolved_at__isnull=False, resolved_by__isnull=False),
                name="return_resolved_has_revision",
            ),
        ]
        indexes = [
            # "Returned to me" and its count on every page: a handler's open returns, newest first.
            models.Index(
                fields=["returned_to", "-returned_at"],
                name="return_open_by_author",
                condition=Q(resolved_at__isnull=True),
            ),
            # The supervisor's open returns per handler, oldest (longest waiting) first.
            models.Index(fields=["returned_at"], name="return_open_waiting", condition=Q(resolved_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"Return of {self.assessment} to {self.returned_to_id}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class AssessmentReviewed(models.Model):
    """A supervisor looked at a submitted version and found nothing to return: it leaves the
    review queue."""

    assessment = models.OneToOneField(Assessment, on_delete=models.PROTECT, related_name="reviewed")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.assessment} reviewed"


class WordingAcknowledgement(models.Model):
    """One member of staff and one published version: when they were told, when they read it.

    The row is written when the publish email goes (emailed_at, the task's idempotency claim)
    or when the member of staff acknowledges, whichever comes first.
    """

    prompt_set = models.ForeignKey(PromptSet, on_delete=models.PROTECT, related_name="acknowledgements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="acknowledgements")
    emailed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prompt_set", "user"], name="acknowledgement_one_per_user"),
        ]
        # The unique constraint's index serves both the banner (this user, this version) and
        # the trained / not-yet table (this version, every user).

    def __str__(self) -> str:
        return f"{self.user_id} · {self.prompt_set_id}"


class Briefing(models.Model):
    """A training briefing (rule 9): a trainer briefed staff on a published version of the
    wording, on a day, on a topic. Attendance is what the trained / not-yet chart counts as
    trained (thrive.wording.briefings); the acknowledgement is shown beside it."""

    held_on = models.DateField()
    topic = models.CharField(max_length=200)
    prompt_set = models.ForeignKey(PromptSet, on_delete=models.PROTECT, related_name="briefings")
    # The trained / not-yet chart reads the attendees of one version's briefings through
    # the through table's (briefing, user) unique index and the briefing's prompt_set index.
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="briefings_attended")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"Briefing {self.pk}: {self.topic}"


class ForceModelSetting(models.Model):
    """The one row saying which prompt set family (model) the force uses. An administrator
    changes it in the admin; with no row, settings.PROMPT_SET_FAMILY applies."""

    family = models.SlugField(max_length=40, default="thrive_sp")
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "force model (prompt set family)"
        verbose_name_plural = "force model (prompt set family)"

    def __str__(self) -> str:
        return f"Force model: {self.family}"
