"""QA test data, made through the same services the pages use."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from accounts.models import User
from casework.services import incident_close
from incidents.models import Incident
from qa.models import Check, Grade, Review, Sample, SampleItem
from qa.services import review_record, sample_draw
from tests.factories import make_incident


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def closed_incident(*, handler: User, closed_at: datetime, assessed: bool = True) -> Incident:
    """An incident opened an hour before `closed_at`, assessed (or closed exempt), closed then."""
    incident = make_incident(handler=handler, opened_at=closed_at - timedelta(hours=1), assessed=assessed)
    if assessed:
        incident_close(incident=incident, actor=handler, closure_code="crime_recorded", closed_at=closed_at)
    else:
        incident_close(
            incident=incident,
            actor=handler,
            closure_code="duplicate",
            exemption_reason="Duplicate of an earlier call.",
            closed_at=closed_at,
        )
    return Incident.objects.get(pk=incident.pk)


def grades(
    vulnerability: str = Grade.GOOD,
    prevention: str = Grade.GOOD,
    preservation: str = Grade.GOOD,
    repeat_victim_check: str = Check.YES,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "vulnerability": vulnerability,
        "prevention": prevention,
        "preservation": preservation,
        "repeat_victim_check": repeat_victim_check,
        "feedback": "Clear rationale.",
        "good_practice": False,
        "themes": [],
        **extra,
    }


def drawn_sample(*, supervisor: User, month: date, per_handler: int = 3, seed: int = 42) -> Sample:
    return sample_draw(actor=supervisor, month=month, per_handler=per_handler, seed=seed, now=utc(2023, 1, 1))


def grade_items(items: list[SampleItem], reviewer: User, grading: list[dict[str, Any]]) -> list[Review]:
    return [review_record(item=item, reviewer=reviewer, data=data) for item, data in zip(items, grading, strict=True)]
