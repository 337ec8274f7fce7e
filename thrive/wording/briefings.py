"""Rule 9, training that is training: trainers record the briefings they give (the day, the
topic, the published version of the wording briefed, who attended), and attendance is what
counts as trained (thrive.wording.acknowledgements.trained_by_team). The one write of a
briefing, audited in its transaction, and the reads the trainer's pages use."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from accounts.models import User
from accounts.roles import role_can
from audit.models import Action
from audit.services import audit_record
from config.text import free_text_errors
from thrive.models import Briefing, PromptSet, PromptSetStatus
from thrive.wording.acknowledgements import STAFF_ROLES

TOPIC_MAX = 200
# Far enough back for a year's training days entered late; a typo'd century is refused.
OLDEST_YEARS = 5


def briefing_staff() -> QuerySet[User]:
    """Who can attend: the active staff asked to acknowledge wording (handlers and
    supervisors), by team then name, for the attendance picker."""
    return (
        User.objects.filter(is_active=True, role__in=STAFF_ROLES)
        .select_related("team")
        .order_by("team__name", "full_name", "username")
    )


def briefing_versions() -> QuerySet[PromptSet]:
    """The versions a briefing can be on: every published one, newest first."""
    return PromptSet.objects.filter(status=PromptSetStatus.PUBLISHED).order_by("family", "-version")


def attendee_ids_for(usernames: list[str]) -> list[Any]:
    """The API names attendees by username: each as the staff id, or kept as given when no
    active member of staff has it, so that briefing_record refuses it, naming the field."""
    found = dict(briefing_staff().filter(username__in=usernames).values_list("username", "pk"))
    # Never a bare number for an unknown name: a username of digits must not pass as an id.
    return [found.get(name, f"unknown:{name}") for name in usernames]


def _clean(
    *, held_on: date | None, topic: str, prompt_set_id: Any, attendee_ids: list[Any], today: date
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if held_on is None:
        errors["held_on"] = ["Enter the date of the briefing"]
    elif held_on > today:
        errors["held_on"] = ["The date of the briefing must be today or in the past"]
    elif held_on.year < today.year - OLDEST_YEARS:
        errors["held_on"] = [f"The date of the briefing must be within the last {OLDEST_YEARS} years"]
    topic = " ".join((topic or "").split())
    if not topic:
        errors["topic"] = ["Enter the topic of the briefing"]
    elif len(topic) > TOPIC_MAX:
        errors["topic"] = [f"The topic must be {TOPIC_MAX} characters or fewer"]
    for field, messages in free_text_errors(topic=topic, labels={"topic": "The topic"}).items():
        errors.setdefault(field, messages)
    prompt_set = None
    try:
        prompt_set = briefing_versions().filter(pk=int(prompt_set_id)).first()
    except (TypeError, ValueError):
        prompt_set = None
    if prompt_set is None:
        errors["prompt_set"] = ["Choose the published version of the wording that was briefed"]
    ids: set[int] = set()
    try:
        ids = {int(value) for value in attendee_ids}
    except (TypeError, ValueError):
        errors["attendees"] = ["Choose who attended from the list"]
    attendees: list[User] = []
    if "attendees" not in errors:
        attendees = list(briefing_staff().filter(pk__in=ids))
        if not ids:
            errors["attendees"] = ["Choose at least one person who attended"]
        elif len(attendees) != len(ids):
            errors["attendees"] = ["Choose who attended from the list: only active handlers and supervisors"]
    if errors:
        raise ValidationError(errors)
    return {"held_on": held_on, "topic": topic, "prompt_set": prompt_set, "attendees": attendees}


def briefing_record(
    *,
    actor: User,
    held_on: date | None,
    topic: str,
    prompt_set_id: Any,
    attendee_ids: list[Any],
    request: HttpRequest | None = None,
) -> Briefing:
    """Record a briefing and who attended. Each problem is an error naming its field; nothing
    is saved then. The audit log records who recorded it, in the same transaction."""
    cleaned = _clean(
        held_on=held_on,
        topic=topic,
        prompt_set_id=prompt_set_id,
        attendee_ids=attendee_ids,
        today=timezone.localdate(),
    )
    with transaction.atomic():
        briefing = Briefing.objects.create(
            held_on=cleaned["held_on"],
            topic=cleaned["topic"],
            prompt_set=cleaned["prompt_set"],
            recorded_by=actor,
        )
        briefing.attendees.set(cleaned["attendees"])
        prompt_set = cleaned["prompt_set"]
        audit_record(
            actor=actor,
            action=Action.COLLECT,
            object_type="briefing",
            object_id=briefing.pk,
            description=(
                f"Briefing on {prompt_set.name} version {prompt_set.version}, "
                f"{cleaned['held_on']:%d/%m/%Y}: {len(cleaned['attendees'])} attended"
            ),
            request=request,
        )
    return briefing


def briefing_list() -> QuerySet[Briefing]:
    """Every briefing, newest first, with its version, who recorded it and how many
    attended (one query)."""
    return (
        Briefing.objects.select_related("prompt_set", "recorded_by")
        .annotate(attended=Count("attendees"))
        .order_by("-held_on", "-id")
    )


def get_briefing_for_user(user: Any, pk: Any) -> Briefing:
    """One briefing with its attendees (and their teams), for a trainer or an administrator:
    404 otherwise, or when unknown."""
    if not role_can(user, "edit_prompts"):
        raise Http404
    try:
        briefing = Briefing.objects.select_related("prompt_set", "recorded_by").filter(pk=int(pk)).first()
    except (TypeError, ValueError, OverflowError):
        briefing = None
    if briefing is None:
        raise Http404
    briefing.attendee_list = list(
        briefing.attendees.select_related("team").order_by("team__name", "full_name", "username")
    )
    return briefing
