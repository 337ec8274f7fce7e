"""API.md "Victims and texts", and the delivery-receipt callback."""

from datetime import timedelta

import pytest
from django.utils import timezone

from casework.services import assessment_record
from tests.factories import make_incident
from tests.victims.conftest import CALLBACK_TOKEN, texting_answers
from victims.models import Text, TextStatus
from victims.services import victim_link
from victims.texts import text_send

pytestmark = pytest.mark.django_db

RECEIPTS = "/api/texts/receipts/"


@pytest.fixture
def incident(handler):
    return make_incident(handler=handler)


def test_linking_a_victim_answers_201_with_the_repeat_check(handler, api_client_for):
    earlier = make_incident(handler=handler, opened_at=timezone.now() - timedelta(days=20))
    victim_link(incident=earlier, actor=handler, name="Jo Bloggs", phone="07700900999")
    incident = make_incident(handler=handler)
    response = api_client_for(handler).post(
        f"/api/incidents/{incident.reference}/victims/",
        {"name": "Jo Bloggs", "date_of_birth": "1985-03-27", "phone": "07700 900 999", "address": "", "postcode": ""},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["phone"] == "+447700900999"
    check = body["repeat_check"]
    assert check["previous_incidents"] == 1
    (match,) = check["matches"]
    assert match["reference"] == earlier.reference
    assert match["matched_on"] == ["phone"]
    assert match["opened_at"] == earlier.opened_at.isoformat()
    assert incident.victims.count() == 1


def test_the_victims_show_on_the_incident(handler, api_client_for, incident):
    victim_link(incident=incident, actor=handler, name="Jo Bloggs", phone="07700900999")
    body = api_client_for(handler).get(f"/api/incidents/{incident.reference}/").json()
    assert [v["name"] for v in body["victims"]] == ["Jo Bloggs"]
    assert body["victims"][0]["repeat_check"]["previous_incidents"] == 0


def test_linking_anonymously_is_401(client, incident):
    response = client.post(
        f"/api/incidents/{incident.reference}/victims/", {"name": "X"}, content_type="application/json"
    )
    assert response.status_code == 401


def test_linking_as_an_analyst_is_403(analyst, api_client_for, incident):
    response = api_client_for(analyst).post(
        f"/api/incidents/{incident.reference}/victims/", {"name": "X", "phone": "07700900999"}, format="json"
    )
    assert response.status_code == 403


def test_an_unknown_incident_is_404(handler, api_client_for):
    response = api_client_for(handler).post("/api/incidents/nope/victims/", {"name": "X"}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"phone": "07700900999"}, "name"),
        ({"name": "X", "phone": "12"}, "phone"),
        ({"name": "X", "date_of_birth": "27/03/1985"}, "date_of_birth"),
        ({"name": "X", "address": "1 High St", "postcode": "ZZZ"}, "postcode"),
        ({"name": "X"}, "phone"),
        ({"name": "X" * 200, "phone": "07700900999"}, "name"),
    ],
)
def test_bad_victim_input_is_400_naming_the_field(handler, api_client_for, incident, payload, field):
    response = api_client_for(handler).post(f"/api/incidents/{incident.reference}/victims/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not incident.victims.exists()


def test_a_non_object_body_is_400_not_500(handler, api_client_for, incident):
    response = api_client_for(handler).post(f"/api/incidents/{incident.reference}/victims/", [1, 2], format="json")
    assert response.status_code == 400


def test_the_outcome_endpoint_records_it(handler, api_client_for, incident):
    victim = victim_link(incident=incident, actor=handler, name="Jo", phone="07700900999")
    client = api_client_for(handler)
    assert client.post(f"/api/victims/{victim.pk}/outcome/", {"outcome": "maybe"}, format="json").status_code == 400
    response = client.post(f"/api/victims/{victim.pk}/outcome/", {"outcome": "not_repeat"}, format="json")
    assert response.status_code == 200
    assert response.json()["repeat_check"]["outcome"] == "not_repeat"


def test_texts_list_exactly_as_api_md(handler, api_client_for, incident, settings):
    settings.TEXT_GATEWAY = "console"
    assessment_record(incident=incident, author=handler, data=texting_answers(), submit=True)
    text = Text.objects.get()
    client = api_client_for(handler)
    (row,) = client.get(f"/api/incidents/{incident.reference}/texts/").json()
    assert {"id", "status", "link", "attempts", "sent_at"} <= set(row)
    assert (row["id"], row["status"], row["attempts"], row["sent_at"]) == (text.pk, "queued", 0, None)
    text_send(text_id=text.pk)
    (row,) = client.get(f"/api/incidents/{incident.reference}/texts/").json()
    assert row["status"] == "sent"
    assert row["attempts"] == 1
    assert row["sent_at"]
    assert client.get(f"/api/incidents/{incident.reference}/").json()["texts"] == [row]


def test_texts_anonymous_401_and_wrong_role_403(client, trainer, api_client_for, incident):
    assert client.get(f"/api/incidents/{incident.reference}/texts/").status_code == 401
    assert api_client_for(trainer).get(f"/api/incidents/{incident.reference}/texts/").status_code == 403


@pytest.fixture
def sent_text(handler, incident, settings):
    settings.TEXT_GATEWAY = "console"
    assessment_record(incident=incident, author=handler, data=texting_answers(), submit=True)
    text = Text.objects.get()
    text_send(text_id=text.pk)
    return text


def _receipt(client, text_id, status="delivered", token=CALLBACK_TOKEN):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return client.post(
        RECEIPTS,
        {"id": "abc", "reference": str(text_id), "status": status, "to": "07700900123"},
        content_type="application/json",
        **headers,
    )


def test_a_delivery_receipt_moves_the_text_to_delivered(client, sent_text):
    response = _receipt(client, sent_text.pk)
    assert response.status_code == 200
    assert response.json()["status"] == "delivered"
    sent_text.refresh_from_db()
    assert sent_text.status == TextStatus.DELIVERED
    assert sent_text.delivered_at
    assert sent_text.incident.entries.filter(kind="text_delivered").count() == 1
    # Notify may repeat itself: nothing changes the second time.
    assert _receipt(client, sent_text.pk).status_code == 200
    assert sent_text.incident.entries.filter(kind="text_delivered").count() == 1


@pytest.mark.parametrize("status", ["permanent-failure", "temporary-failure", "technical-failure"])
def test_a_failure_receipt_moves_the_text_to_failed(client, sent_text, status):
    assert _receipt(client, sent_text.pk, status=status).status_code == 200
    sent_text.refresh_from_db()
    assert sent_text.status == TextStatus.FAILED


def test_a_receipt_after_delivery_cannot_fail_it(client, sent_text):
    _receipt(client, sent_text.pk)
    _receipt(client, sent_text.pk, status="permanent-failure")
    sent_text.refresh_from_db()
    assert sent_text.status == TextStatus.DELIVERED


def test_a_receipt_with_a_status_we_do_not_know_changes_nothing_and_is_logged(client, sent_text, caplog):
    with caplog.at_level("WARNING", logger="victims.texts"):
        assert _receipt(client, sent_text.pk, status="some-new-failure").status_code == 200
    sent_text.refresh_from_db()
    assert sent_text.status == TextStatus.SENT
    assert f"Text {sent_text.pk}: delivery receipt with unknown status 'some-new-failure'" in caplog.text


def test_an_unknown_reference_is_404(client, sent_text):
    assert _receipt(client, 999999).status_code == 404
    assert _receipt(client, "not-ours").status_code == 404


@pytest.mark.parametrize("token", [None, "wrong", ""])
def test_a_bad_or_missing_token_is_401_and_changes_nothing(client, sent_text, token):
    assert _receipt(client, sent_text.pk, token=token).status_code == 401
    sent_text.refresh_from_db()
    assert sent_text.status == TextStatus.SENT


def test_with_no_token_configured_every_receipt_is_refused(client, sent_text, settings):
    settings.NOTIFY_CALLBACK_TOKEN = ""
    assert _receipt(client, sent_text.pk, token="").status_code == 401


def test_a_malformed_receipt_is_400(client, sent_text):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {CALLBACK_TOKEN}"}
    assert client.post(RECEIPTS, [1], content_type="application/json", **headers).status_code == 400
    assert client.post(RECEIPTS, {"status": "delivered"}, content_type="application/json", **headers).status_code == 400
    assert client.post(RECEIPTS, "{", content_type="application/json", **headers).status_code == 400


def test_creating_changing_and_reading_a_victim_is_audited(handler, api_client_for, incident):
    from audit.models import AuditEvent

    client = api_client_for(handler)
    victim_id = client.post(
        f"/api/incidents/{incident.reference}/victims/", {"name": "Jo", "phone": "07700900999"}, format="json"
    ).json()["id"]
    client.post(f"/api/victims/{victim_id}/outcome/", {"outcome": "repeat"}, format="json")
    client.get(f"/api/incidents/{incident.reference}/victims/")
    events = AuditEvent.objects.filter(object_type="victim", object_id=str(victim_id)).order_by("id")
    assert [e.action for e in events] == ["collect", "alter", "disclose"]
    assert {e.actor_username for e in events} == {handler.username}
