import operator
from datetime import UTC, datetime

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, Case, Q, Value, When

# The gradings table is defined beside its cache (incidents/gradings.py); a model of this app.
from incidents.gradings import ResponseGrading as ResponseGrading
from incidents.gradings import grading_label


class Channel(models.TextChoices):
    EMERGENCY = "999", "999"
    NON_EMERGENCY = "101", "101"
    ONLINE = "online", "Online report"
    LIVE_CHAT = "live_chat", "Live chat"
    SOCIAL_MEDIA = "social_media", "Social media"
    FRONT_COUNTER = "front_counter", "Front counter"


class Grading(models.TextChoices):
    """The API's grading codes (API.md), which the gradings table is seeded with. What a grading
    is called, its order, its intervals and whether it may be dispatched before the assessment
    are the force's, in `ResponseGrading`; validation and labels read that table
    (incidents/gradings.py), never this list."""

    IMMEDIATE = "immediate", "Immediate"
    PRIORITY = "priority", "Priority"
    SCHEDULED = "scheduled", "Scheduled"
    RESOLUTION_WITHOUT_DEPLOYMENT = "resolution_without_deployment", "Resolution without deployment"


class Status(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Category(models.Model):
    """An opening code. Admins keep the list; the API refuses a code not on it."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    active = models.BooleanField(default=True)
    # Rule 14: a victim on an incident of this category is a victim of crime, so the
    # Victims' Code applies (victims.victims_code). The force's administrator decides.
    crime = models.BooleanField(
        default=False,
        help_text="Incidents of this category are crimes: their victims are owed the Victims' Code.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class ClosureCode(models.Model):
    """How an incident was closed. An exempt code closes without a complete assessment
    (rule 1), and then needs a reason."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    exempt = models.BooleanField(
        default=False, help_text="Closes without a complete THRIVE-SP assessment (a reason is required)."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["exempt", "name"]

    def __str__(self) -> str:
        return self.name


class Requirement(models.TextChoices):
    """What an exempt closure must record beyond who closed it."""

    REASON = "reason", "A reason"
    RISK_DECISION = "risk_decision", "A risk decision: call-back attempts and the outcome"
    FRAMEWORK_RECORD = "framework_record", "The reference of the framework's own record"


class ClosureExemption(models.Model):
    """A policy line: an exempt closure code a force allows for a channel and a category (either
    empty: any), and what that closure must record. The most specific active line for an
    incident decides (casework.rules.exemption_line); an exempt code with no line is refused."""

    closure_code = models.ForeignKey(
        ClosureCode, on_delete=models.PROTECT, related_name="exemptions", limit_choices_to={"exempt": True}
    )
    channel = models.CharField(max_length=20, choices=Channel.choices, blank=True, help_text="Empty: any channel.")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Empty: any category."
    )
    requirement = models.CharField(max_length=20, choices=Requirement.choices, default=Requirement.REASON)
    framework = models.CharField(
        max_length=100, blank=True, help_text="The framework's record, named on the form (e.g. Missing person record)."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["closure_code__name", "channel", "category__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["closure_code", "channel", "category"],
                nulls_distinct=False,
                name="closure_exemption_one_line_per_scope",
            ),
            models.CheckConstraint(
                condition=~Q(requirement="framework_record") | ~Q(framework=""),
                name="closure_exemption_framework_named",
            ),
        ]

    def __str__(self) -> str:
        channel = Channel(self.channel).label if self.channel else "any channel"
        category = self.category.name if self.category_id else "any category"
        return f"{self.closure_code.name}: {channel}, {category} ({self.get_requirement_display()})"


class ReferenceCounter(models.Model):
    """The last incident number given out on a day; the row lock serialises new references."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


def overdue_q(now: datetime) -> Q:
    """Rule 5: an incident is overdue a re-THRIVE when it is open and its due time has
    passed. The one definition: the list filter, the annotation and `Incident.is_overdue`
    are all read from it. Due times are instants (timestamptz), so the comparison is
    elapsed time whatever zone `now` is in."""
    return Q(status=Status.OPEN, rethrive_due_at__lt=now.astimezone(UTC))


# The lookups `q_holds` can evaluate in Python, each as SQL means it: a NULL column is
# never equal to, nor less than, anything.
_PYTHON_LOOKUPS = {"exact": operator.eq, "lt": operator.lt}


def q_holds(instance: models.Model, q: Q) -> bool:
    """Whether `q` holds for one instance already in memory, without a query: the same
    definition the database applies, evaluated on the instance's own fields. Only the
    lookups above; any other raises, so a new lookup in a definition is not silently
    misread."""
    results = []
    for child in q.children:
        if isinstance(child, Q):
            results.append(q_holds(instance, child))
            continue
        path, wanted = child
        name, _, lookup = path.partition("__")
        have = getattr(instance, name)
        if isinstance(have, datetime):
            # In UTC: two datetimes in the same zone compare by their wall clocks, which
            # the hour the clocks go back shows twice.
            have = have.astimezone(UTC)
        results.append(have is not None and _PYTHON_LOOKUPS[lookup or "exact"](have, wanted))
    held = all(results) if q.connector == Q.AND else any(results)
    return not held if q.negated else held


class IncidentQuerySet(models.QuerySet["Incident"]):
    def open(self) -> "IncidentQuerySet":
        return self.filter(status=Status.OPEN)

    def overdue(self, now: datetime) -> "IncidentQuerySet":
        """Rule 5's overdue list (`overdue_q`)."""
        return self.filter(overdue_q(now))

    def with_overdue(self, now: datetime) -> "IncidentQuerySet":
        """Each row with `overdue` (`overdue_q`) as true or false, never NULL."""
        return self.annotate(
            overdue=Case(When(overdue_q(now), then=Value(True)), default=Value(False), output_field=BooleanField())
        )


class Incident(models.Model):
    reference = models.CharField(max_length=20, unique=True)
    # The force's command-and-control (CAD) system's own reference, when the incident came
    # from there (API.md, "Command-and-control (CAD) integration"); null for incidents opened
    # here. Unique where set.
    cad_ref = models.CharField(max_length=40, unique=True, null=True, blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="incidents")
    # A `ResponseGrading` code (the API's code); its name is the force's (`get_grading_display`).
    grading = models.CharField(max_length=40)
    summary = models.TextField(max_length=2000)
    location = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # db_index=False where a composite index already leads with the column (see Meta.indexes):
    # one index fewer to write on every insert and to build after a bulk load.
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incidents_opened", db_index=False
    )
    # The current owner: who answers for the incident's next re-THRIVE. The handler at
    # opening (incident_create); only a watch handover (incidents/handover.py) changes it.
    # `handler` stays who opened it (QA and the call taker's record read that).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incidents_owned", db_index=False
    )
    # The handler's team when the call came in: QA and supervision follow the team of the
    # day, not wherever the handler has moved since.
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="incidents", db_index=False
    )
    opened_at = models.DateTimeField()
    rethrive_due_at = models.DateTimeField(null=True, blank=True)
    # Issue 19: the response was dispatched before the assessment (the grading allowed it);
    # the assessment follows, due by `rules.assessment_due_after_dispatch`.
    dispatched_before_assessment_at = models.DateTimeField(null=True, blank=True)
    # The due time whose "re-THRIVE due" entry has been written, so the sweep writes it once.
    rethrive_flagged_for = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The local (Europe/London) month of closed_at, first day: the compliance figures group
    # by it, and an index on a stored month serves them where a time-zone TruncMonth cannot.
    closed_month = models.DateField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents_closed",
    )
    closure_code = models.ForeignKey(
        ClosureCode, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    exemption_reason = models.TextField(blank=True, max_length=2000)
    # An exempt closure's policy line (who: closed_by; why: exemption_reason) and what the
    # line asked for: the call-back attempts of a risk decision, or the framework's record.
    # The text columns default to empty in the database too, so a bulk COPY (bench/volume)
    # that does not name them still loads.
    exemption_line = models.ForeignKey(
        ClosureExemption, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    callback_attempts = models.PositiveSmallIntegerField(null=True, blank=True)
    callback_outcome = models.TextField(blank=True, max_length=2000, default="", db_default="")
    framework_reference = models.CharField(max_length=100, blank=True, default="", db_default="")
    # A supervisor's decision to close while a re-THRIVE was overdue at the closing time.
    overdue_decision = models.TextField(blank=True, max_length=2000, default="", db_default="")
    overdue_decision_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The digest of the close request as sent (casework.rules.close_request_digest): every
    # field, kept by the closure or not, so a CAD's retry is told from a different close
    # (cad.rules.close_repeat_problem). Empty while open and for closes made before it.
    close_digest = models.CharField(max_length=64, blank=True, default="", db_default="")
    # Optimistic lock: every change bumps it; a form posted with an older number is stale.
    row_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            # The handler's home page and "my incidents": open incidents of one handler.
            models.Index(fields=["handler", "status", "-opened_at"], name="incident_handler_status"),
            # The home page's "your incidents" and the handover list: open incidents one owns.
            models.Index(fields=["owner", "status", "-opened_at"], name="incident_owner_status"),
            # The supervisor's team list and overdue list.
            models.Index(fields=["team", "status", "-opened_at"], name="incident_team_status"),
            # The overdue list and the re-THRIVE sweep: open incidents by due time only.
            models.Index(
                fields=["rethrive_due_at"],
                name="incident_open_due",
                condition=Q(status="open"),
            ),
            # The default list: newest first.
            models.Index(fields=["-opened_at"], name="incident_opened"),
            # QA dip samples: incidents closed in a month.
            models.Index(fields=["closed_at"], name="incident_closed_at"),
            # Compliance: closures per month (and team), split by closure code, index-only.
            models.Index(fields=["closed_month", "team", "closure_code"], name="incident_closed_month"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True, closure_code__isnull=True)
                | Q(status="closed", closed_at__isnull=False, closure_code__isnull=False),
                name="incident_closed_has_time_and_code",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN

    def get_grading_display(self) -> str:
        """The force's name for the grading (the gradings table), never the code."""
        return grading_label(self.grading)

    def is_overdue(self, now: datetime) -> bool:
        """Rule 5 for one incident (`overdue_q`), as IncidentQuerySet.overdue says it for many."""
        return q_holds(self, overdue_q(now))


class EntryKind(models.TextChoices):
    NOTE = "note", "Note"
    NEW_INFORMATION = "new_information", "New information"
    OPENED = "opened", "Opened"
    GRADING_CHANGED = "grading_changed", "Grading changed"
    ASSESSMENT_SUBMITTED = "assessment_submitted", "Assessment submitted"
    ASSESSMENT_RETURNED = "assessment_returned", "Assessment returned"
    TEXT_QUEUED = "text_queued", "Text queued"
    TEXT_SENT = "text_sent", "Text sent"
    TEXT_DELIVERED = "text_delivered", "Text delivered"
    TEXT_FAILED = "text_failed", "Text failed"
    TEXT_NOT_SENT = "text_not_sent", "Text not sent"
    VICTIM_LINKED = "victim_linked", "Victim linked"
    REPEAT_CHECK = "repeat_check", "Repeat victim check"
    VICTIMS_CODE = "victims_code", "Victims' Code"
    RETHRIVE_DUE = "rethrive_due", "Re-THRIVE due"
    DISPATCHED_FIRST = "dispatched_first", "Dispatched before the assessment"
    # Rule 13 (alerts/): raised, acknowledged, escalated, the supervisor's decision.
    ALERT = "alert", "Supervisor alert"
    # The CAD changed the incident's details (cad.services.cad_incident_put).
    CAD_UPDATED = "cad_updated", "Updated from the CAD"
    CLOSED = "closed", "Closed"
    HANDED_OVER = "handed_over", "Handed over"
    REOPENED = "reopened", "Reopened"


class LogEntry(models.Model):
    """One line of the incident's chronological log. Written, never edited."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="entries", db_index=False
    )  # logentry_incident_at_id
    at = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(max_length=30, choices=EntryKind.choices)
    text = models.TextField(max_length=4000)

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "log entries"
        indexes = [
            # The incident's timeline, a slice at a time (incidents.selectors.log_entries): the
            # latest entries, and each older page after its keyset (at, id), read backwards in
            # the order the pages show without a sort, however long the log (issue 18).
            models.Index(fields=["incident", "at", "id"], name="logentry_incident_at_id"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
