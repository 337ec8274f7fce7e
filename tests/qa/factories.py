"""QA test data, made through the same services the pages use."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from accounts.models import User
from casework.services import incident_close
from incidents.models import Incident
from qa.models import Check, Grade, Review, Sample, SampleItem
from qa.services import review_record, sample_draw
from tests.factories import UserFactory, make_incident


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


# The seed's published June column (Wiltshire's table): what wiltshire_june reproduces.
WILTSHIRE_JUNE = {
    "month": "2022-06",
    "calls_assessed": 345,
    "vulnerability_pct": 49.1,
    "prevention_pct": 78.6,
    "preservation_pct": 70.2,
    "repeat_victim_check_pct": 73.1,
}


def wiltshire_june(supervisor: User) -> None:
    """June 2022 as the force published it: 345 items drawn and graded through the
    services (seven handlers, 50 per handler; one has only 45 eligible and gives all)."""
    G, O, RI, I, NA = Grade.GOOD, Grade.OUTSTANDING, Grade.REQUIRES_IMPROVEMENT, Grade.INADEQUATE, Grade.NOT_APPLICABLE  # noqa: E741
    june = date(2022, 6, 1)
    handlers = [UserFactory(handler=True, team=supervisor.team) for _ in range(7)]
    for index, handler in enumerate(handlers):
        for n in range(45 if index == 6 else 50):
            closed_incident(handler=handler, closed_at=utc(2022, 6, 1 + n % 29, 8 + n // 29))
    sample = drawn_sample(supervisor=supervisor, month=june, per_handler=50)
    items = list(sample.items.order_by("id"))
    assert len(items) == 345

    def column(good: int, na: int, yes: str, other: str, na_value: str) -> list[str]:
        return [yes] * good + [na_value] * na + [other] * (345 - good - na)

    vulnerability = column(169, 1, G, RI, NA)  # 169 of 344
    prevention = column(271, 0, O, I, NA)  # 271 of 345
    preservation = column(240, 3, G, I, NA)  # 240 of 342
    repeat = column(250, 3, Check.YES, Check.NO, Check.NOT_APPLICABLE)  # 250 of 342
    for item, v, p, s, r in zip(items, vulnerability, prevention, preservation, repeat, strict=True):
        review_record(item=item, reviewer=supervisor, data=grades(v, p, s, r))
