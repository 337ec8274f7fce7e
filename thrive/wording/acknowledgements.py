"""Rule 9: who is asked to acknowledge new wording, their acknowledgement, and how far each
team has got."""

from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from accounts.models import Role, Team, User
from config.errors import Blocked
from thrive.models import Briefing, PromptSet, PromptSetStatus, WordingAcknowledgement
from thrive.wording.sets import force_family_expression

# The staff who answer the prompts and are asked to acknowledge new wording.
STAFF_ROLES = (Role.CALL_HANDLER, Role.SUPERVISOR)


def staff_to_tell(team: Team | None = None) -> QuerySet[User]:
    qs = User.objects.filter(is_active=True, role__in=STAFF_ROLES).select_related("team").order_by("username")
    return qs.filter(team=team) if team is not None else qs


def wording_acknowledge(*, user: User, prompt_set: PromptSet) -> WordingAcknowledgement:
    """The member of staff has read this published version. Idempotent: the first time counts."""
    if prompt_set.status != PromptSetStatus.PUBLISHED:
        raise Blocked("not_published", "Only published guidance can be acknowledged.")
    row, _ = WordingAcknowledgement.objects.get_or_create(prompt_set=prompt_set, user=user)
    if row.acknowledged_at is None:
        WordingAcknowledgement.objects.filter(pk=row.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now()
        )
        row.refresh_from_db()
    return row


def acknowledgement_due(user: User) -> PromptSet | None:
    """The current version when this member of staff has not acknowledged it yet (for the
    banner). One query: the current version with whether this user's row is acknowledged."""
    if not getattr(user, "is_authenticated", False) or user.role not in STAFF_ROLES:
        return None
    current = (
        PromptSet.objects.filter(family=force_family_expression(), status=PromptSetStatus.PUBLISHED)
        .annotate(
            acked=Subquery(
                WordingAcknowledgement.objects.filter(
                    prompt_set=OuterRef("pk"), user=user, acknowledged_at__isnull=False
                ).values("acknowledged_at")[:1]
            )
        )
        .order_by("-version")
        # What the banner shows (thrive/wording/_banner.html): not the prompts themselves (a
        # JSON document to decode on every home page).
        .only("name", "version", "published_at", "change_summary")
        .first()
    )
    if current is None or current.acked is not None:
        return None
    return current


@dataclass
class TeamTraining:
    """One team's row of the trained / not-yet chart for one version of the wording.
    Trained means attended a briefing on it (thrive.wording.briefings); the acknowledgement
    ("I have read the new guidance") is shown beside it and counts for nothing more."""

    team: str
    trained: list[User]
    not_yet: list[User]
    acknowledged: list[User]
    team_id: int | None = None

    @property
    def total(self) -> int:
        return len(self.trained) + len(self.not_yet)

    @property
    def percent(self) -> int:
        """Whole percent trained, for the bar's width and its label."""
        return round(100 * len(self.trained) / self.total) if self.total else 0

    @property
    def acknowledged_percent(self) -> int:
        return round(100 * len(self.acknowledged) / self.total) if self.total else 0

    @property
    def not_acknowledged(self) -> int:
        return self.total - len(self.acknowledged)


def trained_by_team(prompt_set: PromptSet) -> list[TeamTraining]:
    """Per team, who attended a briefing on this version (trained) and who not yet, and who
    has acknowledged it. Three queries."""
    briefed = set(
        Briefing.attendees.through.objects.filter(briefing__prompt_set=prompt_set).values_list("user_id", flat=True)
    )
    acked = set(
        WordingAcknowledgement.objects.filter(prompt_set=prompt_set, acknowledged_at__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    teams: dict[str, TeamTraining] = {}
    for user in staff_to_tell():
        name = user.team.name if user.team else "No team"
        row = teams.setdefault(
            name, TeamTraining(team=name, trained=[], not_yet=[], acknowledged=[], team_id=user.team_id)
        )
        user.has_acknowledged = user.pk in acked
        (row.trained if user.pk in briefed else row.not_yet).append(user)
        if user.has_acknowledged:
            row.acknowledged.append(user)
    return [teams[name] for name in sorted(teams)]
