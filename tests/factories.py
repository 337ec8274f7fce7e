"""Factories for every test. Traits give states: IncidentFactory(closed=True)."""

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from accounts.models import Role, Team, User
from accounts.services import staff_set_role
from casework.services import assessment_record, incident_close
from incidents.models import Category, Grading, Incident
from incidents.services import incident_create

PASSWORD = "correct-horse-battery"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example-police.uk")
    team = factory.SubFactory(TeamFactory, name="Blue Watch")
    role = Role.CALL_HANDLER

    @factory.post_generation
    def password(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save()
            staff_set_role(user=obj, role=obj.role)

    class Params:
        handler = factory.Trait(role=Role.CALL_HANDLER)
        supervisor = factory.Trait(role=Role.SUPERVISOR)
        trainer = factory.Trait(role=Role.TRAINER, team=None)
        analyst = factory.Trait(role=Role.ANALYST, team=None)
        admin = factory.Trait(role=Role.ADMIN, team=None, is_superuser=True, is_staff=True)


def complete_answers(**overrides: Any) -> dict[str, Any]:
    """A complete THRIVE-SP assessment in API.md's shape (rule 2 satisfied)."""
    answers: dict[str, Any] = {
        "threat": "Ex-partner threatened to come back tonight.",
        "harm": "Bruising to the arm; caller frightened.",
        "risk": "Likely to return; history of two previous calls.",
        "investigation": "Suspect details taken; neighbour witnessed the assault.",
        "vulnerability": "Caller is pregnant and lives alone.",
        "engagement": "Officer to attend within the hour; caller told what to expect.",
        "children_involved": False,
        "voice_of_child": "",
        "risk_level": "high",
        "grading": "priority",
        "rationale": "Risk of further violence tonight.",
        "scene_preservation": {
            "forensic_opportunities": "yes",
            "evidence_retainable": "no",
            "csi_required": "not_known",
            "advice": "Do not clean the kitchen; keep the broken glass where it fell.",
        },
        "prevention": {
            "advice": "Advised to keep doors locked and call 999 if he returns.",
            "send_link": False,
            "link_not_sent_reason": "Not safe to text: the suspect may see her phone.",
            "safe_to_text_confirmed": False,
            "phone": "",
        },
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(answers.get(key), dict):
            answers[key] = {**answers[key], **value}
        else:
            answers[key] = value
    return answers


def form_post(answers: dict[str, Any], **extra: str) -> dict[str, str]:
    """The assessment form as a browser posts these answers: a nested answer's field is
    `section__key`, a yes/no is "true"/"false", and an empty answer is left out (as a blank
    box or an unticked radio is). `extra` adds fields such as form_version."""
    data: dict[str, str] = {}
    for key, value in answers.items():
        items = value.items() if isinstance(value, dict) else [(None, value)]
        for sub, sub_value in items:
            text = "true" if sub_value is True else "false" if sub_value is False else sub_value
            if text not in ("", None):
                data[key if sub is None else f"{key}__{sub}"] = str(text)
    return {**data, **extra}


def make_incident(
    *,
    handler: User | None = None,
    category: str = "burglary_dwelling",
    grading: str = Grading.PRIORITY,
    opened_at: Any = None,
    assessed: bool = False,
    closed: bool = False,
    versions: int = 1,
    **answer_overrides: Any,
) -> Incident:
    """An incident made through the services, with `versions` submitted assessments when
    assessed (or closed), closed when asked."""
    handler = handler or UserFactory(handler=True)
    opened_at = opened_at or timezone.now() - timedelta(hours=2)
    incident = incident_create(
        actor=handler,
        channel="999",
        category=category,
        grading=grading,
        summary="Caller reports a break-in.",
        location="1 High Street",
        opened_at=opened_at,
    )
    if assessed or closed:
        for number in range(versions):
            assessment_record(
                incident=incident,
                author=handler,
                data=complete_answers(**answer_overrides),
                submit=True,
                submitted_at=opened_at + timedelta(minutes=5 + number),
            )
    if closed:
        incident_close(incident=incident, actor=handler, closure_code="crime_recorded")
    return Incident.objects.get(pk=incident.pk)


def category(code: str = "burglary_dwelling") -> Category:
    return Category.objects.get(code=code)


def api_token(user: User) -> str:
    """A new API token for `user`, made the way POST /api/auth/token/ makes one."""
    from accounts.tokens import token_issue

    return token_issue(user=user)[1]


def set_rethrive_interval(grading: str, minutes: int) -> None:
    """The force's re-THRIVE interval for a grading (the gradings table, issue 15)."""
    from incidents.models import ResponseGrading

    row = ResponseGrading.objects.get(code=grading)
    row.rethrive_interval = timedelta(minutes=minutes)
    row.save()


def grow_history(incident: Incident, *, versions: int, entries: int, author: User | None = None) -> Incident:
    """Give `incident` a long history in two bulk inserts (issue 18: an incident with 200
    versions and 1,000 log entries, made in a moment): submitted versions after the ones it
    has, a minute apart, under the current wording, and log entries (notes) a second apart
    after its last; the incident's re-THRIVE clock is left as it was. Used by the tests
    and by `make bench` (bench/database.py), so both measure the same shape."""
    from incidents.models import EntryKind, LogEntry
    from thrive.models import Assessment, AssessmentStatus
    from thrive.wording import prompt_set_current

    author = author or incident.handler
    prompt_set = prompt_set_current()
    answers = complete_answers()
    top = incident.assessments.order_by("-version").values_list("version", flat=True).first() or 0
    start = timezone.now() - timedelta(minutes=versions + 1)
    Assessment.objects.bulk_create(
        Assessment(
            incident=incident,
            version=top + number,
            status=AssessmentStatus.SUBMITTED,
            prompt_set=prompt_set,
            answers=answers,
            author=author,
            risk_level=answers["risk_level"],
            submitted_at=start + timedelta(minutes=number),
            submitted_month=timezone.localdate(start).replace(day=1),
            recorded_at=start + timedelta(minutes=number),
            team=incident.team,
        )
        for number in range(1, versions + 1)
    )
    last = incident.entries.order_by("-at").values_list("at", flat=True).first() or timezone.now()
    first = min(last, timezone.now() - timedelta(seconds=entries + 1))
    LogEntry.objects.bulk_create(
        LogEntry(
            incident=incident,
            at=first + timedelta(seconds=number),
            author=author,
            kind=EntryKind.NOTE,
            text=f"History note {number} of {entries}.",
        )
        for number in range(1, entries + 1)
    )
    return incident


def make_texts(incident: Incident, count: int, *, status: str = "sent", oldest_status: str | None = None) -> list[Any]:
    """`count` prevention-advice texts on `incident`, oldest first, one per submitted version
    (grow_history adds the versions): the n-th links to https://example.org/advice?text=n.
    `oldest_status` gives the first a status of its own (a text still queued, say)."""
    from victims.models import Text, TextStatus

    grow_history(incident, versions=count, entries=0)
    now = timezone.now()
    made = []
    added = reversed(incident.assessments.order_by("-version")[:count])
    for number, assessment in enumerate(added, start=1):
        state = oldest_status if oldest_status and number == 1 else status
        made.append(
            Text.objects.create(
                incident=incident,
                assessment=assessment,
                created_by=incident.handler,
                phone="+447700900123",
                link=f"https://example.org/advice?text={number}",
                body="Advice",
                status=state,
                attempts=0 if state == TextStatus.QUEUED else 1,
                next_attempt_at=now,
                sent_at=None if state in (TextStatus.QUEUED, TextStatus.FAILED) else now,
                delivered_at=now if state == TextStatus.DELIVERED else None,
                failed_at=now if state == TextStatus.FAILED else None,
            )
        )
    return made
