"""Rule 10 at the service: eligibility, per-handler draws, reproducibility, duplicates."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from config.errors import Blocked
from qa.models import Sample
from qa.services import review_record, sample_draw, sample_withdraw
from tests.factories import TeamFactory, UserFactory, make_incident
from tests.qa.factories import closed_incident, drawn_sample, grades, utc

JUNE = date(2022, 6, 1)
pytestmark = pytest.mark.django_db


def refs(sample: Sample) -> list[str]:
    return sorted(sample.items.values_list("incident__reference", flat=True))


@pytest.fixture
def team_handlers(supervisor):
    return [UserFactory(handler=True, team=supervisor.team, username=f"h{n}") for n in range(3)]


def test_eligible_is_closed_in_the_local_month_with_a_submitted_assessment(supervisor, team_handlers):
    handler = team_handlers[0]
    in_june = [
        closed_incident(handler=handler, closed_at=utc(2022, 5, 31, 23, 30)),  # 00:30 BST on 1 June
        closed_incident(handler=handler, closed_at=utc(2022, 6, 15, 12)),
        closed_incident(handler=handler, closed_at=utc(2022, 6, 30, 22, 59)),  # 23:59 BST on 30 June
    ]
    closed_incident(handler=handler, closed_at=utc(2022, 6, 30, 23, 1))  # 00:01 BST on 1 July
    closed_incident(handler=handler, closed_at=utc(2022, 5, 31, 22, 59))  # 23:59 BST on 31 May
    closed_incident(handler=handler, closed_at=utc(2022, 6, 10), assessed=False)  # exempt, no assessment
    make_incident(handler=handler, opened_at=utc(2022, 6, 10), assessed=True)  # still open
    sample = drawn_sample(supervisor=supervisor, month=JUNE, per_handler=10)
    assert refs(sample) == sorted(i.reference for i in in_june)


def test_each_item_takes_the_latest_submitted_version_and_its_author(supervisor, team_handlers):
    handler = team_handlers[0]
    incident = make_incident(handler=handler, opened_at=utc(2022, 6, 1, 9), assessed=True, versions=2)
    from casework.services import incident_close

    incident_close(incident=incident, actor=supervisor, closure_code="crime_recorded", closed_at=utc(2022, 6, 1, 12))
    item = drawn_sample(supervisor=supervisor, month=JUNE).items.get()
    assert item.assessment.version == 2
    assert item.handler == handler  # the author of that version, not who closed it
    assert item.team == supervisor.team


def test_n_per_handler_and_all_of_a_handler_with_fewer(supervisor, team_handlers):
    counts = {team_handlers[0]: 5, team_handlers[1]: 3, team_handlers[2]: 1}
    for handler, n in counts.items():
        for day in range(1, n + 1):
            closed_incident(handler=handler, closed_at=utc(2022, 6, day, 12))
    sample = drawn_sample(supervisor=supervisor, month=JUNE, per_handler=3)
    per_handler = {h.username: sample.items.filter(handler=h).count() for h in team_handlers}
    assert per_handler == {"h0": 3, "h1": 3, "h2": 1}
    assert sample.per_handler == 3
    assert sample.seed == 42


def test_the_same_seed_draws_the_same_sample(supervisor, team_handlers):
    for handler in team_handlers:
        for day in range(1, 9):
            closed_incident(handler=handler, closed_at=utc(2022, 6, day, 12))
    first = drawn_sample(supervisor=supervisor, month=JUNE, seed=7)
    first_refs = refs(first)
    sample_withdraw(sample=first, actor=supervisor)
    again = drawn_sample(supervisor=supervisor, month=JUNE, seed=7)
    assert refs(again) == first_refs
    sample_withdraw(sample=again, actor=supervisor)
    others = [refs(drawn_sample(supervisor=supervisor, month=JUNE, seed=seed)) for seed in (8,)]
    assert others[0] != first_refs  # 56^3 ways to draw: a different seed draws differently


def test_a_second_sample_for_the_month_is_refused_until_withdrawn(supervisor, team_handlers):
    closed_incident(handler=team_handlers[0], closed_at=utc(2022, 6, 2, 12))
    first = drawn_sample(supervisor=supervisor, month=JUNE)
    with pytest.raises(Blocked) as refused:
        drawn_sample(supervisor=supervisor, month=JUNE, seed=43)
    assert refused.value.code == "sample_exists"
    sample_withdraw(sample=first, actor=supervisor)
    assert drawn_sample(supervisor=supervisor, month=JUNE, seed=43).pk != first.pk


def test_an_all_teams_sample_blocks_a_team_sample_of_the_same_month(supervisor, admin_user):
    sample_draw(actor=admin_user, month=JUNE, now=utc(2023, 1, 1))
    with pytest.raises(Blocked):
        drawn_sample(supervisor=supervisor, month=JUNE)


def test_a_graded_sample_cannot_be_withdrawn(supervisor, team_handlers):
    closed_incident(handler=team_handlers[0], closed_at=utc(2022, 6, 2, 12))
    sample = drawn_sample(supervisor=supervisor, month=JUNE)
    review_record(item=sample.items.get(), reviewer=supervisor, data=grades())
    with pytest.raises(Blocked) as refused:
        sample_withdraw(sample=sample, actor=supervisor)
    assert refused.value.code == "sample_graded"


def test_a_supervisor_draws_for_their_own_team_only(supervisor):
    other = TeamFactory(name="Red Watch")
    their_handler = UserFactory(handler=True, team=other)
    closed_incident(handler=their_handler, closed_at=utc(2022, 6, 2, 12))
    with pytest.raises(PermissionDenied):
        sample_draw(actor=supervisor, month=JUNE, team=other, now=utc(2023, 1, 1))
    assert drawn_sample(supervisor=supervisor, month=JUNE).items.count() == 0  # own team: none of theirs
    with pytest.raises(PermissionDenied):
        sample_draw(actor=their_handler, month=JUNE, now=utc(2023, 1, 1))


def test_a_future_month_and_bad_counts_are_refused(supervisor):
    with pytest.raises(ValidationError) as refused:
        sample_draw(actor=supervisor, month=date(2023, 2, 1), per_handler=0, now=utc(2023, 1, 15))
    assert set(refused.value.message_dict) == {"month", "per_handler"}
