"""Late returns: a supervisor returns the assessment of a closed incident at review; the
author's revision is appended as a late version and the incident stays closed. Through
the services, the API and the pages."""

import pytest

from casework.services import assessment_record
from config.errors import Blocked
from incidents.models import EntryKind, Incident, Status
from tests.factories import UserFactory, complete_answers, form_post, make_incident
from thrive.models import Assessment, AssessmentReturn
from thrive.returns import assessment_return, team_open_returns

pytestmark = pytest.mark.django_db

GOOD = {"reason": "poor_quality", "sections": ["prevention"], "feedback": "Say what advice was given."}
REVISED = {"prevention": {"advice": "Advised on door chains and the Victim Support number."}}


@pytest.fixture
def closed(handler):
    return make_incident(handler=handler, closed=True)


@pytest.fixture
def returned(closed, supervisor):
    return assessment_return(assessment=closed.assessments.get(), actor=supervisor, **GOOD)


def test_the_revision_is_a_late_version_and_the_incident_stays_closed(handler, closed, returned):
    closed_at = closed.closed_at
    revision = assessment_record(incident=closed, author=handler, data=complete_answers(**REVISED), submit=True)
    assert (revision.version, revision.late, revision.revises_id) == (2, True, returned.assessment_id)
    assert revision.rethrive_on_time is None  # not a re-THRIVE: the compliance figures leave it out
    incident = Incident.objects.get(pk=closed.pk)
    assert (incident.status, incident.closed_at, incident.rethrive_due_at) == (Status.CLOSED, closed_at, None)
    returned.refresh_from_db()
    assert not returned.is_open
    assert returned.resolved_by == revision
    late_entry = incident.entries.get(kind=EntryKind.ASSESSMENT_SUBMITTED, text__startswith="Late ")
    assert "version 2" in late_entry.text
    assert "after closure" in late_entry.text


def test_without_a_return_a_closed_incidents_assessment_still_cannot_change(handler, closed):
    with pytest.raises(Blocked) as exc:
        assessment_record(incident=closed, author=handler, data=complete_answers(), submit=True)
    assert exc.value.code == "already_closed"


def test_only_the_author_it_was_returned_to_may_add_the_late_version(closed, returned):
    someone = UserFactory(handler=True, username="someone")
    with pytest.raises(Blocked):
        assessment_record(incident=closed, author=someone, data=complete_answers(), submit=True)


def test_once_revised_the_late_door_closes_again(handler, closed, returned):
    assessment_record(incident=closed, author=handler, data=complete_answers(**REVISED), submit=True)
    with pytest.raises(Blocked):
        assessment_record(incident=closed, author=handler, data=complete_answers(), submit=True)


def test_a_late_version_sends_no_text(handler, closed, returned):
    answers = complete_answers(
        prevention={
            "send_link": True,
            "safe_to_text_confirmed": True,
            "phone": "07700 900123",
            "link_not_sent_reason": "",
        }
    )
    revision = assessment_record(incident=closed, author=handler, data=answers, submit=True)
    assert not revision.texts.exists()


# --- The API --------------------------------------------------------------------------------


def test_api_returns_a_closed_incidents_version_and_takes_the_late_revision(
    api_client_for, supervisor, handler, closed
):
    version = closed.assessments.get()
    response = api_client_for(supervisor).post(f"/api/assessments/{version.pk}/return/", GOOD, format="json")
    assert response.status_code == 200, response.content
    revised = api_client_for(handler).post(
        f"/api/incidents/{closed.reference}/assessments/", complete_answers(**REVISED), format="json"
    )
    assert revised.status_code == 201, revised.content
    assert revised.json()["late"] is True
    detail = api_client_for(handler).get(f"/api/incidents/{closed.reference}/").json()
    assert detail["status"] == "closed"
    assert [a["late"] for a in detail["assessments"]] == [False, True]


# --- The pages ------------------------------------------------------------------------------


def test_the_authors_home_and_the_queue_show_a_closed_incidents_return(
    handler_client, supervisor_client, supervisor, returned
):
    home = handler_client.get("/").content.decode()
    assert "Your revision is added as a late version." in home
    queue = supervisor_client.get("/thrive/reviews/").content.decode()
    assert "Closed: late revision" in queue
    assert returned in list(team_open_returns(supervisor))


def test_the_revise_page_opens_for_a_closed_incident_and_submits_a_late_version(handler_client, closed, returned):
    page = handler_client.get(f"/thrive/returned/{returned.pk}/revise/")
    assert page.status_code == 200
    response = handler_client.post(
        f"/thrive/returned/{returned.pk}/revise/submit/", form_post(complete_answers(**REVISED))
    )
    assert response.status_code == 302
    late = Assessment.objects.get(incident=closed, version=2)
    assert late.late
    detail = handler_client.get(f"/incidents/{closed.reference}/").content.decode()
    assert "Late: after closure" in detail
    version_page = handler_client.get(f"/thrive/incidents/{closed.reference}/assessment/v2/").content.decode()
    assert "Late: after closure" in version_page
    assert not AssessmentReturn.objects.filter(resolved_at__isnull=True).exists()
    assert Incident.objects.get(pk=closed.pk).status == Status.CLOSED
