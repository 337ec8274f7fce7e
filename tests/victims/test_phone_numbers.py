"""Every door that takes a phone number reads it the one way (config.phones): the victim page
and API, the assessment page and API's prevention phone. The same number typed differently is
the same number everywhere; a number with non-ASCII digits is refused everywhere."""

import pytest
from django.urls import reverse

from tests.factories import make_incident
from tests.victims.conftest import texting_answers
from thrive.models import Assessment
from victims.models import Text, Victim

pytestmark = pytest.mark.django_db

MOBILE = "+447700900123"
ACCEPTED = ["07700 900123", "447700900123", "0044 7700 900123", "+44 (0)7700 900123", "+44 7700-900-123"]
REFUSED = ["07700９00123", "+447700９00123", "07700 90012", "+44 07700 900123"]


@pytest.fixture
def incident(handler):
    return make_incident(handler=handler)


def _form_data(answers):
    """The browser's POST of these answers (nested fields joined with __)."""
    data = {}
    for key, value in answers.items():
        for name, item in value.items() if isinstance(value, dict) else [(None, value)]:
            field = f"{key}__{name}" if name else key
            data[field] = {True: "true", False: "false", None: ""}.get(item, item) if isinstance(item, bool) else item
    return {k: str(v) for k, v in data.items() if v not in ("", None)}


# --- victims -------------------------------------------------------------------------------------


@pytest.mark.parametrize("phone", ACCEPTED)
def test_the_victim_api_reads_each_written_form_as_the_one_number(handler, api_client_for, incident, phone):
    response = api_client_for(handler).post(
        f"/api/incidents/{incident.reference}/victims/", {"name": "Jo Bloggs", "phone": phone}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["phone"] == MOBILE
    assert Victim.objects.get().phone_e164 == MOBILE


@pytest.mark.parametrize("phone", REFUSED)
def test_the_victim_api_refuses_a_number_it_cannot_read_naming_the_phone(handler, api_client_for, incident, phone):
    response = api_client_for(handler).post(
        f"/api/incidents/{incident.reference}/victims/", {"name": "Jo Bloggs", "phone": phone}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["phone"] == ["Enter a UK phone number, like 07700 900123 or 01632 960001"]
    assert not Victim.objects.exists()


@pytest.mark.parametrize("phone", ["+44 (0)7700 900123", "447700900123"])
def test_the_victim_page_reads_each_written_form_as_the_one_number(handler_client, incident, phone):
    response = handler_client.post(f"/victims/incidents/{incident.reference}/link/", {"name": "Jo", "phone": phone})
    assert response.status_code == 302
    assert Victim.objects.get().phone_e164 == MOBILE


def test_the_victim_page_refuses_non_ascii_digits_with_the_message(handler_client, incident):
    response = handler_client.post(
        f"/victims/incidents/{incident.reference}/link/", {"name": "Jo", "phone": "07700９00123"}
    )
    assert response.status_code == 400
    assert "Enter a UK phone number, like 07700 900123 or 01632 960001" in response.content.decode()
    assert not Victim.objects.exists()


# --- the prevention text's number ------------------------------------------------------------------


@pytest.mark.parametrize("phone", ACCEPTED)
def test_the_assessment_api_texts_each_written_form_to_the_one_number(handler, api_client_for, incident, phone):
    response = api_client_for(handler).post(
        f"/api/incidents/{incident.reference}/assessments/", {"submit": True, **texting_answers(phone)}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert Text.objects.get().phone == MOBILE


@pytest.mark.parametrize("phone", REFUSED)
def test_the_assessment_api_refuses_a_number_it_cannot_read_and_texts_nobody(handler, api_client_for, incident, phone):
    response = api_client_for(handler).post(
        f"/api/incidents/{incident.reference}/assessments/", {"submit": True, **texting_answers(phone)}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["prevention"] == ["Victim's mobile number: Enter a UK mobile number, like 07700 900123"]
    assert not Text.objects.exists()
    assert not Assessment.objects.exists()


def test_the_assessment_page_texts_plus_44_bracket_0_to_the_one_number(handler_client, incident):
    url = reverse("thrive:assessment-submit", kwargs={"reference": incident.reference})
    response = handler_client.post(url, _form_data(texting_answers("+44 (0)7700 900123")))
    assert response.status_code == 302
    assert Text.objects.get().phone == MOBILE


def test_the_assessment_page_refuses_non_ascii_digits_and_texts_nobody(handler_client, incident):
    url = reverse("thrive:assessment-submit", kwargs={"reference": incident.reference})
    response = handler_client.post(url, _form_data(texting_answers("07700９00123")))
    assert response.status_code == 400
    assert "Enter a UK mobile number, like 07700 900123" in response.content.decode()
    assert not Text.objects.exists()


def test_a_victims_number_and_the_number_texted_are_the_same_however_each_was_typed(handler, api_client_for, incident):
    api = api_client_for(handler)
    api.post(f"/api/incidents/{incident.reference}/victims/", {"name": "Jo", "phone": "447700900123"}, format="json")
    api.post(
        f"/api/incidents/{incident.reference}/assessments/",
        {"submit": True, **texting_answers("+44 (0)7700 900123")},
        format="json",
    )
    assert Victim.objects.get().phone_e164 == Text.objects.get().phone


def test_a_text_queued_with_a_number_the_reading_refuses_fails_and_is_never_sent(handler, incident, fake_notify):
    """A row queued before non-ASCII digits were refused is failed at the send, not sent on."""
    from casework.services import assessment_record
    from victims.models import TextStatus
    from victims.texts import text_send

    assessment_record(incident=incident, author=handler, data=texting_answers(), submit=True)
    Text.objects.update(phone="+447700９00123")
    text = Text.objects.get()
    assert text_send(text_id=text.pk).result == "failed"
    assert fake_notify.requests == []
    text.refresh_from_db()
    assert text.status == TextStatus.FAILED
    assert "not a UK mobile" in text.last_error
