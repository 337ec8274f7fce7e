"""What the incident's page shows of its versions (casework.selectors.assessment_versions_summary,
read through compiled statements): the newest few with their authors and wording joined, the
closure gate's latest submitted version and the reader's own draft wherever they are."""

import pytest

from casework.selectors import VERSIONS_SHOWN, assessment_versions_summary
from tests.factories import UserFactory, grow_history, make_incident
from thrive.models import Assessment, AssessmentStatus

pytestmark = pytest.mark.django_db


def _fields(obj, skip=("answers",)) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname not in skip}


def test_the_newest_versions_with_their_authors_and_wording_in_two_queries(handler, django_assert_num_queries):
    incident = grow_history(make_incident(handler=handler, assessed=True), versions=8, entries=0)
    with django_assert_num_queries(2):
        summary = assessment_versions_summary(incident, handler)
        names = [(a.version, a.author.display_name, a.prompt_set.name, a.prompt_set.version) for a in summary.shown]
    expected = list(
        Assessment.objects.filter(incident=incident).select_related("author", "prompt_set").order_by("-version")
    )
    assert [a.version for a in summary.shown] == [9, 8, 7, 6, 5][:VERSIONS_SHOWN]
    assert summary.more is True
    assert [_fields(a) for a in summary.shown] == [_fields(a) for a in expected[:VERSIONS_SHOWN]]
    assert names == [(a.version, a.author.display_name, a.prompt_set.name, a.prompt_set.version) for a in expected[:5]]
    assert summary.latest_submitted.version == 9
    assert summary.own_draft is None


def test_the_gate_and_the_readers_draft_wherever_they_are(handler):
    incident = grow_history(make_incident(handler=handler, assessed=True), versions=7, entries=0)
    other = UserFactory(handler=True)
    # Version 2 is the other handler's draft and the newest; the latest submitted is version 1.
    Assessment.objects.filter(incident=incident, version__gte=3).delete()
    Assessment.objects.filter(incident=incident, version=2).update(
        status=AssessmentStatus.DRAFT, submitted_at=None, author=other
    )
    mine = assessment_versions_summary(incident, other)
    assert mine.latest_submitted.version == 1
    assert mine.own_draft.version == 2
    assert mine.more is False
    theirs = assessment_versions_summary(incident, handler)
    assert theirs.latest_submitted.version == 1
    assert theirs.own_draft is None
    # Another incident's versions are never counted in.
    assert assessment_versions_summary(make_incident(handler=handler), handler).shown == []
