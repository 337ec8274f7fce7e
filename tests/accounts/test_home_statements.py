"""The home page's statements built once (config/statements.py) answer what the ORM answers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from casework.services import assessment_record
from config.statements import Statement, marker_id
from home import sections
from incidents.models import Incident, Status
from tests.factories import UserFactory, make_incident
from thrive.models import Assessment, AssessmentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(supervisor):
    """A team with open, overdue, closed and drafted incidents, and another team's."""
    colleague = UserFactory(handler=True, team=supervisor.team)
    for opened in (6, 5, 1):
        make_incident(handler=colleague, assessed=True, opened_at=timezone.now() - timedelta(hours=opened))
    mine = make_incident(handler=supervisor, assessed=True, opened_at=timezone.now() - timedelta(hours=7))
    make_incident(handler=supervisor)
    make_incident(handler=supervisor, closed=True)
    assessment_record(incident=mine, author=supervisor, data={"threat": "x"}, submit=False)
    make_incident(
        handler=UserFactory(handler=True, team=None), assessed=True, opened_at=timezone.now() - timedelta(hours=6)
    )
    return supervisor


def test_each_statement_gives_the_rows_the_orm_gives(busy):
    now = timezone.now()
    user = busy

    assert sections._OWN_OPEN.rows(owner=user.pk) == list(
        Incident.objects.filter(owner=user, status=Status.OPEN)
        .order_by("-opened_at", "-id")
        .values_list(*sections.OWN_COLUMNS)
    )
    overdue = sections._TEAM_OVERDUE.rows(team=user.team_id, now=now)
    assert len(overdue) >= 2  # opened 6 and 7 hours ago at least
    assert overdue == list(
        Incident.objects.filter(team_id=user.team_id)
        .overdue(now)
        .order_by("-opened_at", "-id")
        .values_list(*sections.OVERDUE_COLUMNS)[:25]
    )
    submissions = sections._TEAM_SUBMISSIONS.rows(team=user.team_id)
    assert len(submissions) == 5  # the closed incident was assessed too
    assert submissions == list(
        Assessment.objects.filter(status=AssessmentStatus.SUBMITTED, team_id=user.team_id)
        .order_by("-submitted_at")
        .values_list(*sections.SUBMISSION_COLUMNS)[:25]
    )
    drafts = sections._DRAFTS.rows(author=user.pk)
    assert len(drafts) == 1
    assert drafts == list(
        Assessment.objects.filter(author=user, status=AssessmentStatus.DRAFT, incident__status=Status.OPEN)
        .order_by("-updated_at")
        .values_list("incident__reference", "version", "updated_at")[:25]
    )


def test_another_users_values_give_their_own_rows(busy):
    other = UserFactory(handler=True, team=busy.team)
    theirs = make_incident(handler=other)

    assert [row[1] for row in sections._OWN_OPEN.rows(owner=other.pk)] == [theirs.reference]
    assert sections._DRAFTS.rows(author=other.pk) == []


def test_a_statement_whose_sql_lost_a_value_is_refused(db):
    ignored = Statement(lambda owner: Incident.objects.filter(status=Status.OPEN).values_list("pk"), owner=marker_id(9))

    with pytest.raises(ValueError, match="owner"):
        ignored.rows(owner=1)


def test_the_counts_and_failed_texts_built_once_answer_as_the_orm(busy, client):
    from qa.models import Review
    from qa.selectors import feedback_new_count
    from thrive.models import AssessmentReturn
    from thrive.returns import assessment_return, returned_to_me_count
    from victims.models import Text, TextStatus
    from victims.selectors import texts_failed_for_handler

    latest = Assessment.objects.filter(author=busy, status=AssessmentStatus.SUBMITTED).first()
    assessment_return(
        assessment=latest, actor=UserFactory(supervisor=True, team=busy.team), reason="poor_quality",
        sections=["prevention"], feedback="Record the advice you gave, in full.",
    )  # fmt: skip
    Text.objects.create(
        incident=latest.incident, assessment=latest, created_by=busy, phone="07700900123", body="Advice",
        status=TextStatus.FAILED, next_attempt_at=timezone.now(),
        failed_at=timezone.now() - timedelta(days=1),
    )  # fmt: skip

    assert returned_to_me_count(busy) == 1
    assert returned_to_me_count(busy) == AssessmentReturn.objects.filter(returned_to=busy, resolved_at=None).count()
    assert feedback_new_count(busy) == Review.objects.filter(handler=busy, current=True, acknowledged_at=None).count()
    assert texts_failed_for_handler(busy) == [(latest.incident.reference, Text.objects.get(created_by=busy).failed_at)]
    assert texts_failed_for_handler(UserFactory(handler=True)) == []
