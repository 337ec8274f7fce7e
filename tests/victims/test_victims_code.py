"""Rule 14, the Victims' Code: what a victim of crime was told and offered, recorded per
victim through the one service (victims.victims_code), shown and recorded on the victim's
page and through the API, and audited."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import Action, AuditEvent
from casework.services import assessment_record
from config.errors import Blocked
from incidents.models import Category, EntryKind
from tests.factories import make_incident
from tests.victims.conftest import texting_answers
from victims.models import Victim
from victims.services import victim_link
from victims.victims_code import victims_code_applies, victims_code_met, victims_code_record

pytestmark = pytest.mark.django_db

ALL_GIVEN = {"told_what_happens_next": "yes", "written_acknowledgement_offered": "yes", "support_information": "yes"}


@pytest.fixture
def victim(handler):
    incident = make_incident(handler=handler, category="burglary_dwelling")
    return victim_link(incident=incident, actor=handler, name="Ann Smith", phone="07700 900123")


def test_the_seeded_categories_say_which_are_crimes():
    crimes = set(Category.objects.filter(crime=True).values_list("code", flat=True))
    assert {"burglary_dwelling", "theft", "domestic_abuse"} <= crimes
    assert not {"asb", "concern_for_safety"} & crimes


def test_the_code_applies_to_victims_of_crime_only(handler, victim):
    asb = make_incident(handler=handler, category="asb")
    other = victim_link(incident=asb, actor=handler, name="Bob Jones", phone="07700 900124")
    assert victims_code_applies(victim) is True
    assert victims_code_applies(other) is False


def test_recording_the_answers_saves_them_logs_and_audits(handler, victim):
    victims_code_record(victim=victim, actor=handler, **ALL_GIVEN)
    victim.refresh_from_db()
    assert (victim.told_what_happens_next, victim.written_acknowledgement_offered, victim.support_information) == (
        "yes",
        "yes",
        "yes",
    )
    assert victim.victims_code_by == handler
    assert victim.victims_code_at is not None
    assert victims_code_met(victim) is True
    entry = victim.incident.entries.filter(kind=EntryKind.VICTIMS_CODE).get()
    assert f"victim V{victim.pk}" in entry.text
    assert "Ann Smith" not in entry.text
    audit = AuditEvent.objects.filter(object_type="victim", object_id=str(victim.pk), action=Action.ALTER).get()
    assert audit.actor == handler


def test_a_no_is_recorded_and_is_not_met(handler, victim):
    victims_code_record(victim=victim, actor=handler, **{**ALL_GIVEN, "written_acknowledgement_offered": "no"})
    victim.refresh_from_db()
    assert victim.written_acknowledgement_offered == "no"
    assert victims_code_met(victim) is False


def test_every_answer_is_required_and_named(handler, victim):
    with pytest.raises(ValidationError) as exc:
        victims_code_record(
            victim=victim,
            actor=handler,
            told_what_happens_next="",
            written_acknowledgement_offered="maybe",
            support_information="",
        )
    assert set(exc.value.message_dict) == {
        "told_what_happens_next",
        "written_acknowledgement_offered",
        "support_information",
    }
    victim.refresh_from_db()
    assert victim.victims_code_at is None
    assert not AuditEvent.objects.filter(object_type="victim", action=Action.ALTER).exists()


def test_the_prevention_text_counts_only_when_one_went_to_the_victims_number(handler, victim):
    with pytest.raises(ValidationError) as exc:
        victims_code_record(victim=victim, actor=handler, **{**ALL_GIVEN, "support_information": "text"})
    assert "support_information" in exc.value.message_dict
    assessment_record(incident=victim.incident, author=handler, data=texting_answers("07700 900123"), submit=True)
    victims_code_record(victim=victim, actor=handler, **{**ALL_GIVEN, "support_information": "text"})
    victim.refresh_from_db()
    assert victim.support_information == "text"
    assert victims_code_met(victim) is True


def test_a_text_to_another_number_does_not_count(handler, victim):
    assessment_record(incident=victim.incident, author=handler, data=texting_answers("07700 900999"), submit=True)
    with pytest.raises(ValidationError):
        victims_code_record(victim=victim, actor=handler, **{**ALL_GIVEN, "support_information": "text"})


def test_recording_for_a_victim_of_no_crime_is_refused(handler):
    incident = make_incident(handler=handler, category="concern_for_safety")
    other = victim_link(incident=incident, actor=handler, name="Bob Jones", phone="07700 900124")
    with pytest.raises(Blocked) as exc:
        victims_code_record(victim=other, actor=handler, **ALL_GIVEN)
    assert exc.value.code == "not_a_crime"
    assert Victim.objects.get(pk=other.pk).victims_code_at is None


def test_the_month_a_victim_was_linked_is_stored(victim):
    assert victim.linked_month is not None
    assert victim.linked_month.day == 1


# --- The API --------------------------------------------------------------------------------


def test_the_api_records_the_answers_and_shows_them_on_the_victim(handler, api_client_for, victim):
    client = api_client_for(handler)
    response = client.post(f"/api/victims/{victim.pk}/victims-code/", ALL_GIVEN, format="json")
    assert response.status_code == 200, response.content
    code = response.json()["victims_code"]
    assert code["applies"] is True
    assert code["met"] is True
    assert code["told_what_happens_next"] == "yes"
    assert code["recorded_by"] == handler.username
    body = client.get(f"/api/incidents/{victim.incident.reference}/").json()
    assert body["victims"][0]["victims_code"]["support_information"] == "yes"


def test_the_api_names_a_bad_answer_with_400(handler, api_client_for, victim):
    response = api_client_for(handler).post(
        f"/api/victims/{victim.pk}/victims-code/", {**ALL_GIVEN, "support_information": "maybe"}, format="json"
    )
    assert response.status_code == 400
    assert "support_information" in response.json()


def test_the_api_refuses_a_text_that_was_never_asked_for_with_400(handler, api_client_for, victim):
    response = api_client_for(handler).post(
        f"/api/victims/{victim.pk}/victims-code/", {**ALL_GIVEN, "support_information": "text"}, format="json"
    )
    assert response.status_code == 400
    assert "support_information" in response.json()


def test_the_api_answers_409_for_a_victim_of_no_crime(handler, api_client_for):
    incident = make_incident(handler=handler, category="asb")
    other = victim_link(incident=incident, actor=handler, name="Bob Jones", phone="07700 900124")
    response = api_client_for(handler).post(f"/api/victims/{other.pk}/victims-code/", ALL_GIVEN, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "not_a_crime"


def test_the_api_refuses_anonymous_and_other_roles(client, analyst, api_client_for, victim):
    url = f"/api/victims/{victim.pk}/victims-code/"
    assert client.post(url, ALL_GIVEN, content_type="application/json").status_code == 401
    assert api_client_for(analyst).post(url, ALL_GIVEN, format="json").status_code == 403


def test_the_api_answers_404_for_an_unknown_victim(handler, api_client_for):
    assert (
        api_client_for(handler).post("/api/victims/999999/victims-code/", ALL_GIVEN, format="json").status_code == 404
    )


# --- The pages ------------------------------------------------------------------------------


def test_the_victims_page_shows_the_code_questions_with_labels(handler_client, victim):
    page = handler_client.get(f"/victims/{victim.pk}/").content.decode()
    assert "Victims&#x27; Code" in page or "Victims' Code" in page
    assert "told what happens next" in page
    assert "Yes, by the prevention text" in page


def test_the_page_records_the_answers_and_goes_back_to_the_incident(handler_client, victim):
    response = handler_client.post(f"/victims/{victim.pk}/victims-code/", ALL_GIVEN)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/incidents/{victim.incident.reference}/#victims")
    victim.refresh_from_db()
    assert victim.victims_code_at is not None
    page = handler_client.get(f"/incidents/{victim.incident.reference}/").content.decode()
    assert "All three given" in page


def test_the_page_shows_each_missing_answer_as_an_error(handler_client, victim):
    response = handler_client.post(f"/victims/{victim.pk}/victims-code/", {"told_what_happens_next": "yes"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "#f-code-acknowledgement" in page
    assert "#f-code-support" in page


def test_the_page_says_the_code_does_not_apply_to_a_victim_of_no_crime(handler, handler_client):
    incident = make_incident(handler=handler, category="asb")
    other = victim_link(incident=incident, actor=handler, name="Bob Jones", phone="07700 900124")
    page = handler_client.get(f"/victims/{other.pk}/").content.decode()
    assert "not recorded as a crime" in page
    assert handler_client.post(f"/victims/{other.pk}/victims-code/", ALL_GIVEN).status_code == 409


def test_the_page_refuses_other_roles(trainer_client, victim):
    assert trainer_client.post(f"/victims/{victim.pk}/victims-code/", ALL_GIVEN).status_code == 403
