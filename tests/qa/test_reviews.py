"""Rule 10's grading at the service: one review per item, corrections as versions, and the
handler's acknowledgement or dispute with the supervisor's answer."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from config.errors import Blocked
from incidents.models import EntryKind
from incidents.services import log_entry_write
from qa.models import Check, DisputeOutcome, Grade, LearningTheme, Review
from qa.selectors import QaFilters, feedback_new_count, qa_monthly
from qa.services import (
    dispute_raise,
    dispute_resolve,
    repeat_check_prefill,
    review_acknowledge,
    review_correct,
    review_record,
)
from tests.factories import TeamFactory, UserFactory
from tests.qa.factories import closed_incident, drawn_sample, grades, utc

JUNE = date(2022, 6, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def item(supervisor, handler):
    closed_incident(handler=handler, closed_at=utc(2022, 6, 2, 12))
    return drawn_sample(supervisor=supervisor, month=JUNE).items.get()


def june() -> list:
    return qa_monthly(QaFilters(first=JUNE, last=JUNE))


def test_one_review_per_item(item, supervisor):
    theme = LearningTheme.objects.create(name="Voice of the child")
    review = review_record(item=item, reviewer=supervisor, data=grades(themes=[theme.pk], good_practice=True))
    assert (review.version, review.current, review.month, review.handler_id) == (1, True, JUNE, item.handler_id)
    assert list(review.themes.all()) == [theme]
    with pytest.raises(Blocked) as refused:
        review_record(item=item, reviewer=supervisor, data=grades())
    assert refused.value.code == "already_reviewed"


def test_bad_grades_are_named(item, supervisor):
    with pytest.raises(ValidationError) as refused:
        review_record(item=item, reviewer=supervisor, data=grades(vulnerability="fine", repeat_victim_check="maybe"))
    assert set(refused.value.message_dict) == {"vulnerability", "repeat_victim_check"}


def test_a_correction_is_a_new_version_and_only_it_counts(item, supervisor):
    first = review_record(item=item, reviewer=supervisor, data=grades(vulnerability=Grade.INADEQUATE))
    assert june()[0].vulnerability_pct == 0
    second = review_correct(review=first, reviewer=supervisor, data=grades(), reason="Misread the log.")
    assert second.version == 2
    first.refresh_from_db()
    assert not first.current
    assert first.vulnerability_id == Grade.INADEQUATE
    assert june()[0].calls_assessed == 1
    assert june()[0].vulnerability_pct == 100
    with pytest.raises(Blocked):
        review_correct(review=first, reviewer=supervisor, data=grades(), reason="Stale form.")
    with pytest.raises(ValidationError):
        review_correct(review=second, reviewer=supervisor, data=grades(), reason="")


def test_only_the_items_team_supervisor_grades(item):
    outsider = UserFactory(supervisor=True, team=TeamFactory(name="Red Watch"))
    with pytest.raises(PermissionDenied):
        review_record(item=item, reviewer=outsider, data=grades())


def test_the_handler_acknowledges(item, supervisor, handler):
    review = review_record(item=item, reviewer=supervisor, data=grades())
    assert feedback_new_count(handler) == 1
    with pytest.raises(PermissionDenied):
        review_acknowledge(review=review, actor=supervisor)
    review_acknowledge(review=review, actor=handler)
    assert review.acknowledged_at is not None
    assert feedback_new_count(handler) == 0


def test_a_dispute_upheld_keeps_the_grade(item, supervisor, handler):
    review = review_record(item=item, reviewer=supervisor, data=grades(prevention=Grade.INADEQUATE))
    with pytest.raises(ValidationError):
        dispute_raise(review=review, actor=handler, comment="  ")
    dispute = dispute_raise(review=review, actor=handler, comment="I gave the advice: see 14:02.")
    assert feedback_new_count(handler) == 0
    with pytest.raises(Blocked):
        dispute_raise(review=review, actor=handler, comment="Again.")
    dispute_resolve(dispute=dispute, actor=supervisor, outcome=DisputeOutcome.UPHELD, response="Too generic.")
    assert dispute.outcome == DisputeOutcome.UPHELD
    assert dispute.resolved_by == supervisor
    assert Review.objects.get(pk=review.pk).current
    with pytest.raises(Blocked):
        dispute_resolve(dispute=dispute, actor=supervisor, outcome=DisputeOutcome.UPHELD, response="Twice.")


def test_a_dispute_changed_makes_a_corrected_version(item, supervisor, handler):
    review = review_record(item=item, reviewer=supervisor, data=grades(prevention=Grade.INADEQUATE))
    dispute = dispute_raise(review=review, actor=handler, comment="I gave the advice.")
    dispute_resolve(
        dispute=dispute, actor=supervisor, outcome=DisputeOutcome.CHANGED, response="Agreed.", data=grades()
    )
    assert dispute.new_review.version == 2
    assert dispute.new_review.prevention_id == Grade.GOOD
    assert Review.objects.filter(item=item).count() == 2
    assert june()[0].prevention_pct == 100
    assert feedback_new_count(handler) == 1  # the corrected version is new feedback


def test_the_repeat_check_is_prefilled_from_the_incident_log(item, handler):
    assert repeat_check_prefill(item.incident) == ""
    log_entry_write(incident=item.incident, kind=EntryKind.REPEAT_CHECK, author=handler, text="2 previous incidents.")
    assert repeat_check_prefill(item.incident) == Check.YES
