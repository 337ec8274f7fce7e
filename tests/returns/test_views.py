"""The pages of rule 8: review queue, return form, Returned to me, revising, closing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Status
from tests.factories import UserFactory, complete_answers, form_post, make_incident
from thrive.models import AssessmentReturn, AssessmentReviewed
from thrive.returns import assessment_return

pytestmark = pytest.mark.django_db

GOOD = {"reason": "poor_quality", "sections": ["prevention"], "feedback": "Record the advice you gave, in full."}


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx)


def test_the_queue_lists_the_teams_latest_versions(supervisor_client, supervisor, assessed, other_supervisor):
    elsewhere = make_incident(handler=UserFactory(handler=True, team=other_supervisor.team), assessed=True)
    page = supervisor_client.get("/thrive/reviews/")
    assert page.status_code == 200
    html = page.content.decode()
    assert assessed.reference in html
    assert elsewhere.reference not in html
    assert "Open returns in your team" in html


def test_the_queue_filters_and_answers_htmx_with_the_fragment(supervisor_client, handler, assessed):
    high = make_incident(handler=handler, assessed=True, risk_level="high", category="domestic_abuse")
    low = make_incident(handler=handler, assessed=True, risk_level="standard", category="theft")
    page = supervisor_client.get("/thrive/reviews/?risk_level=standard&category=theft", HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert low.reference in html
    assert high.reference not in html
    assert "<h1" not in html  # the fragment only


def test_the_queue_refuses_other_roles(handler_client, trainer_client):
    assert handler_client.get("/thrive/reviews/").status_code == 403
    assert trainer_client.get("/thrive/reviews/").status_code == 403


def test_the_queue_costs_the_same_queries_however_long(supervisor_client, supervisor, handler):
    for _ in range(2):
        make_incident(handler=handler, assessed=True)
    incident = make_incident(handler=handler, assessed=True)
    assessment_return(assessment=incident.assessments.get(), actor=supervisor, **GOOD)
    supervisor_client.get("/")  # the first page after login renews the session: not the queue's
    few = _queries(supervisor_client, "/thrive/reviews/")
    for _ in range(4):
        returned = make_incident(handler=UserFactory(handler=True), assessed=True)
        assessment_return(assessment=returned.assessments.get(), actor=supervisor, **GOOD)
        make_incident(handler=handler, assessed=True)
    assert _queries(supervisor_client, "/thrive/reviews/") == few
    assert few <= 11


def test_the_review_page_shows_the_version_beside_its_incident(supervisor_client, latest):
    page = supervisor_client.get(f"/thrive/reviews/{latest.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Return assessment" in html
    assert latest.incident.summary in html
    assert latest.answers["threat"] in html


def test_the_review_page_is_refused_to_another_team(client_for, other_supervisor, latest):
    assert client_for(other_supervisor).get(f"/thrive/reviews/{latest.pk}/").status_code == 403


def test_returning_with_errors_rerenders_the_form_with_a_summary(supervisor_client, latest):
    page = supervisor_client.post(f"/thrive/reviews/{latest.pk}/return/", {"feedback": "Too thin."})
    assert page.status_code == 400
    html = page.content.decode()
    assert "There is a problem" in html
    assert 'href="#reason"' in html
    assert 'href="#sections"' in html
    assert "Too thin." in html  # what was typed is kept
    assert not AssessmentReturn.objects.exists()


def test_returning_redirects_to_the_queue_and_logs_it(supervisor_client, latest):
    response = supervisor_client.post(f"/thrive/reviews/{latest.pk}/return/", GOOD)
    assert response.status_code == 302
    assert response["Location"] == "/thrive/reviews/"
    assert AssessmentReturn.objects.get().assessment == latest
    again = supervisor_client.post(f"/thrive/reviews/{latest.pk}/return/", GOOD, follow=True)
    assert "already returned" in again.content.decode()


def test_marking_reviewed_takes_it_off_the_queue(supervisor_client, latest):
    assert supervisor_client.post(f"/thrive/reviews/{latest.pk}/reviewed/").status_code == 302
    assert AssessmentReviewed.objects.filter(assessment=latest).exists()
    assert f"Review {latest.incident.reference}" not in supervisor_client.get("/thrive/reviews/").content.decode()


def test_the_handler_sees_returned_to_me_with_the_count_on_every_page(handler_client, supervisor, latest):
    assessment_return(assessment=latest, actor=supervisor, **GOOD)
    page = handler_client.get("/thrive/returned/")
    html = page.content.decode()
    assert latest.incident.reference in html
    assert GOOD["feedback"] in html
    assert "Returned to me (1)" in html
    home = handler_client.get("/").content.decode()
    assert "Returned to me (1)" in home
    assert "Returned to you" in home


def test_returned_to_me_costs_the_same_queries_however_long(handler_client, handler, supervisor):
    for _ in range(2):
        incident = make_incident(handler=handler, assessed=True)
        assessment_return(assessment=incident.assessments.get(), actor=supervisor, **GOOD)
    handler_client.get("/")  # the first page after login renews the session: not the list's
    few = _queries(handler_client, "/thrive/returned/")
    for _ in range(4):
        incident = make_incident(handler=handler, assessed=True)
        assessment_return(assessment=incident.assessments.get(), actor=supervisor, **GOOD)
    assert _queries(handler_client, "/thrive/returned/") == few
    assert few <= 5


def test_revising_is_prefilled_with_the_feedback_beside_the_named_sections(handler_client, supervisor, latest):
    returned = assessment_return(assessment=latest, actor=supervisor, **GOOD)
    page = handler_client.get(f"/thrive/returned/{returned.pk}/revise/")
    html = page.content.decode()
    assert page.status_code == 200
    assert latest.answers["threat"] in html  # prefilled from the returned version
    assert 'data-feedback-for="prevention"' in html
    assert 'data-feedback-for="threat"' not in html
    assert "Feedback on Prevention" in html


def test_someone_elses_return_cannot_be_revised(client_for, supervisor, latest):
    returned = assessment_return(assessment=latest, actor=supervisor, **GOOD)
    stranger = UserFactory(handler=True)
    assert client_for(stranger).get(f"/thrive/returned/{returned.pk}/revise/").status_code == 404


def test_an_incomplete_revision_rerenders_with_errors_and_feedback(handler_client, supervisor, latest):
    returned = assessment_return(assessment=latest, actor=supervisor, **GOOD)
    data = form_post(complete_answers(threat=""))
    page = handler_client.post(f"/thrive/returned/{returned.pk}/revise/submit/", data)
    assert page.status_code == 400
    html = page.content.decode()
    assert "There is a problem" in html
    assert "Feedback on Prevention" in html


def test_submitting_the_revision_clears_the_return_and_lets_the_incident_close(
    handler_client, handler, supervisor, latest
):
    returned = assessment_return(assessment=latest, actor=supervisor, **GOOD)
    incident = latest.incident
    blocked = handler_client.post(
        f"/api/incidents/{incident.reference}/close/",
        {"closure_code": "crime_recorded"},
        content_type="application/json",
    )
    assert blocked.status_code == 409
    assert blocked.json()["code"] == "assessment_returned"

    response = handler_client.post(f"/thrive/returned/{returned.pk}/revise/submit/", form_post(complete_answers()))
    assert response.status_code == 302
    returned.refresh_from_db()
    assert not returned.is_open
    assert "Returned to me (0)" in handler_client.get("/").content.decode()
    closed = handler_client.post(
        f"/api/incidents/{incident.reference}/close/",
        {"closure_code": "crime_recorded"},
        content_type="application/json",
    )
    assert closed.status_code == 200
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED
    kinds = list(incident.entries.values_list("kind", flat=True))
    assert "assessment_returned" in kinds


def test_the_supervisor_home_shows_open_returns(supervisor_client, supervisor, latest):
    assessment_return(assessment=latest, actor=supervisor, **GOOD)
    html = supervisor_client.get("/").content.decode()
    assert "Open returns in your team" in html
    assert "Review queue" in html
