"""A double click, a resent request, two people at once: each action happens once."""

import threading

import pytest
from django.db import connection

from casework.services import incident_close
from config.errors import Blocked
from incidents.models import EntryKind, Incident, LogEntry
from tests.factories import complete_answers, form_post, make_incident
from thrive.models import Assessment


def test_submitting_the_same_form_twice_makes_one_version(handler, handler_client):
    incident = make_incident(handler=handler)
    form = handler_client.get(f"/thrive/incidents/{incident.reference}/assessment/")
    post = form_post(complete_answers(), form_version=str(form.context["form_version"]))
    url = f"/thrive/incidents/{incident.reference}/assessment/submit/"

    first = handler_client.post(url, post)
    second = handler_client.post(url, post)

    assert first.status_code == second.status_code == 302
    assert Assessment.objects.filter(incident=incident, status="submitted").count() == 1
    assert LogEntry.objects.filter(incident=incident, kind=EntryKind.ASSESSMENT_SUBMITTED).count() == 1
    page = handler_client.get(second.url)
    assert "already submitted" in page.content.decode()


def test_a_revision_after_a_submission_is_not_mistaken_for_a_double_click(handler, handler_client):
    incident = make_incident(handler=handler, assessed=True)
    form = handler_client.get(f"/thrive/incidents/{incident.reference}/assessment/")
    assert form.context["form_version"] == 2
    handler_client.post(
        f"/thrive/incidents/{incident.reference}/assessment/submit/", form_post(complete_answers(), form_version="2")
    )
    assert list(incident.assessments.values_list("version", "status")) == [(1, "submitted"), (2, "submitted")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_closes_racing_close_the_incident_once(handler):
    incident = make_incident(handler=handler, assessed=True)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def close() -> None:
        try:
            barrier.wait()
            incident_close(incident=incident, actor=handler, closure_code="crime_recorded")
            outcomes.append("closed")
        except Blocked as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=close) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["already_closed", "closed"]
    assert Incident.objects.get(pk=incident.pk).status == "closed"
    assert LogEntry.objects.filter(incident=incident, kind=EntryKind.CLOSED).count() == 1


def test_a_close_posted_twice_from_the_page_closes_once(handler, handler_client):
    incident = make_incident(handler=handler, assessed=True)
    url = f"/incidents/{incident.reference}/close/"
    post = {"closure_code": "crime_recorded", "row_version": incident.row_version}
    assert handler_client.post(url, post).status_code == 302
    again = handler_client.post(url, post)
    assert again.status_code == 409
    assert LogEntry.objects.filter(incident=incident, kind=EntryKind.CLOSED).count() == 1
