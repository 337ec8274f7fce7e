"""Dip samples, their reviews (grades) and the handler's answer to them (rules 10 and 11)."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


class Grade(models.TextChoices):
    """The codes of the grade scale the product ships (HMICFRS's five points and not
    applicable). The scale itself is data (GradeLevel): these are its shipped codes, kept so
    that code and tests can name them; API.md's codes never change meaning."""

    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    ADEQUATE = "adequate", "Adequate"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class GradeLevel(models.Model):
    """One point of the QA grade scale, kept by an administrator (Django admin, audited by
    qa.services.grade_level_save). `counts_as_good` puts it in the numerator of the four
    Wiltshire percentages (good-or-outstanding); `not_applicable` leaves it out of their
    denominator. The code is what the API sends and what a review stores: it never changes
    once made (the admin shows it read-only), so a stored grade keeps its meaning."""

    code = models.SlugField(max_length=30, unique=True)
    label = models.CharField(max_length=60)
    order = models.PositiveSmallIntegerField(default=0)
    counts_as_good = models.BooleanField(
        default=False, help_text="Counts as good or outstanding in the monthly QA percentages."
    )
    not_applicable = models.BooleanField(
        default=False, help_text="Not applicable: left out of the monthly QA percentages altogether."
    )
    active = models.BooleanField(default=True, help_text="Offered when grading (old grades keep counting).")

    class Meta:
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(counts_as_good=True, not_applicable=True), name="qa_gradelevel_good_or_not_applicable"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Check(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class LearningTheme(models.Model):
    """A tag for what a review teaches (e.g. "voice of the child"). Admins keep the list."""

    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Sample(models.Model):
    """One month's dip sample, for one team or (team empty) for every team.

    `month` is the first day of the Europe/London month whose closed incidents were drawn.
    `seed` is stored so that the same draw can be made again and checked (rule 10).
    """

    month = models.DateField()
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    per_handler = models.PositiveSmallIntegerField(default=3)
    # The exemption audit drawn with the sample: this many exempt closures per member of
    # staff who closed any in the month (0: none drawn).
    exempt_per_handler = models.PositiveSmallIntegerField(default=1)
    # The supervisors' sample (rule 10: supervisors are not sampled with their own team): an
    # administrator's draw, across every team, of the versions supervisors and administrators
    # wrote, graded by an administrator. It lives beside the teams' samples of the month.
    overseers = models.BooleanField(default=False)
    seed = models.BigIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-month", "team__name"]
        constraints = [
            # Rule 10: one live sample per month and team; the database settles a race
            # between two supervisors pressing "draw" at once. Two constraints because
            # NULLs are distinct in a unique index (an all-teams sample has no team).
            models.UniqueConstraint(
                fields=["month", "team"],
                condition=Q(withdrawn_at__isnull=True, team__isnull=False),
                name="qa_sample_one_live_per_team_month",
            ),
            models.UniqueConstraint(
                fields=["month"],
                condition=Q(withdrawn_at__isnull=True, team__isnull=True, overseers=False),
                name="qa_sample_one_live_all_teams_month",
            ),
            models.UniqueConstraint(
                fields=["month"],
                condition=Q(withdrawn_at__isnull=True, overseers=True),
                name="qa_sample_one_live_overseers_month",
            ),
            models.CheckConstraint(
                condition=Q(overseers=False) | Q(team__isnull=True), name="qa_sample_overseers_no_team"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.scope_label}"

    @property
    def scope_label(self) -> str:
        if self.overseers:
            return "Supervisors' own work"
        return self.team.name if self.team else "All teams"

    @property
    def month_label(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None


class SampleItem(models.Model):
    """One drawn incident, with the assessment version that was current when drawn."""

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="items")
    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="+")
    assessment = models.ForeignKey("thrive.Assessment", on_delete=models.PROTECT, related_name="+")
    # The author of the drawn (graded) version and their team when the sample was drawn
    # (rule 10: the handler credited is the author of the graded version, not whoever opened
    # the incident). Items drawn before that rule keep the call taker they were drawn for.
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["sample", "handler__username", "incident__reference"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "incident"], name="qa_item_once_per_sample"),
        ]

    def __str__(self) -> str:
        return f"{self.sample} {self.incident_id}"


class Review(models.Model):
    """One version of the grading of a sample item. A correction is a new version; the old
    ones stay (rule 10). Only the `current` version counts in the figures (rule 11).

    `month`, `handler` and `team` repeat the sample's month and the item's handler and team
    so that the monthly figures are one indexed aggregate over this table alone.
    """

    item = models.ForeignKey(SampleItem, on_delete=models.PROTECT, related_name="reviews")
    version = models.PositiveIntegerField(default=1)
    current = models.BooleanField(default=True)
    month = models.DateField()
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qa_reviews")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Each measure's grade, by its code (the column keeps the code API.md names; the
    # foreign key makes the scale's table the one that says what it means).
    vulnerability = models.ForeignKey(
        GradeLevel,
        to_field="code",
        db_column="vulnerability",
        db_index=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    prevention = models.ForeignKey(
        GradeLevel, to_field="code", db_column="prevention", db_index=False, on_delete=models.PROTECT, related_name="+"
    )
    preservation = models.ForeignKey(
        GradeLevel,
        to_field="code",
        db_column="preservation",
        db_index=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    repeat_victim_check = models.CharField(max_length=20, choices=Check.choices)
    feedback = models.TextField(max_length=4000, blank=True)
    good_practice = models.BooleanField(default=False)
    themes = models.ManyToManyField(LearningTheme, blank=True, related_name="reviews")
    correction_reason = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The handler read it and accepts it (a dispute is the other answer).
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["item", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="qa_review_version"),
            # One review per item: exactly one version is the one that counts.
            models.UniqueConstraint(fields=["item"], condition=Q(current=True), name="qa_review_one_current"),
        ]
        indexes = [
            # The monthly figures (qa.selectors.qa_monthly): current reviews in a month range,
            # optionally of one team or one handler; the partial index skips superseded versions.
            models.Index(fields=["month", "team", "handler"], name="qa_review_month", condition=Q(current=True)),
            # The handler's own feedback page and the "new feedback" count on their home page.
            models.Index(fields=["handler", "-created_at"], name="qa_review_handler", condition=Q(current=True)),
        ]

    def __str__(self) -> str:
        return f"Review of item {self.item_id} v{self.version}"

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        # A grade is evidence (rule 10): corrected by a new version, never deleted. On
        # PostgreSQL a trigger refuses a bulk delete too (migration 0002).
        raise PermissionError("A QA review is never deleted: correct it with a new version.")


class ExemptionCheck(models.Model):
    """One exempt closure drawn for the month's exemption audit, and the supervisor's finding:
    was closing without an assessment justified? Reported apart from the four Wiltshire
    measures (qa.exemptions). `handler` is who closed it under the exemption."""

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="exemption_checks")
    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="+")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    justified = models.BooleanField(null=True, blank=True)
    feedback = models.TextField(max_length=4000, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sample", "handler__username", "incident__reference"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "incident"], name="qa_exemption_once_per_sample"),
            models.CheckConstraint(
                condition=Q(justified__isnull=True, reviewer__isnull=True, reviewed_at__isnull=True)
                | Q(justified__isnull=False, reviewer__isnull=False, reviewed_at__isnull=False),
                name="qa_exemption_finding_complete",
            ),
        ]
        indexes = [
            # The exemption audit table: checks per month (and team, handler).
            models.Index(fields=["month", "team", "handler"], name="qa_exemption_month"),
        ]

    def __str__(self) -> str:
        return f"Exemption check {self.sample} {self.incident_id}"

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.reviewed_at is not None:
            raise PermissionError("A recorded exemption finding is evidence: it is never deleted.")
        return super().delete(*args, **kwargs)


class DisputeOutcome(models.TextChoices):
    OPEN = "open", "Awaiting the supervisor"
    UPHELD = "upheld", "Grade upheld"
    CHANGED = "changed", "Grade changed"


class Dispute(models.Model):
    """A handler's challenge to a review, and the supervisor's answer. Never deleted."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="disputes")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(max_length=2000)
    raised_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=10, choices=DisputeOutcome.choices, default=DisputeOutcome.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(max_length=2000, blank=True)
    # The corrected review version when the supervisor changed the grade.
    new_review = models.ForeignKey(Review, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            # One open dispute per review at a time.
            models.UniqueConstraint(fields=["review"], condition=Q(outcome="open"), name="qa_dispute_one_open"),
        ]
        indexes = [
            # The supervisor's queue of open disputes.
            models.Index(fields=["outcome", "raised_at"], name="qa_dispute_open", condition=Q(outcome="open")),
        ]

    def __str__(self) -> str:
        return f"Dispute of review {self.review_id} ({self.get_outcome_display()})"

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("A dispute is never deleted.")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ExportRecord(models.Model):
    """Who downloaded which figures, when (issue 6: each export is recorded). Append-only,
    like the audit log: save() refuses an update, delete() refuses, and on PostgreSQL a
    trigger refuses both even to SQL (migration 0002)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    format = models.CharField(max_length=10, choices=ExportFormat.choices)
    filters = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.format} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Export records are append-only: a record cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("Export records are append-only: a record cannot be deleted.")


class SummaryMonth(models.Model):
    """A settled month of the monthly summary (qa.summary), dirty once anything its figures
    depend on changed since it was built (a trigger, migration 0006, marks it in the changing
    transaction). Dirty or unbuilt months are counted live until the beat sweep rebuilds them."""

    month = models.DateField(unique=True)
    dirty = models.BooleanField(default=True)
    # The month of the oldest incident when it was built: a settled month before it with no
    # row of its own has nothing to count (older data marks its months, making rows for them).
    floor = models.BooleanField(default=False)
    built_at = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {'dirty' if self.dirty else 'built'}"


class SummaryScope(models.IntegerChoices):
    """How far a summary row is broken down: each handler within a team, each team, or all."""

    HANDLER = 0, "Handler"
    TEAM = 1, "Team"
    ALL = 2, "All"


class MonthlyCount(models.Model):
    """A measure family's (qa.summary.Family) additive counts for a settled month at one scope,
    never a percentage: `c0`... in the family's order, `key` its own breakdown (the closure
    code for closures). Team and handler are plain ids, so a summary row keeps no one from
    being deleted; their names are read when the figures are shown."""

    family = models.CharField(max_length=20)
    month = models.DateField()
    scope = models.PositiveSmallIntegerField(choices=SummaryScope.choices)
    team_id = models.BigIntegerField(null=True, blank=True)
    handler_id = models.BigIntegerField(null=True, blank=True)
    key = models.BigIntegerField(null=True, blank=True)
    c0 = models.BigIntegerField(default=0)
    c1 = models.BigIntegerField(default=0)
    c2 = models.BigIntegerField(default=0)
    c3 = models.BigIntegerField(default=0)
    c4 = models.BigIntegerField(default=0)
    c5 = models.BigIntegerField(default=0)
    c6 = models.BigIntegerField(default=0)
    c7 = models.BigIntegerField(default=0)
    c8 = models.BigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["scope", "month", "family", "team_id"], name="qa_monthlycount_read"),
            models.Index(fields=["month"], name="qa_monthlycount_month"),
        ]

    def __str__(self) -> str:
        return f"{self.family} {self.month:%Y-%m} scope {self.scope}"
