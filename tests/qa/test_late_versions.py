"""QA's figures meet late returns (issue 15): a version revised after closure, because a
supervisor returned it at review, is kept as a late version. It must not rewrite what
happened on the call: the re-THRIVE missed before closure stays missed, and the dip sample
grades the version the incident was closed on (the same item whether drawn before or after
the late revision arrives)."""

from datetime import date, timedelta

import pytest

from casework.services import assessment_record, incident_close
from qa.compliance import compliance_monthly
from qa.selectors import QaFilters
from qa.services import sample_eligible
from tests.factories import UserFactory, complete_answers, make_incident
from tests.qa.factories import utc
from thrive.models import Assessment
from thrive.returns import assessment_return

pytestmark = pytest.mark.django_db

JUNE = date(2026, 6, 1)
RETURN = {"reason": "poor_quality", "sections": ["prevention"], "feedback": "Say what advice was given."}


@pytest.fixture
def revised_late():
    """Assessed 09:00 on 15 June, due 12:30, closed 14:00 with no re-THRIVE (missed); at
    review the supervisor returns version 1 and the handler revises it as late version 2."""
    handler = UserFactory(handler=True)
    supervisor = UserFactory(supervisor=True, team=handler.team)
    incident = make_incident(handler=handler, opened_at=utc(2026, 6, 15, 8, 55))
    assessment_record(
        incident=incident, author=handler, data=complete_answers(), submit=True, submitted_at=utc(2026, 6, 15, 9)
    )
    incident_close(
        incident=incident,
        actor=supervisor,
        closure_code="crime_recorded",
        closed_at=utc(2026, 6, 15, 14),
        overdue_decision="Officers on scene: the risk is managed.",
    )
    first = incident.assessments.get(version=1)
    assessment_return(assessment=first, actor=supervisor, **RETURN)
    late = assessment_record(incident=incident, author=handler, data=complete_answers(), submit=True)
    assert late.late
    return incident, first


def test_a_late_version_does_not_unmiss_the_re_thrive_missed_before_closure(revised_late):
    filters = QaFilters(first=JUNE, last=JUNE)
    (row,) = compliance_monthly(filters)
    assert row.rethrives_missed == 1


def test_the_dip_sample_grades_the_version_the_incident_was_closed_on(revised_late):
    incident, first = revised_late
    (item,) = [row for row in sample_eligible(month=JUNE, team=None) if row["id"] == incident.pk]
    assert item["assessment_id"] == first.pk
    assert Assessment.objects.filter(incident=incident).count() == 2
    assert timedelta(0) < first.submitted_at - incident.opened_at
