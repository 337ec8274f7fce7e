"""Reopening a closed incident: a supervisor, with a reason; the closure is cleared, so the
compliance figures no longer count it as closed. Through the service, the API and the pages."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from config.errors import Blocked
from incidents.models import EntryKind, Incident, Status
from incidents.reopen import incident_reopen
from qa.compliance import compliance_monthly
from qa.selectors import QaFilters
from tests.factories import make_incident

pytestmark = pytest.mark.django_db

REASON = "Caller rang back: the suspect has returned."


@pytest.fixture
def closed(handler):
    return make_incident(handler=handler, closed=True)


def closed_this_month() -> int:
    month = timezone.localdate().replace(day=1)
    rows = compliance_monthly(QaFilters(first=month, last=month))
    return rows[0].incidents_closed if rows else 0


def test_a_supervisor_reopens_clearing_the_closure_logging_and_auditing(supervisor, closed):
    assert closed_this_month() == 1
    before = timezone.now()
    incident_reopen(incident=closed, actor=supervisor, reason=REASON)
    closed.refresh_from_db()
    assert closed.status == Status.OPEN
    assert (closed.closed_at, closed.closed_month, closed.closed_by, closed.closure_code) == (None, None, None, None)
    assert closed.exemption_reason == ""
    assert closed.rethrive_due_at >= before  # reopening is new information: a re-THRIVE is due now
    entry = closed.entries.get(kind=EntryKind.REOPENED)
    assert REASON in entry.text
    assert entry.author == supervisor
    assert AuditEvent.objects.filter(incident_reference=closed.reference, description__startswith="reopened").exists()
    assert closed_this_month() == 0


def test_a_reopened_incident_can_close_again(supervisor, handler, closed):
    from casework.services import incident_close

    incident_reopen(incident=closed, actor=supervisor, reason=REASON)
    # Reopening makes a re-THRIVE due at once, so a close with none after it is the
    # overdue-close rule's: a handler is refused, a supervisor records the decision.
    with pytest.raises(Blocked) as refused:
        incident_close(incident=closed, actor=handler, closure_code="crime_recorded", closed_at=timezone.now())
    assert refused.value.code == "rethrive_overdue"
    incident_close(
        incident=closed,
        actor=supervisor,
        closure_code="crime_recorded",
        overdue_decision="Spoke to the caller: nothing has changed since the last assessment.",
    )
    assert Incident.objects.get(pk=closed.pk).status == Status.CLOSED
    assert closed_this_month() == 1


def test_a_handler_cannot_reopen(handler, closed):
    with pytest.raises(PermissionDenied):
        incident_reopen(incident=closed, actor=handler, reason=REASON)
    assert Incident.objects.get(pk=closed.pk).status == Status.CLOSED


@pytest.mark.parametrize("reason", ["", "   ", "x" * 2001, "bad\x00reason"])
def test_a_missing_or_bad_reason_is_a_field_error(supervisor, closed, reason):
    with pytest.raises(ValidationError) as exc:
        incident_reopen(incident=closed, actor=supervisor, reason=reason)
    assert "reason" in exc.value.message_dict
    assert Incident.objects.get(pk=closed.pk).status == Status.CLOSED


def test_an_open_incident_is_not_reopened(supervisor, handler):
    incident = make_incident(handler=handler)
    with pytest.raises(Blocked) as exc:
        incident_reopen(incident=incident, actor=supervisor, reason=REASON)
    assert exc.value.code == "not_closed"


def test_a_stale_form_is_refused(supervisor, closed):
    with pytest.raises(Blocked) as exc:
        incident_reopen(incident=closed, actor=supervisor, reason=REASON, expected_version=closed.row_version - 1)
    assert exc.value.code == "conflict"


# --- The API --------------------------------------------------------------------------------


def test_api_reopen(api_client_for, supervisor, closed):
    response = api_client_for(supervisor).post(
        f"/api/incidents/{closed.reference}/reopen/", {"reason": REASON}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["closed_at"], body["closure_code"]) == ("open", None, None)


def test_api_reopen_with_the_row_version_the_api_gave(api_client_for, supervisor, handler, closed):
    """The stale-edit check works for an API client too: the incident's answers carry the
    `row_version` to send back, and a change in between is refused."""
    api = api_client_for(supervisor)
    seen = api.get(f"/api/incidents/{closed.reference}/").json()["row_version"]
    assert seen == Incident.objects.get(pk=closed.pk).row_version
    stale = api.post(
        f"/api/incidents/{closed.reference}/reopen/", {"reason": REASON, "row_version": seen - 1}, format="json"
    )
    assert (stale.status_code, stale.json()["code"]) == (409, "conflict")
    assert Incident.objects.get(pk=closed.pk).status == Status.CLOSED
    fresh = api.post(
        f"/api/incidents/{closed.reference}/reopen/", {"reason": REASON, "row_version": seen}, format="json"
    )
    assert fresh.status_code == 200, fresh.content
    assert fresh.json()["row_version"] > seen  # the reopen moved it on: the old one is now stale


def test_api_reopen_by_a_handler_is_403(api_client_for, handler, closed):
    response = api_client_for(handler).post(f"/api/incidents/{closed.reference}/reopen/", {"reason": REASON})
    assert response.status_code == 403
    assert Incident.objects.get(pk=closed.pk).status == Status.CLOSED


def test_api_reopen_without_a_reason_is_400_naming_it(api_client_for, supervisor, closed):
    response = api_client_for(supervisor).post(f"/api/incidents/{closed.reference}/reopen/", {}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()


def test_api_reopen_of_an_open_incident_is_409(api_client_for, supervisor, handler):
    incident = make_incident(handler=handler)
    response = api_client_for(supervisor).post(
        f"/api/incidents/{incident.reference}/reopen/", {"reason": REASON}, format="json"
    )
    assert response.status_code == 409


# --- The pages ------------------------------------------------------------------------------


def test_the_closed_incident_page_offers_reopening_to_a_supervisor_only(supervisor_client, handler_client, closed):
    assert "Reopen incident" in supervisor_client.get(f"/incidents/{closed.reference}/").content.decode()
    assert "Reopen incident" not in handler_client.get(f"/incidents/{closed.reference}/").content.decode()
    assert handler_client.get(f"/incidents/{closed.reference}/reopen/").status_code == 403
    assert handler_client.post(f"/incidents/{closed.reference}/reopen/", {"reason": REASON}).status_code == 403


def test_the_reopen_page_reopens(supervisor_client, closed):
    page = supervisor_client.get(f"/incidents/{closed.reference}/reopen/")
    assert page.status_code == 200
    response = supervisor_client.post(
        f"/incidents/{closed.reference}/reopen/", {"reason": REASON, "row_version": closed.row_version}
    )
    assert response.status_code == 302
    html = supervisor_client.get(f"/incidents/{closed.reference}/").content.decode()
    assert "reopened. A re-THRIVE is due now." in html
    assert "Close the incident" in html


def test_the_reopen_page_without_a_reason_shows_the_error(supervisor_client, closed):
    response = supervisor_client.post(f"/incidents/{closed.reference}/reopen/", {"reason": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#f-reason"' in html
    assert Incident.objects.get(pk=closed.pk).status == Status.CLOSED


def test_reopening_clears_the_closures_policy_record(supervisor, closed):
    """An exempt closure's policy line, its risk decision and a supervisor's overdue decision
    belong to that closure: a reopened incident carries none of them into its next close."""
    Incident.objects.filter(pk=closed.pk).update(
        callback_attempts=3,
        callback_outcome="No answer on three attempts.",
        framework_reference="MISPER-123",
        overdue_decision="Caller safe with family.",
        overdue_decision_by=supervisor,
    )
    closed.refresh_from_db()
    incident_reopen(incident=closed, actor=supervisor, reason=REASON)
    closed.refresh_from_db()
    assert (closed.exemption_line, closed.callback_attempts, closed.overdue_decision_by) == (None, None, None)
    assert (closed.callback_outcome, closed.framework_reference, closed.overdue_decision) == ("", "", "")
