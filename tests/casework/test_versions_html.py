"""An incident's versions table drawn in Python (casework.versions_html): who may open which
version, the status and risk, the author, the time and the wording, every name escaped."""

from datetime import UTC, datetime

import pytest

from casework.versions_html import versions_rows
from tests.factories import UserFactory, grow_history, make_incident
from thrive.models import Assessment, AssessmentStatus

pytestmark = pytest.mark.django_db


def _versions(incident):
    return list(
        Assessment.objects.filter(incident=incident).select_related("author", "prompt_set").order_by("-version")
    )


def test_a_submitted_version_opens_for_anyone_and_a_draft_only_for_its_author(handler):
    incident = make_incident(handler=handler, assessed=True, risk_level="high")
    grow_history(incident, versions=2, entries=0)
    other = UserFactory(handler=True, full_name='Ann <b>"O\'Neil"</b>')
    newest, middle, _first = _versions(incident)
    Assessment.objects.filter(pk=newest.pk).update(
        status=AssessmentStatus.DRAFT, submitted_at=None, author=other, risk_level=""
    )
    Assessment.objects.filter(pk=middle.pk).update(late=True, submitted_at=datetime(2026, 1, 5, 9, 30, tzinfo=UTC))
    versions = _versions(incident)
    url = f"/thrive/incidents/{incident.reference}/assessment/v"
    mine = versions_rows(versions, reference=incident.reference, reader_id=other.pk)
    theirs = versions_rows(versions, reference=incident.reference, reader_id=handler.pk)
    draft_mine, late, _ = mine.split("</tr>")[:3]
    draft_theirs = theirs.split("</tr>")[0]
    assert f'<a class="govuk-link" href="{url}{newest.version}/">Version {newest.version}</a>' in draft_mine
    assert f'<td class="govuk-table__cell">Version {newest.version}</td>' in draft_theirs
    assert '<strong class="govuk-tag govuk-tag--yellow">Draft</strong></td>' in draft_mine  # no risk yet
    assert "Ann &lt;b&gt;&quot;O&#x27;Neil&quot;&lt;/b&gt;" in draft_mine
    assert "<b>" not in mine
    assert (
        '<strong class="govuk-tag govuk-tag--green">Submitted</strong> '
        '<strong class="govuk-tag govuk-tag--orange">Late: after closure</strong> Risk: '
    ) in late
    assert '<td class="govuk-table__cell">05/01/2026 09:30</td>' in late  # GMT in January
    assert f'href="{url}{middle.version}/"' in late
    assert '<td class="govuk-table__cell">–</td>' in draft_mine


def test_no_versions_no_rows():
    assert versions_rows([], reference="X", reader_id=None) == ""
