"""Watch handover: a handler going off shift hands their open incidents (each with a
re-THRIVE pending) to a named colleague of their team. Through the service, the API, the
home page and the handover page."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from casework.services import incident_close
from incidents.handover import handover_candidates, incident_handover
from incidents.models import EntryKind, Incident
from tests.factories import TeamFactory, UserFactory, make_incident
from thrive.services import rethrive_flag_overdue

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(db):
    return UserFactory(handler=True, username="colleague", full_name="Chris Colleague")


@pytest.fixture
def mine(handler):
    return [make_incident(handler=handler, assessed=True) for _ in range(3)]


def refs(incidents):
    return [i.reference for i in incidents]


# --- The service ----------------------------------------------------------------------------


def test_a_new_incident_is_owned_by_the_handler_who_opened_it(handler):
    incident = make_incident(handler=handler)
    assert incident.owner == handler == incident.handler


def test_handover_moves_ownership_keeps_the_handler_logs_and_audits(handler, colleague, mine):
    result = incident_handover(actor=handler, to="colleague", references=refs(mine))
    assert result.handed_over == refs(mine)
    assert result.skipped == []
    for incident in mine:
        incident.refresh_from_db()
        assert incident.owner == colleague
        assert incident.handler == handler  # QA and the call taker's record stay on the opener
        entry = incident.entries.get(kind=EntryKind.HANDED_OVER)
        assert entry.author == handler
        assert "to Chris Colleague" in entry.text
        event = AuditEvent.objects.get(incident_reference=incident.reference, action="alter")
        assert event.actor == handler
        assert "handed over" in event.description
    assert not handover_candidates(handler).exists()
    assert set(handover_candidates(colleague).values_list("reference", flat=True)) == set(refs(mine))


def test_a_closed_or_already_moved_incident_is_skipped_with_a_message(handler, colleague, mine):
    first, second, third = mine
    incident_close(incident=first, actor=handler, closure_code="crime_recorded")
    other = UserFactory(handler=True, username="other")
    incident_handover(actor=handler, to="other", references=[second.reference])
    result = incident_handover(actor=handler, to="colleague", references=[*refs(mine), "010199-9999"])
    assert result.handed_over == [third.reference]
    reasons = {ref: (code, reason) for ref, code, reason in result.skipped}
    assert reasons[first.reference][0] == "closed"
    assert "closed in the meantime" in reasons[first.reference][1]
    assert reasons[second.reference][0] == "not_yours"
    assert "owned by" in reasons[second.reference][1]
    assert reasons["010199-9999"][0] == "unknown"
    assert "no incident" in reasons["010199-9999"][1]
    second.refresh_from_db()
    assert second.owner == other
    assert not Incident.objects.get(pk=first.pk).entries.filter(kind=EntryKind.HANDED_OVER).exists()


@pytest.mark.parametrize(
    ("to", "message"),
    [("", "Select the colleague"), ("handler", "yourself"), ("nobody", "not an active handler")],
)
def test_a_bad_colleague_is_a_field_error_and_nothing_moves(handler, mine, to, message):
    with pytest.raises(ValidationError) as exc:
        incident_handover(actor=handler, to=to, references=refs(mine))
    assert message in exc.value.message_dict["to"][0]
    assert Incident.objects.filter(owner=handler).count() == 3


def test_a_colleague_of_another_team_or_an_analyst_cannot_receive(handler, mine):
    UserFactory(handler=True, username="red", team=TeamFactory(name="Red Watch"))
    UserFactory(analyst=True, username="numbers")
    for to in ("red", "numbers"):
        with pytest.raises(ValidationError) as exc:
            incident_handover(actor=handler, to=to, references=refs(mine))
        assert "to" in exc.value.message_dict


def test_no_references_is_a_field_error(handler, colleague):
    with pytest.raises(ValidationError) as exc:
        incident_handover(actor=handler, to="colleague", references=[])
    assert "references" in exc.value.message_dict


def test_an_analyst_cannot_hand_over(analyst, mine):
    with pytest.raises(PermissionDenied):
        incident_handover(actor=analyst, to="handler", references=refs(mine))


def test_a_supervisor_hands_over_a_team_members_incidents(supervisor, handler, colleague, mine):
    result = incident_handover(actor=supervisor, to="colleague", references=refs(mine))
    assert result.handed_over == refs(mine)


def test_another_handler_cannot_hand_over_my_incidents(handler, colleague, mine):
    result = incident_handover(actor=colleague, to="handler", references=refs(mine))
    assert result.handed_over == []
    assert len(result.skipped) == 3


def test_the_overdue_list_and_the_reminder_name_the_new_owner(supervisor_client, handler, colleague):
    overdue = make_incident(handler=handler, opened_at=timezone.now() - timedelta(hours=5))
    incident_handover(actor=handler, to="colleague", references=[overdue.reference])
    html = supervisor_client.get("/incidents/?status=open&overdue=true").content.decode()
    assert "Chris Colleague" in html
    rethrive_flag_overdue()
    reminder = overdue.entries.get(kind=EntryKind.RETHRIVE_DUE)
    assert "Chris Colleague" in reminder.text


# --- The API --------------------------------------------------------------------------------


def test_api_handover_answers_what_moved_and_what_was_skipped(api_client_for, handler, colleague, mine):
    incident_close(incident=mine[0], actor=handler, closure_code="crime_recorded")
    response = api_client_for(handler).post(
        "/api/incidents/handover/", {"to": "colleague", "references": refs(mine)}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["handed_over"] == refs(mine[1:])
    assert [(s["reference"], s["code"]) for s in body["skipped"]] == [(mine[0].reference, "closed")]
    detail = api_client_for(colleague).get(f"/api/incidents/{mine[1].reference}/").json()
    assert (detail["owner"], detail["handler"]) == ("colleague", "handler")
    listed = api_client_for(colleague).get("/api/incidents/?owner=colleague").json()
    assert {row["reference"] for row in listed["results"]} == set(refs(mine[1:]))


def test_api_handover_bad_body_is_400_naming_the_field(api_client_for, handler, colleague, mine):
    client = api_client_for(handler)
    no_refs = client.post("/api/incidents/handover/", {"to": "colleague", "references": []}, format="json")
    assert no_refs.status_code == 400
    assert "references" in no_refs.json()
    bad_to = client.post("/api/incidents/handover/", {"to": "nobody", "references": refs(mine)}, format="json")
    assert bad_to.status_code == 400
    assert "to" in bad_to.json()


@pytest.mark.parametrize("role", ["trainer", "analyst"])
def test_api_handover_by_other_roles_is_403(api_client_for, role, mine):
    response = api_client_for(UserFactory(**{role: True})).post(
        "/api/incidents/handover/", {"to": "handler", "references": refs(mine)}, format="json"
    )
    assert response.status_code == 403


# --- The pages ------------------------------------------------------------------------------


def test_the_home_page_offers_every_incident_ticked_and_the_team_to_choose_from(handler_client, colleague, mine):
    UserFactory(handler=True, username="red", full_name="Rita Red", team=TeamFactory(name="Red Watch"))
    html = handler_client.get("/").content.decode()
    assert "Hand over at the end of your shift" in html
    for incident in mine:
        assert f'value="{incident.reference}" checked' in html
    assert "Chris Colleague" in html
    assert "Rita Red" not in html


def test_posting_the_home_form_hands_over_and_says_so(handler_client, handler, colleague, mine):
    response = handler_client.post("/incidents/handover/", {"to": "colleague", "references": refs(mine[:2])})
    assert response.status_code == 302
    page = handler_client.get("/").content.decode()
    assert "2 incidents handed over" in page
    assert Incident.objects.filter(owner=colleague).count() == 2
    assert Incident.objects.get(pk=mine[2].pk).owner == handler


def test_a_closed_incident_on_the_form_is_skipped_with_a_warning(handler_client, handler, colleague, mine):
    incident_close(incident=mine[0], actor=handler, closure_code="crime_recorded")
    handler_client.post("/incidents/handover/", {"to": "colleague", "references": refs(mine)})
    page = handler_client.get("/").content.decode()
    assert f"Not handed over: {mine[0].reference}: it was closed" in page


def test_posting_without_a_colleague_shows_the_error_and_keeps_the_ticks(handler_client, mine):
    response = handler_client.post("/incidents/handover/", {"to": "", "references": [mine[0].reference]})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#f-handover-to"' in html
    assert f'value="{mine[0].reference}" checked' in html
    assert f'value="{mine[1].reference}" checked' not in html


def test_the_handover_page_is_refused_to_an_analyst(analyst_client):
    assert analyst_client.get("/incidents/handover/").status_code == 403


def test_the_home_page_costs_the_same_queries_however_many_incidents(
    handler_client, handler, colleague, django_assert_max_num_queries
):
    for _ in range(3):
        make_incident(handler=handler)
    with django_assert_max_num_queries(40) as few:
        handler_client.get("/")
    for _ in range(12):
        make_incident(handler=handler)
    with django_assert_max_num_queries(len(few.captured_queries)):
        handler_client.get("/")
