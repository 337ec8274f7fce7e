from datetime import timedelta

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from audit.models import Action, AuditEvent
from audit.services import audit_record
from tests.factories import complete_answers, make_incident


@pytest.fixture
def event(handler):
    return audit_record(actor=handler, action=Action.CONSULT, object_type="incident", object_id=1)


def test_an_event_cannot_be_changed_through_the_model(event):
    event.description = "tampered"
    with pytest.raises(PermissionError):
        event.save()


def test_an_event_cannot_be_deleted_through_the_model(event):
    with pytest.raises(PermissionError):
        event.delete()


def test_the_database_refuses_updates_and_deletes_even_in_bulk(event):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(description="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).description == ""


def test_viewing_an_incident_page_is_recorded_with_who_and_where_from(handler, handler_client):
    incident = make_incident(handler=handler)
    handler_client.get(f"/incidents/{incident.reference}/", REMOTE_ADDR="10.1.2.3")
    event = AuditEvent.objects.get(incident_reference=incident.reference, action=Action.CONSULT)
    assert event.actor_username == handler.username
    assert event.ip_address == "10.1.2.3"
    assert event.channel == "page"


def test_reading_an_assessment_version_is_recorded(handler, handler_client):
    incident = make_incident(handler=handler, assessed=True)
    handler_client.get(f"/thrive/incidents/{incident.reference}/assessment/v1/")
    assert AuditEvent.objects.filter(
        incident_reference=incident.reference, object_type="assessment", action=Action.CONSULT
    ).exists()


def test_an_api_read_is_recorded_as_a_disclosure(handler, api_client_for):
    incident = make_incident(handler=handler, assessed=True)
    client = api_client_for(handler)
    assessment_id = client.get(f"/api/incidents/{incident.reference}/").json()["assessments"][0]["id"]
    client.get(f"/api/assessments/{assessment_id}/")
    kinds = set(
        AuditEvent.objects.filter(incident_reference=incident.reference, action=Action.DISCLOSE).values_list(
            "object_type", flat=True
        )
    )
    assert kinds == {"incident", "assessment"}


def test_submitting_an_assessment_by_api_is_recorded_as_collection(handler, api_client_for):
    incident = make_incident(handler=handler)
    response = api_client_for(handler).post(
        f"/api/incidents/{incident.reference}/assessments/", {**complete_answers(), "submit": True}, format="json"
    )
    assert response.status_code == 201
    event = AuditEvent.objects.get(incident_reference=incident.reference, action=Action.COLLECT)
    assert event.channel == "api"
    assert event.object_id == str(response.json()["id"])


def test_the_log_never_holds_the_answers_themselves(handler, api_client_for):
    incident = make_incident(handler=handler)
    api_client_for(handler).post(
        f"/api/incidents/{incident.reference}/assessments/",
        {**complete_answers(threat="Named suspect John Smith"), "submit": True},
        format="json",
    )
    assert not AuditEvent.objects.filter(description__contains="John Smith").exists()


def test_an_administrator_searches_by_person_incident_and_date(admin_user, client_for, handler):
    incident = make_incident(handler=handler)
    other = make_incident(handler=handler)
    audit_record(actor=handler, action=Action.CONSULT, object_type="incident", incident_reference=incident.reference)
    audit_record(actor=handler, action=Action.CONSULT, object_type="incident", incident_reference=other.reference)
    client = client_for(admin_user)
    page = client.get("/audit/", {"person": handler.username, "incident": incident.reference})
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 1
    today = page.context["page"].object_list[0].at.date().isoformat()
    assert client.get("/audit/", {"from": today, "to": today}).context["page"].paginator.count == 2


@pytest.mark.parametrize("field", ["from", "to"])
def test_a_bad_date_is_named_not_a_server_error(admin_user, client_for, field):
    response = client_for(admin_user).get("/audit/", {field: "yesterday"})
    assert response.status_code == 400
    assert f"Enter the ‘{field}’ date as YYYY-MM-DD" in response.content.decode()


def test_a_day_runs_from_its_first_to_its_last_local_moment(handler, admin_user, client_for):
    audit_record(actor=handler, action=Action.CONSULT, object_type="incident", incident_reference="x")
    client = client_for(admin_user)
    at = AuditEvent.objects.get(incident_reference="x").at
    day = timezone.localdate(at)
    assert client.get("/audit/", {"incident": "x", "from": day.isoformat()}).context["page"].paginator.count == 1
    assert client.get("/audit/", {"incident": "x", "to": day.isoformat()}).context["page"].paginator.count == 1
    after = (day + timedelta(days=1)).isoformat()
    before = (day - timedelta(days=1)).isoformat()
    assert client.get("/audit/", {"incident": "x", "from": after}).context["page"].paginator.count == 0
    assert client.get("/audit/", {"incident": "x", "to": before}).context["page"].paginator.count == 0


@pytest.mark.parametrize("role_client", ["handler_client", "supervisor_client", "trainer_client", "analyst_client"])
def test_only_administrators_may_search_the_log(role_client, request):
    assert request.getfixturevalue(role_client).get("/audit/").status_code == 403


def test_the_admin_offers_no_way_to_change_the_log(admin_user, client_for, event):
    client = client_for(admin_user)
    assert client.get("/admin/audit/auditevent/").status_code == 200
    assert client.get(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    assert client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"description": "x"}).status_code == 403


def test_a_forged_forwarded_address_is_not_written_to_the_audit_log(handler, handler_client):
    # With no trusted proxy, X-Forwarded-For is the client's own word: the log keeps the
    # address the connection came from, never one the client chose.
    incident = make_incident(handler=handler)
    handler_client.get(f"/incidents/{incident.reference}/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="203.0.113.9")
    event = AuditEvent.objects.get(incident_reference=incident.reference, action=Action.CONSULT)
    assert event.ip_address == "10.1.2.3"


def test_a_forwarded_header_that_is_not_an_address_still_shows_the_page(handler, handler_client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    incident = make_incident(handler=handler)
    response = handler_client.get(
        f"/incidents/{incident.reference}/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="not-an-address"
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(incident_reference=incident.reference, action=Action.CONSULT)
    assert event.ip_address == "10.1.2.3"


def test_a_change_made_outside_a_page_or_the_api_is_recorded_as_a_command(handler):
    # A management command, a task or the demo seeding calls a service with no request: the
    # row must still say which way it came in, never a blank.
    event = audit_record(actor=handler, action=Action.COLLECT, object_type="assessment", object_id=1)
    assert event.channel == "command"
    assert event.ip_address is None
