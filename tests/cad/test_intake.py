"""PUT /api/cad/incidents/{cad_ref}/ (API.md "Command-and-control (CAD) integration")."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import Action, AuditEvent
from casework.services import assessment_record, incident_close
from incidents.models import EntryKind, Incident, LogEntry
from tests.cad.conftest import CAD_REF, cad_body, put, token_client
from tests.factories import UserFactory, complete_answers

pytestmark = pytest.mark.django_db


def test_the_first_put_creates_the_incident_for_the_cads_call_taker(cad, call_taker, integration):
    response = put(cad, cad_body())

    assert response.status_code == 201
    body = response.json()
    incident = Incident.objects.get(cad_ref=CAD_REF)
    assert body["cad_ref"] == CAD_REF
    assert body["reference"] == incident.reference
    assert body["status"] == "open"
    assert body["handler"] == "jdawson"
    assert incident.handler == call_taker
    assert incident.team == call_taker.team
    assert body["opened_at"].startswith("2026-11-30T06:00:00")
    assert body["rethrive_due_at"] is not None
    opened = incident.entries.get(kind=EntryKind.OPENED)
    assert "Jo Dawson" in opened.text
    assert CAD_REF in opened.text
    assert opened.author == integration


def test_its_body_is_the_incident_detail_plus_cad_ref(cad, call_taker, handler_client):
    created = put(cad, cad_body()).json()
    detail = handler_client.get(f"/api/incidents/{created['reference']}/").json()

    assert set(created) == set(detail) | {"cad_ref"}
    for key in ("reference", "status", "assessments", "victims", "texts", "entries", "rethrive_due_at"):
        assert created[key] == detail[key], key


def test_the_same_body_again_changes_nothing(cad):
    first = put(cad, cad_body())
    incident = Incident.objects.get(cad_ref=CAD_REF)
    entries, version = LogEntry.objects.count(), incident.row_version
    alterations = AuditEvent.objects.filter(action=Action.ALTER).count()

    again = put(cad, cad_body())

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert LogEntry.objects.count() == entries
    assert Incident.objects.get(pk=incident.pk).row_version == version
    assert AuditEvent.objects.filter(action=Action.ALTER).count() == alterations
    assert Incident.objects.filter(cad_ref=CAD_REF).count() == 1


def test_the_opening_time_may_be_left_out_after_the_first_put(cad):
    put(cad, cad_body())
    body = cad_body()
    del body["opened_at"]

    response = put(cad, body)

    assert response.status_code == 200
    assert response.json()["opened_at"].startswith("2026-11-30T06:00:00")


def test_a_changed_detail_is_written_and_logged_once(cad):
    put(cad, cad_body())

    response = put(cad, cad_body(summary="Back door forced; suspect seen leaving.", location="14 Acacia Avenue"))

    assert response.status_code == 200
    incident = Incident.objects.get(cad_ref=CAD_REF)
    assert incident.summary == "Back door forced; suspect seen leaving."
    assert incident.location == "14 Acacia Avenue"
    (entry,) = incident.entries.filter(kind=EntryKind.CAD_UPDATED)
    assert "summary changed" in entry.text
    assert "location changed" in entry.text


def test_a_new_call_taker_takes_the_incident_and_their_team(cad, call_taker):
    put(cad, cad_body())
    other = UserFactory(supervisor=True, username="rkhan", full_name="Ravi Khan")

    response = put(cad, cad_body(handler="rkhan"))

    assert response.status_code == 200
    incident = Incident.objects.get(cad_ref=CAD_REF)
    assert incident.handler == other
    assert incident.team == other.team
    assert "call taker changed from Jo Dawson to Ravi Khan" in incident.entries.get(kind=EntryKind.CAD_UPDATED).text


def test_a_grading_change_before_any_assessment_keeps_the_first_due_at_the_new_interval(cad):
    first = cad_body()
    del first["opened_at"]  # opened now, so the first assessment is not yet due
    put(cad, first)

    put(cad, {**first, "grading": "immediate"})

    incident = Incident.objects.get(cad_ref=CAD_REF)
    assert incident.grading == "immediate"
    assert incident.entries.filter(kind=EntryKind.GRADING_CHANGED).count() == 1
    assert not incident.entries.filter(kind=EntryKind.RETHRIVE_DUE).exists()
    assert incident.rethrive_due_at > timezone.now()


def test_a_grading_change_after_a_submitted_assessment_makes_a_rethrive_due_now(cad, call_taker):
    put(cad, cad_body())
    incident = Incident.objects.get(cad_ref=CAD_REF)
    assessment_record(incident=incident, author=call_taker, data=complete_answers(), submit=True)
    before = timezone.now()

    response = put(cad, cad_body(grading="immediate"))

    assert response.status_code == 200
    incident.refresh_from_db()
    assert incident.grading == "immediate"
    assert incident.rethrive_due_at <= timezone.now()
    assert incident.rethrive_due_at >= before - timedelta(seconds=1)
    assert incident.entries.filter(kind=EntryKind.GRADING_CHANGED).count() == 1
    assert incident.entries.filter(kind=EntryKind.RETHRIVE_DUE).count() == 1
    assert response.json()["overdue"] in (True, False)  # answered, never a 500

    # The same body again: no second change, no second re-THRIVE entry.
    put(cad, cad_body(grading="immediate"))
    assert incident.entries.filter(kind=EntryKind.RETHRIVE_DUE).count() == 1


def test_a_change_to_a_closed_incident_is_409_closed_and_the_same_body_still_200(cad, call_taker):
    put(cad, cad_body())
    incident = Incident.objects.get(cad_ref=CAD_REF)
    incident_close(incident=incident, actor=call_taker, closure_code="duplicate", exemption_reason="Same as 0041.")
    entries = LogEntry.objects.count()

    changed = put(cad, cad_body(grading="immediate"))
    same = put(cad, cad_body())

    assert changed.status_code == 409
    assert changed.json()["code"] == "closed"
    assert same.status_code == 200
    assert same.json()["status"] == "closed"
    assert LogEntry.objects.count() == entries
    assert Incident.objects.get(pk=incident.pk).grading == "priority"


@pytest.mark.parametrize(
    ("handler", "why"),
    [("nobody", "not a member of staff"), ("", "blank"), ("trainer1", "not a call handler")],
)
def test_a_call_taker_who_is_not_one_is_400_naming_handler(cad, handler, why):
    UserFactory(trainer=True, username="trainer1")

    response = put(cad, cad_body(handler=handler))

    assert response.status_code == 400
    assert why in " ".join(response.json()["handler"])
    assert not Incident.objects.exists()


def test_a_disabled_call_taker_is_400(cad, call_taker):
    call_taker.is_active = False
    call_taker.save()

    assert "handler" in put(cad, cad_body()).json()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("channel", "carrier_pigeon"),
        ("category", "not_a_code"),
        ("category", "bad\x00code"),
        ("grading", "whenever"),
        ("summary", ""),
        ("summary", "x" * 2001),
        ("summary", "a NUL \x00 here"),
        ("location", "y" * 301),
        ("opened_at", "2999-01-01T00:00:00Z"),
        ("opened_at", "yesterday"),
        ("handler", "z" * 151),
    ],
)
def test_bad_input_is_400_naming_the_field_and_saves_nothing(cad, field, value):
    response = put(cad, cad_body(**{field: value}))

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Incident.objects.exists()


def test_a_missing_field_is_400_naming_it(cad):
    body = cad_body()
    del body["channel"], body["handler"]

    response = put(cad, body)

    assert response.status_code == 400
    assert {"channel", "handler"} <= set(response.json())


def test_a_body_that_is_not_an_object_is_400(cad):
    response = cad.put(f"/api/cad/incidents/{CAD_REF}/", [1, 2], format="json")

    assert response.status_code == 400


def test_moving_the_opening_time_is_400_naming_it(cad):
    put(cad, cad_body())

    response = put(cad, cad_body(opened_at="2026-11-30T05:00:00+00:00"))

    assert response.status_code == 400
    assert "opened_at" in response.json()


def test_the_same_instant_in_another_offset_is_the_same_time(cad):
    put(cad, cad_body())

    assert put(cad, cad_body(opened_at="2026-11-30T06:00:00Z")).status_code == 200
    assert put(cad, cad_body(opened_at="2026-11-30T07:00:00+01:00")).status_code == 200


@pytest.mark.parametrize("cad_ref", ["A//B", "A/close", "B/closure"])
def test_a_cad_ref_we_could_not_read_back_is_400_naming_cad_ref(cad, cad_ref):
    response = put(cad, cad_body(), cad_ref=cad_ref)

    # A/close and B/closure reach the close and closure routes: refused there (405).
    assert response.status_code in (400, 405)
    if response.status_code == 400:
        assert "cad_ref" in response.json()
    assert not Incident.objects.exists()


@pytest.mark.parametrize("cad_ref", ["A" * 41, "has space", "dot.ted", "ünïcode"])
def test_a_cad_ref_outside_the_alphabet_or_too_long_is_404_json(cad, cad_ref):
    response = put(cad, cad_body(), cad_ref=cad_ref)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_the_longest_cad_ref_with_every_allowed_character(cad):
    cad_ref = "Az09-_/" + "x" * 33

    response = put(cad, cad_body(), cad_ref=cad_ref)

    assert response.status_code == 201
    assert response.json()["cad_ref"] == cad_ref
    assert cad.get(f"/api/cad/incidents/{cad_ref}/").json()["cad_ref"] == cad_ref


def test_two_cad_refs_are_two_incidents(cad):
    put(cad, cad_body())
    put(cad, cad_body(), cad_ref="STORM/0043/30NOV")

    assert Incident.objects.filter(cad_ref__startswith="STORM/").count() == 2


def test_another_adapter_account_sees_the_same_incident(cad, integration):
    from accounts.models import Role

    put(cad, cad_body())
    second = token_client(UserFactory(role=Role.INTEGRATION, username="storm-adapter-2", team=None))

    assert put(second, cad_body()).status_code == 200
