"""New information logged on an open incident with a submitted assessment makes a re-THRIVE
due now (issue 15), as a grading change does."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from casework.services import incident_note
from incidents.models import EntryKind, Incident
from tests.factories import make_incident


def test_new_information_after_an_assessment_makes_a_re_thrive_due_now(handler):
    incident = make_incident(handler=handler, assessed=True)
    assert not incident.is_overdue(timezone.now())
    entry = incident_note(incident=incident, actor=handler, text="Caller rang: he is back.", new_information=True)
    incident.refresh_from_db()
    assert entry.kind == EntryKind.NEW_INFORMATION
    assert incident.rethrive_due_at == entry.at
    assert incident.is_overdue(entry.at + timedelta(seconds=1))
    due = incident.entries.get(kind=EntryKind.RETHRIVE_DUE)
    assert "logged new information" in due.text
    assert incident.rethrive_flagged_for == entry.at


def test_a_plain_note_or_one_before_any_assessment_leaves_the_clock(handler):
    assessed = make_incident(handler=handler, assessed=True)
    incident_note(incident=assessed, actor=handler, text="Spoke to neighbour.")
    assert Incident.objects.get(pk=assessed.pk).rethrive_due_at == assessed.rethrive_due_at
    fresh = make_incident(handler=handler)
    incident_note(incident=fresh, actor=handler, text="More detail.", new_information=True)
    assert Incident.objects.get(pk=fresh.pk).rethrive_due_at == fresh.rethrive_due_at
    assert not fresh.entries.filter(kind=EntryKind.RETHRIVE_DUE).exists()


def test_an_earlier_due_time_already_passed_is_kept(handler):
    incident = make_incident(handler=handler, assessed=True, opened_at=timezone.now() - timedelta(hours=6))
    incident_note(incident=incident, actor=handler, text="Update.", new_information=True)
    assert Incident.objects.get(pk=incident.pk).rethrive_due_at == incident.rethrive_due_at


def test_the_page_marks_new_information_and_the_incident_is_overdue_at_once(handler, handler_client, supervisor_client):
    incident = make_incident(handler=handler, assessed=True)
    detail = reverse("incidents:incident-detail", kwargs={"reference": incident.reference})
    assert 'name="new_information"' in handler_client.get(detail).content.decode()
    response = handler_client.post(
        reverse("incidents:incident-note", kwargs={"reference": incident.reference}),
        {"text": "Caller says the suspect has returned.", "new_information": "yes"},
    )
    assert response.status_code == 302
    html = handler_client.get(detail).content.decode()
    assert "Re-THRIVE overdue since" in html
    assert "New information" in html
    overdue = handler_client.get(reverse("incidents:incident-list") + "?overdue=true").content.decode()
    assert incident.reference in overdue
