"""Every submission is recorded once, by the service that makes it (issue 14, rule 4).

The "version N submitted" collection row used to be written by each route after the service
returned: the assessment page, the API and the revise page each had their own copy, outside
the service's transaction, and a route that called the service directly (the demo seeding,
a command) recorded nothing. casework.services.assessment_record now writes it inside its
transaction. Each route below submits once and must leave exactly one such row, naming the
route's channel; a repeat that the service answers without writing (a double click on the
page, a resent API request) leaves none; a draft save or a refused submission leaves none.
"""

from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from audit.models import Action, AuditEvent
from casework.services import assessment_record
from tests.factories import complete_answers, form_post, make_incident
from thrive.models import Assessment
from thrive.returns import assessment_return

pytestmark = pytest.mark.django_db


def submitted_rows(incident: Any) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=Action.COLLECT,
            object_type="assessment",
            incident_reference=incident.reference,
            description__endswith=" submitted",
        ).order_by("id")
    )


def assert_one_row_for(incident: Any, version: int, *, channel: str, actor: str = "handler") -> AuditEvent:
    rows = submitted_rows(incident)
    assessment = Assessment.objects.get(incident=incident, version=version)
    assert [(r.object_id, r.description) for r in rows] == [(str(assessment.pk), f"version {version} submitted")]
    row = rows[0]
    assert (row.channel, row.actor_username) == (channel, actor)
    return row


def page_submit(client: Any, incident: Any, **extra: str) -> Any:
    url = reverse("thrive:assessment-submit", kwargs={"reference": incident.reference})
    return client.post(url, form_post(complete_answers(), **extra))


def test_the_assessment_page_records_its_submission_once(handler, handler_client):
    incident = make_incident(handler=handler)
    assert page_submit(handler_client, incident, form_version="1").status_code == 302
    row = assert_one_row_for(incident, 1, channel="page")
    assert row.path == reverse("thrive:assessment-submit", kwargs={"reference": incident.reference})
    # The same form posted again (a double click): refused as already submitted, no new row.
    assert page_submit(handler_client, incident, form_version="1").status_code == 302
    assert_one_row_for(incident, 1, channel="page")


def test_a_page_post_without_a_form_version_replayed_is_not_recorded_again(handler, handler_client):
    incident = make_incident(handler=handler)
    page_submit(handler_client, incident)
    page_submit(handler_client, incident)
    assert Assessment.objects.filter(incident=incident).count() == 1
    assert_one_row_for(incident, 1, channel="page")


def test_the_api_records_its_submission_once_and_a_replay_not_at_all(handler, api_client_for):
    incident = make_incident(handler=handler)
    client = api_client_for(handler)
    url = f"/api/incidents/{incident.reference}/assessments/"
    first = client.post(url, {**complete_answers(), "submit": True}, format="json")
    again = client.post(url, {**complete_answers(), "submit": True}, format="json")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert_one_row_for(incident, 1, channel="api")


def test_the_revise_page_records_the_revision_once(handler, handler_client, supervisor):
    incident = make_incident(handler=handler)
    first = assessment_record(incident=incident, author=handler, data=complete_answers(), submit=True)
    returned = assessment_return(
        assessment=first, actor=supervisor, reason="poor_quality", sections=["threat"], feedback="More on the threat."
    )
    before = {r.pk for r in submitted_rows(incident)}
    url = reverse("thrive:returned-revise", kwargs={"pk": returned.pk})
    response = handler_client.post(url, form_post(complete_answers(threat="He has a knife."), form_version="2"))
    assert response.status_code == 302
    revision = Assessment.objects.get(incident=incident, version=2)
    new = [r for r in submitted_rows(incident) if r.pk not in before]
    assert [(r.object_id, r.description, r.channel) for r in new] == [(str(revision.pk), "version 2 submitted", "page")]


def test_a_submission_without_a_page_is_recorded_too(handler):
    """The demo seeding and commands call the service directly: the row is still written,
    with the channel they name."""
    incident = make_incident(handler=handler)
    assessment_record(incident=incident, author=handler, data=complete_answers(), submit=True, channel="command")
    row = assert_one_row_for(incident, 1, channel="command")
    assert (row.path, row.ip_address) == ("", None)


def test_a_draft_or_a_refused_submission_is_not_a_submission(handler, handler_client):
    incident = make_incident(handler=handler)
    assessment_record(incident=incident, author=handler, data=complete_answers(), submit=False)
    assert page_submit(handler_client, incident, form_version="1", threat="").status_code == 400
    assert submitted_rows(incident) == []


def test_the_row_is_part_of_the_submission_and_goes_with_it(handler):
    """Written inside the service's transaction: a submission rolled back leaves no row."""
    incident = make_incident(handler=handler)

    class RolledBack(Exception):
        pass

    def submit_then_fail() -> None:
        with transaction.atomic():
            assessment_record(incident=incident, author=handler, data=complete_answers(), submit=True)
            assert len(submitted_rows(incident)) == 1
            raise RolledBack

    with pytest.raises(RolledBack):
        submit_then_fail()
    assert submitted_rows(incident) == []
    assert not Assessment.objects.filter(incident=incident).exists()
