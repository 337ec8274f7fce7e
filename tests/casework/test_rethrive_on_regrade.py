"""Rule 5: a grading change makes a re-THRIVE due now (issue 15; West Midlands: "any change in
the way we respond... up to the point of closure"), once the incident has a submitted
assessment. Through the service, the incident page's grading form and the API that reads it.
A submission that changes the grading is itself the fresh assessment: the clock resets from it.
"""

from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from casework.services import assessment_record, incident_change_grading
from incidents.models import EntryKind, Incident, LogEntry
from tests.factories import complete_answers, make_incident, set_rethrive_interval
from thrive.services import rethrive_flag_overdue

INTERVAL = timedelta(hours=3, minutes=30)


def _due_entries(incident: Incident) -> list[LogEntry]:
    return list(LogEntry.objects.filter(incident=incident, kind=EntryKind.RETHRIVE_DUE).order_by("at", "pk"))


def _assessed_just_now(handler, grading: str = "priority") -> Incident:
    """Assessed a minute ago, so the ordinary clock would not be due for hours."""
    incident = make_incident(handler=handler, grading=grading, opened_at=timezone.now() - timedelta(minutes=10))
    assessment_record(
        incident=incident,
        author=handler,
        data=complete_answers(grading=grading),
        submit=True,
        submitted_at=timezone.now() - timedelta(minutes=1),
    )
    return Incident.objects.get(pk=incident.pk)


# --- The service -------------------------------------------------------------------------------


def test_a_grading_change_after_an_assessment_makes_a_re_thrive_due_now(handler):
    incident = _assessed_just_now(handler, grading="priority")
    before = timezone.now()
    incident_change_grading(incident=incident, actor=handler, grading="immediate", reason="Weapon seen")
    after = timezone.now()
    incident.refresh_from_db()
    assert before <= incident.rethrive_due_at <= after
    assert incident.is_overdue(timezone.now())
    assert Incident.objects.overdue(timezone.now()).filter(pk=incident.pk).exists()
    [entry] = _due_entries(incident)
    assert entry.author == handler
    assert "Re-THRIVE due now" in entry.text
    assert "from Priority to Immediate" in entry.text
    assert "immediate" not in entry.text  # labels, never codes
    # The sweep does not write a second, misleading "no assessment in the last 3 h 30 min".
    assert rethrive_flag_overdue() == 0
    assert len(_due_entries(incident)) == 1


def test_a_second_grading_change_keeps_the_earlier_due_time(handler):
    incident = _assessed_just_now(handler, grading="priority")
    incident_change_grading(incident=incident, actor=handler, grading="immediate")
    incident.refresh_from_db()
    first_due = incident.rethrive_due_at
    incident_change_grading(incident=incident, actor=handler, grading="scheduled")
    incident.refresh_from_db()
    # Overdue since the first change: a second change does not hide how long it has waited.
    assert incident.rethrive_due_at == first_due
    assert [e.text for e in _due_entries(incident)][1].count("from Immediate to Scheduled") == 1


def test_a_fresh_assessment_after_the_change_resets_the_clock(handler):
    incident = _assessed_just_now(handler, grading="priority")
    incident_change_grading(incident=incident, actor=handler, grading="immediate")
    assessment_record(incident=incident, author=handler, data=complete_answers(grading="immediate"), submit=True)
    incident.refresh_from_db()
    assert incident.rethrive_due_at > timezone.now()
    assert not incident.is_overdue(timezone.now())


def test_a_grading_change_before_any_assessment_leaves_the_first_one_due_as_before(handler, settings):
    set_rethrive_interval("immediate", 60)
    opened = timezone.now() - timedelta(minutes=10)
    incident = make_incident(handler=handler, grading="priority", opened_at=opened)
    incident_change_grading(incident=incident, actor=handler, grading="immediate")
    incident.refresh_from_db()
    assert incident.rethrive_due_at == opened + timedelta(minutes=60)
    assert _due_entries(incident) == []


def test_a_submission_that_changes_the_grading_is_the_fresh_assessment(handler):
    incident = _assessed_just_now(handler, grading="priority")
    submitted_at = timezone.now() - timedelta(seconds=5)
    assessment_record(
        incident=incident,
        author=handler,
        data=complete_answers(grading="immediate"),
        submit=True,
        submitted_at=submitted_at,
    )
    incident.refresh_from_db()
    assert incident.grading == "immediate"
    assert incident.rethrive_due_at == submitted_at + INTERVAL
    assert _due_entries(incident) == []


# --- The incident page's grading form --------------------------------------------------------


def test_the_grading_form_makes_the_incident_overdue_on_its_page_the_list_and_the_home_page(
    handler, handler_client, supervisor_client
):
    incident = _assessed_just_now(handler, grading="priority")
    response = handler_client.post(
        reverse("incidents:incident-grading", kwargs={"reference": incident.reference}),
        {"grading": "immediate", "reason": "Weapon seen", "row_version": incident.row_version},
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Re-THRIVE overdue since" in html
    assert "Re-THRIVE due now: the grading changed from Priority to Immediate" in html
    listing = handler_client.get(reverse("incidents:incident-list"), {"overdue": "1"}).content.decode()
    assert incident.reference in listing
    home = supervisor_client.get(reverse("accounts:home")).content.decode()
    overdue_panel = home[home.index("Re-THRIVE overdue in your team") :]
    assert incident.reference in overdue_panel


# --- The API ----------------------------------------------------------------------------------


def test_the_api_lists_the_regraded_incident_as_overdue_at_once(handler, api_client_for):
    incident = _assessed_just_now(handler, grading="priority")
    incident_change_grading(incident=incident, actor=handler, grading="immediate")
    incident.refresh_from_db()
    api = api_client_for(handler)
    body = api.get("/api/incidents/?overdue=true").json()
    assert [row["reference"] for row in body["results"]] == [incident.reference]
    assert body["results"][0]["overdue"] is True
    detail = api.get(f"/api/incidents/{incident.reference}/").json()
    assert datetime.fromisoformat(detail["rethrive_due_at"]) == incident.rethrive_due_at


def test_an_api_submission_that_changes_the_grading_resets_the_clock_from_itself(handler, api_client_for):
    incident = _assessed_just_now(handler, grading="priority")
    api = api_client_for(handler)
    response = api.post(
        f"/api/incidents/{incident.reference}/assessments/", complete_answers(grading="immediate"), format="json"
    )
    assert response.status_code == 201
    incident.refresh_from_db()
    assert incident.grading == "immediate"
    assert incident.rethrive_due_at > timezone.now() + INTERVAL - timedelta(minutes=1)
    assert api.get("/api/incidents/?overdue=true").json()["results"] == []
    assert _due_entries(incident) == []


def test_a_re_thrive_made_soon_after_a_grading_change_counts_as_on_time(handler):
    # "Due now" makes the incident urgent on every list; the compliance figure still measures
    # the interval since the last assessment, so answering a regrade quickly is not "late".
    incident = _assessed_just_now(handler, grading="priority")
    incident_change_grading(incident=incident, actor=handler, grading="immediate", reason="Weapon seen")
    incident.refresh_from_db()
    version = assessment_record(
        incident=incident, author=handler, data=complete_answers(grading="immediate"), submit=True
    )
    assert version.rethrive_on_time is True


def test_a_re_thrive_after_the_interval_is_still_late_whatever_the_grading_did(handler):
    incident = make_incident(handler=handler, grading="priority", opened_at=timezone.now() - timedelta(hours=5))
    assessment_record(
        incident=incident,
        author=handler,
        data=complete_answers(grading="priority"),
        submit=True,
        submitted_at=timezone.now() - timedelta(hours=4),
    )
    incident.refresh_from_db()
    incident_change_grading(incident=incident, actor=handler, grading="immediate", reason="Weapon seen")
    incident.refresh_from_db()
    version = assessment_record(
        incident=incident, author=handler, data=complete_answers(grading="immediate"), submit=True
    )
    assert version.rethrive_on_time is False
