"""Gradings are the force's table (issue 15): names, order, intervals and the dispatch rule
come from it; the API keeps the codes; every page shows the names."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from casework.services import assessment_record, incident_change_grading
from incidents.models import Incident, ResponseGrading
from incidents.rules import dispatch_before_assessment, rethrive_interval
from incidents.services import incident_create
from tests.factories import complete_answers, make_incident

SEED = "incidents.migrations.0012_seed_gradings_and_exemptions"


def _rename(code: str, name: str) -> None:
    row = ResponseGrading.objects.get(code=code)
    row.name = name
    row.save()


def _deactivate(code: str) -> None:
    row = ResponseGrading.objects.get(code=code)
    row.active = False
    row.save()


def test_the_table_is_seeded_with_the_api_codes_and_todays_intervals(db, settings):
    rows = list(ResponseGrading.objects.order_by("order"))
    assert [r.code for r in rows] == ["immediate", "priority", "scheduled", "resolution_without_deployment"]
    assert [r.name for r in rows] == ["Immediate", "Priority", "Scheduled", "Resolution without deployment"]
    for row in rows:
        assert row.rethrive_interval == timedelta(minutes=settings.RETHRIVE_MINUTES_BY_GRADING[row.code])
        assert row.active
    assert [r.dispatch_before_assessment for r in rows] == [True, False, False, False]


def test_the_clock_reads_the_interval_from_the_table(handler):
    row = ResponseGrading.objects.get(code="scheduled")
    row.rethrive_interval = timedelta(hours=6)
    row.save()
    assert rethrive_interval("scheduled") == timedelta(hours=6)
    opened = timezone.now() - timedelta(minutes=1)
    incident = make_incident(handler=handler, grading="scheduled", opened_at=opened)
    assert incident.rethrive_due_at == opened + timedelta(hours=6)


def test_dispatch_before_the_assessment_is_the_tables_and_immediate_only_by_default(db):
    assert dispatch_before_assessment("immediate") is True
    assert dispatch_before_assessment("priority") is False
    assert dispatch_before_assessment("no_such_grading") is False
    row = ResponseGrading.objects.get(code="priority")
    row.dispatch_before_assessment = True
    row.save()
    assert dispatch_before_assessment("priority") is True


def test_an_inactive_grading_is_refused_by_the_services_naming_the_field(handler):
    _deactivate("scheduled")
    _rename("priority", "Prompt")
    with pytest.raises(ValidationError) as caught:
        incident_create(actor=handler, channel="999", category="theft", grading="scheduled", summary="x")
    assert caught.value.message_dict["grading"] == [
        "Select a grading: Immediate, Prompt or Resolution without deployment"
    ]
    incident = make_incident(handler=handler, assessed=True)
    with pytest.raises(ValidationError) as caught:
        incident_change_grading(incident=incident, actor=handler, grading="scheduled")
    assert "grading" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        assessment_record(incident=incident, author=handler, data=complete_answers(grading="scheduled"), submit=True)
    assert "grading" in caught.value.message_dict
    assert Incident.objects.get(pk=incident.pk).grading == "priority"


def test_the_api_keeps_the_codes_and_refuses_an_inactive_grading_with_a_400(handler, api_client_for):
    _rename("priority", "Prompt")
    api = api_client_for(handler)
    body = {"channel": "999", "category": "theft", "grading": "priority", "summary": "Bike taken"}
    created = api.post("/api/incidents/", body, format="json")
    assert created.status_code == 201
    assert created.json()["grading"] == "priority"
    assert api.get(f"/api/incidents/{created.json()['reference']}/").json()["grading"] == "priority"
    _deactivate("priority")
    refused = api.post("/api/incidents/", body, format="json")
    assert refused.status_code == 400
    assert "grading" in refused.json()
    incident = Incident.objects.get(reference=created.json()["reference"])
    answers = complete_answers(grading="priority")
    response = api.post(f"/api/incidents/{incident.reference}/assessments/", answers, format="json")
    assert response.status_code == 400
    assert "grading" in response.json()


def test_every_page_shows_the_forces_name_never_the_code(handler, handler_client):
    _rename("priority", "Prompt")
    incident = make_incident(handler=handler, grading="priority", assessed=True)
    pages = [
        reverse("incidents:incident-detail", kwargs={"reference": incident.reference}),
        reverse("incidents:incident-list"),
        reverse("incidents:incident-create"),
        reverse("thrive:assessment-form", kwargs={"reference": incident.reference}),
    ]
    for url in pages:
        html = handler_client.get(url).content.decode()
        assert "Prompt" in html, url
        assert ">Priority<" not in html, url
    log = incident.entries.get(kind="opened").text
    assert "graded Prompt." in log


def test_an_inactive_grading_on_the_page_is_a_form_error(handler, handler_client):
    _deactivate("scheduled")
    response = handler_client.post(
        reverse("incidents:incident-create"),
        {"channel": "999", "category": "theft", "grading": "scheduled", "summary": "Bike taken"},
    )
    assert response.status_code == 400
    assert "Select a grading" in response.content.decode()
    assert not Incident.objects.exists()


def test_an_administrators_edit_is_saved_and_audited(admin_user, client_for):
    row = ResponseGrading.objects.get(code="priority")
    client = client_for(admin_user)
    url = reverse("admin:incidents_responsegrading_change", args=[row.pk])
    response = client.post(
        url,
        {
            "name": "Prompt",
            "order": "2",
            "target_attendance": "01:00:00",
            "rethrive_interval": "02:00:00",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row.refresh_from_db()
    assert (row.name, row.code, row.rethrive_interval) == ("Prompt", "priority", timedelta(hours=2))
    assert rethrive_interval("priority") == timedelta(hours=2)
    event = AuditEvent.objects.get(object_type="grading")
    assert (event.action, event.channel, event.actor_username) == ("alter", "admin", admin_user.username)
    assert "Prompt" in event.description


def test_the_seed_keeps_every_existing_incidents_due_time_and_label(handler, settings):
    """The migration to the table changes no due time already stored and no label shown, and
    intervals computed after it are today's (the settings' values, whatever they are)."""
    settings.RETHRIVE_MINUTES_BY_GRADING = {**settings.RETHRIVE_MINUTES_BY_GRADING, "immediate": 90}
    ResponseGrading.objects.all().delete()
    with connection.schema_editor() as editor:
        importlib.import_module(SEED).seed(apps, editor)
    opened = timezone.now() - timedelta(minutes=30)
    made = [make_incident(handler=handler, grading=code, opened_at=opened) for code in ("immediate", "priority")]
    made.append(make_incident(handler=handler, grading="scheduled", assessed=True))
    before = sorted((i.pk, i.rethrive_due_at, i.get_grading_display()) for i in Incident.objects.all())
    assert made[0].rethrive_due_at == opened + timedelta(minutes=90)
    assert made[1].rethrive_due_at == opened + timedelta(minutes=210)

    ResponseGrading.objects.all().delete()
    with connection.schema_editor() as editor:
        importlib.import_module(SEED).seed(apps, editor)

    after = sorted((i.pk, i.rethrive_due_at, i.get_grading_display()) for i in Incident.objects.all())
    assert after == before
    # The assessed one took its answers' grading (Priority).
    assert [label for _, _, label in after] == ["Immediate", "Priority", "Priority"]
    assert rethrive_interval("immediate") == timedelta(minutes=90)
