"""Immediate first (issue 19, casework/dispatch.py): where the force's gradings table lets a
grading's response go before the assessment, the handler records the dispatch from the form;
the assessment follows with its own due time, which the overdue list follows."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, AuditEvent
from casework.services import assessment_record
from incidents.gradings import ResponseGrading
from incidents.models import EntryKind, Incident, LogEntry
from tests.factories import complete_answers, make_incident


def _form(incident) -> str:
    return reverse("thrive:assessment-form", kwargs={"reference": incident.reference})


def _dispatch(incident) -> str:
    return reverse("thrive:assessment-dispatch-first", kwargs={"reference": incident.reference})


@pytest.fixture
def immediate(handler):
    return make_incident(handler=handler, grading="immediate", opened_at=timezone.now() - timedelta(minutes=2))


def test_an_immediate_response_is_offered_dispatch_first(handler_client, immediate):
    html = handler_client.get(_form(immediate)).content.decode()
    assert "Immediate: dispatch first" in html
    assert f'action="{_dispatch(immediate)}"' in html


def test_a_priority_response_waits_for_the_assessment(handler_client, handler):
    incident = make_incident(handler=handler, grading="priority")
    assert "dispatch first" not in handler_client.get(_form(incident)).content.decode()
    response = handler_client.post(_dispatch(incident), follow=True)
    assert "does not let a Priority response go before the assessment" in response.content.decode()
    incident.refresh_from_db()
    assert incident.dispatched_before_assessment_at is None


def test_the_force_decides_which_gradings_may_go_first(handler_client, handler):
    ResponseGrading.objects.filter(code="priority").update(dispatch_before_assessment=True)
    ResponseGrading.objects.get(code="priority").save()  # drops the cached snapshot
    incident = make_incident(handler=handler, grading="priority")
    assert "dispatch first" in handler_client.get(_form(incident)).content.decode()


def test_dispatching_first_gives_the_assessment_its_own_due_time(handler_client, immediate, settings):
    settings.ASSESSMENT_AFTER_DISPATCH_MINUTES = 20
    before = timezone.now()
    response = handler_client.post(_dispatch(immediate), follow=True)
    html = response.content.decode()
    immediate.refresh_from_db()
    dispatched = immediate.dispatched_before_assessment_at
    assert dispatched >= before
    assert immediate.rethrive_due_at == dispatched + timedelta(minutes=20)
    assert "Follows dispatch" in html
    assert f"due by <strong>{timezone.localtime(immediate.rethrive_due_at):%H:%M}</strong>" in html
    assert "dispatch first" not in html
    entry = LogEntry.objects.get(incident=immediate, kind=EntryKind.DISPATCHED_FIRST)
    assert "the THRIVE-SP assessment follows" in entry.text
    assert AuditEvent.objects.filter(
        object_type="incident", object_id=str(immediate.pk), action=Action.ALTER, description__contains="dispatched"
    ).exists()
    # The due time is the incident's: the overdue list follows it unchanged.
    assert not Incident.objects.overdue(dispatched + timedelta(minutes=19)).filter(pk=immediate.pk).exists()
    assert Incident.objects.overdue(dispatched + timedelta(minutes=21)).filter(pk=immediate.pk).exists()


def test_a_dispatch_is_recorded_once(handler_client, immediate):
    handler_client.post(_dispatch(immediate))
    response = handler_client.post(_dispatch(immediate), follow=True)
    assert "already recorded" in response.content.decode()
    assert LogEntry.objects.filter(incident=immediate, kind=EntryKind.DISPATCHED_FIRST).count() == 1


def test_an_assessed_incident_is_not_offered_dispatch_first(handler_client, handler, immediate):
    incident = immediate
    assessment_record(incident=incident, author=handler, data=complete_answers(grading="immediate"), submit=True)
    assert "dispatch first" not in handler_client.get(_form(incident)).content.decode()
    response = handler_client.post(_dispatch(incident), follow=True)
    assert "already has an assessment" in response.content.decode()
    incident.refresh_from_db()
    assert incident.dispatched_before_assessment_at is None
