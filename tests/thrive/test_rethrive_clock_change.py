"""Rule 5 across the clock changes: 3 h 30 min is elapsed time, whatever the wall clock does.

An incident opened at 00:30 UTC on the night the clocks go back (01:30 BST) is due at 04:00
UTC (04:00 GMT), not at 05:00 UTC; on the night they go forward it is due at 04:00 UTC
(05:00 BST), not an hour early. The times a client sends may carry any offset: the same
instant is stored and the same due time follows.
"""

from datetime import UTC, datetime, timedelta
from datetime import timezone as fixed_zone
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from casework.services import assessment_record, incident_change_grading
from incidents.models import Incident
from incidents.rules import rethrive_due_at
from incidents.services import incident_create
from tests.factories import complete_answers, set_rethrive_interval
from thrive.services import rethrive_flag_overdue

LONDON = ZoneInfo("Europe/London")
INTERVAL = timedelta(hours=3, minutes=30)
# The four changes of 2026 and 2027; each happens at 01:00 UTC.
CHANGES = {
    "forward-2026-03-29": datetime(2026, 3, 29, 1, tzinfo=UTC),
    "back-2026-10-25": datetime(2026, 10, 25, 1, tzinfo=UTC),
    "forward-2027-03-28": datetime(2027, 3, 28, 1, tzinfo=UTC),
    "back-2027-10-31": datetime(2027, 10, 31, 1, tzinfo=UTC),
}
ZONES = {
    "utc": UTC,
    "london": LONDON,
    "plus-1": fixed_zone(timedelta(hours=1)),
    "plus-2": fixed_zone(timedelta(hours=2)),
    "minus-5": fixed_zone(timedelta(hours=-5)),
}
change_param = pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
zone_param = pytest.mark.parametrize("zone", ZONES.values(), ids=ZONES.keys())


def _utc(moment: datetime) -> datetime:
    # Two aware datetimes with the same tzinfo compare by wall clock: compare in UTC.
    return moment.astimezone(UTC)


def _iso(moment: datetime, zone) -> str:
    text = moment.astimezone(zone).isoformat()
    return text.replace("+00:00", "Z") if zone is UTC else text


@pytest.fixture
def clock(monkeypatch):
    """Sets what timezone.now() answers: the 2027 changes are still in the future, and
    client times must not be."""

    class Clock:
        moment = datetime.now(UTC)

        def set(self, moment: datetime) -> None:
            self.moment = moment

    fake = Clock()
    monkeypatch.setattr(timezone, "now", lambda: fake.moment)
    return fake


def _open(handler, opened_at: datetime, grading: str = "priority") -> Incident:
    return incident_create(
        actor=handler,
        channel="999",
        category="burglary_dwelling",
        grading=grading,
        summary="Caller reports a break-in.",
        opened_at=opened_at,
    )


def test_the_changes_tested_are_real_changes():
    for change in CHANGES.values():
        before = (change - timedelta(minutes=1)).astimezone(LONDON).utcoffset()
        after = change.astimezone(LONDON).utcoffset()
        assert before != after


# --- the rule ------------------------------------------------------------------------------------


@change_param
@zone_param
@pytest.mark.parametrize("before", [timedelta(minutes=30), timedelta(hours=3)], ids=["30min", "3h"])
def test_the_due_time_is_the_interval_of_elapsed_time_after_the_last(db, change, zone, before):
    last = change - before
    due = rethrive_due_at(grading="priority", last_assessed_at=last.astimezone(zone))
    assert _utc(due) == last + INTERVAL
    assert due.utcoffset() == timedelta(0), "due times are computed and kept in UTC"


# --- through the services ------------------------------------------------------------------------


@change_param
@zone_param
def test_an_incident_opened_half_an_hour_before_a_change_is_due_three_hours_after_it(handler, clock, change, zone):
    clock.set(change + timedelta(hours=6))
    opened = change - timedelta(minutes=30)
    incident = _open(handler, opened.astimezone(zone))
    assert _utc(incident.rethrive_due_at) == change + timedelta(hours=3)
    incident.refresh_from_db()
    assert incident.opened_at == opened, "the same instant is stored, whatever the offset it came with"
    assert incident.rethrive_due_at == change + timedelta(hours=3)


@change_param
@zone_param
def test_a_reassessment_before_a_change_is_due_after_the_interval_of_elapsed_time(handler, clock, change, zone):
    clock.set(change + timedelta(hours=6))
    incident = _open(handler, change - timedelta(hours=2))
    submitted = change - timedelta(minutes=30)
    assessment = assessment_record(
        incident=incident, author=handler, data=complete_answers(), submit=True, submitted_at=submitted.astimezone(zone)
    )
    incident.refresh_from_db()
    assert incident.rethrive_due_at == submitted + INTERVAL
    assessment.refresh_from_db()
    assert assessment.submitted_at == submitted


@change_param
def test_a_grading_change_counts_the_new_interval_in_elapsed_time(handler, clock, settings, change):
    # Before the first assessment (after it, a grading change makes a re-THRIVE due now).
    set_rethrive_interval("immediate", 90)
    clock.set(change + timedelta(minutes=30))
    opened = change - timedelta(minutes=45)
    incident = _open(handler, opened.astimezone(LONDON), grading="scheduled")
    incident_change_grading(incident=incident, actor=handler, grading="immediate")
    incident.refresh_from_db()
    assert incident.rethrive_due_at == opened + timedelta(minutes=90)


@change_param
def test_a_grading_change_after_an_assessment_is_due_at_the_change_across_a_clock_change(handler, clock, change):
    clock.set(change + timedelta(minutes=10))
    incident = _open(handler, change - timedelta(hours=1))
    assessment_record(
        incident=incident,
        author=handler,
        data=complete_answers(),
        submit=True,
        submitted_at=(change - timedelta(minutes=5)).astimezone(LONDON),
    )
    incident_change_grading(incident=incident, actor=handler, grading="immediate")
    incident.refresh_from_db()
    assert incident.rethrive_due_at == change + timedelta(minutes=10)
    assert incident.is_overdue(change + timedelta(minutes=10, seconds=1))
    assert not incident.is_overdue(change + timedelta(minutes=10))


@change_param
@pytest.mark.parametrize(
    ("after", "on_time"), [(INTERVAL - timedelta(minutes=1), True), (INTERVAL + timedelta(minutes=1), False)]
)
def test_a_re_thrive_is_on_time_by_elapsed_time_across_a_change(handler, clock, change, after, on_time):
    clock.set(change + timedelta(hours=6))
    opened = change - timedelta(minutes=30)
    incident = _open(handler, opened.astimezone(LONDON))
    first = opened + timedelta(minutes=1)
    assessment_record(
        incident=incident, author=handler, data=complete_answers(), submit=True, submitted_at=first.astimezone(LONDON)
    )
    second = assessment_record(
        incident=incident,
        author=handler,
        data=complete_answers(),
        submit=True,
        submitted_at=(first + after).astimezone(LONDON),
    )
    assert second.rethrive_on_time is on_time


@change_param
def test_the_sweep_flags_the_incident_after_three_and_a_half_hours_of_elapsed_time(handler, clock, change):
    clock.set(change)
    opened = change - timedelta(minutes=30)
    _open(handler, opened.astimezone(LONDON))
    assert rethrive_flag_overdue(now=(opened + INTERVAL - timedelta(minutes=1)).astimezone(LONDON)) == 0
    assert rethrive_flag_overdue(now=(opened + INTERVAL + timedelta(minutes=1)).astimezone(LONDON)) == 1


# --- through the API -----------------------------------------------------------------------------

NEW_INCIDENT = {
    "channel": "999",
    "category": "domestic_abuse",
    "grading": "priority",
    "summary": "Caller says her ex-partner is outside.",
}


@change_param
@zone_param
def test_the_api_stores_the_sent_instant_and_answers_the_due_time_in_elapsed_time(
    handler, api_client_for, clock, change, zone
):
    clock.set(change + timedelta(hours=6))
    opened = change - timedelta(minutes=30)
    response = api_client_for(handler).post(
        "/api/incidents/", {**NEW_INCIDENT, "opened_at": _iso(opened, zone)}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert _utc(datetime.fromisoformat(body["opened_at"])) == opened
    assert _utc(datetime.fromisoformat(body["rethrive_due_at"])) == change + timedelta(hours=3)
    stored = Incident.objects.get(reference=body["reference"])
    assert stored.opened_at == opened
    assert stored.rethrive_due_at == change + timedelta(hours=3)


@change_param
@zone_param
def test_an_assessment_sent_with_its_own_time_resets_the_clock_in_elapsed_time(
    handler, api_client_for, clock, change, zone
):
    clock.set(change + timedelta(hours=6))
    api = api_client_for(handler)
    created = api.post(
        "/api/incidents/", {**NEW_INCIDENT, "opened_at": _iso(change - timedelta(hours=2), zone)}, format="json"
    )
    reference = created.json()["reference"]
    submitted = change - timedelta(minutes=30)
    response = api.post(
        f"/api/incidents/{reference}/assessments/",
        {**complete_answers(), "submit": True, "submitted_at": _iso(submitted, zone)},
        format="json",
    )
    assert response.status_code == 201, response.json()
    detail = api.get(f"/api/incidents/{reference}/").json()
    assert _utc(datetime.fromisoformat(detail["assessments"][-1]["submitted_at"])) == submitted
    assert _utc(datetime.fromisoformat(detail["rethrive_due_at"])) == submitted + INTERVAL


@change_param
def test_the_overdue_list_shows_the_incident_after_three_and_a_half_hours_of_elapsed_time(
    handler, supervisor, api_client_for, client_for, clock, change
):
    clock.set(change)
    opened = change - timedelta(minutes=30)
    created = api_client_for(handler).post(
        "/api/incidents/", {**NEW_INCIDENT, "opened_at": _iso(opened, LONDON)}, format="json"
    )
    reference = created.json()["reference"]
    api = api_client_for(supervisor)

    def overdue_page() -> str:
        # Signed in at the moment the clock shows, so the session is fresh then.
        response = client_for(supervisor).get("/incidents/?overdue=true")
        assert response.status_code == 200
        return response.content.decode()

    clock.set(opened + INTERVAL - timedelta(minutes=1))
    assert api.get("/api/incidents/?overdue=true").json()["count"] == 0
    assert api.get(f"/api/incidents/?q={reference}").json()["results"][0]["overdue"] is False
    assert reference not in overdue_page()

    clock.set(opened + INTERVAL + timedelta(minutes=1))
    listed = api.get("/api/incidents/?overdue=true").json()
    assert [row["reference"] for row in listed["results"]] == [reference]
    assert listed["results"][0]["overdue"] is True
    assert reference in overdue_page()


@change_param
@zone_param
def test_a_closing_time_sent_with_an_offset_is_stored_as_the_same_instant(handler, api_client_for, clock, change, zone):
    clock.set(change + timedelta(hours=6))
    api = api_client_for(handler)
    created = api.post(
        "/api/incidents/", {**NEW_INCIDENT, "opened_at": _iso(change - timedelta(hours=2), zone)}, format="json"
    )
    reference = created.json()["reference"]
    api.post(
        f"/api/incidents/{reference}/assessments/",
        {**complete_answers(), "submitted_at": _iso(change - timedelta(hours=1), zone)},
        format="json",
    )
    closed = change + timedelta(minutes=30)
    response = api.post(
        f"/api/incidents/{reference}/close/",
        {"closure_code": "crime_recorded", "closed_at": _iso(closed, zone)},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert Incident.objects.get(reference=reference).closed_at == closed


@pytest.mark.parametrize(
    "naive",
    ["2026-10-25T01:30:00", "2026-03-29T01:30:00"],
    ids=["repeated-hour", "skipped-hour"],
)
def test_a_time_without_an_offset_inside_a_changing_hour_is_refused_naming_the_field(
    handler, api_client_for, clock, naive
):
    clock.set(datetime(2026, 11, 1, tzinfo=UTC))
    response = api_client_for(handler).post("/api/incidents/", {**NEW_INCIDENT, "opened_at": naive}, format="json")
    assert response.status_code == 400
    assert "opened_at" in response.json()
    assert not Incident.objects.exists()
