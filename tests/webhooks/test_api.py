"""API.md "Webhooks": administrators make, list and delete subscriptions and read their
delivery log; every other role is refused; bad input is a 400 naming the field."""

import base64

import pytest

from audit.models import AuditEvent
from tests.factories import UserFactory
from webhooks.models import Subscription
from webhooks.rules import EVENT_TYPES

pytestmark = pytest.mark.django_db

GOOD = {"url": "https://cad.example.police.uk/thrive", "events": ["assessment.submitted"], "description": "STORM"}


@pytest.fixture
def admin_api(api_client_for, admin_user):
    return api_client_for(admin_user)


def test_an_admin_makes_a_subscription_and_sees_its_secret_once(admin_api, admin_user):
    response = admin_api.post("/api/webhooks/", GOOD, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["url"] == GOOD["url"]
    assert body["events"] == ["assessment.submitted"]
    assert body["secret"].startswith("whsec_")
    assert len(base64.b64decode(body["secret"].removeprefix("whsec_"))) == 32
    assert Subscription.objects.get(pk=body["id"]).secret == body["secret"]
    # Never shown again: not in the list.
    listed = admin_api.get("/api/webhooks/").json()
    assert [s["id"] for s in listed] == [body["id"]]
    assert "secret" not in listed[0]
    assert body["secret"] not in admin_api.get("/api/webhooks/").content.decode()
    # Audited by the service, without the secret.
    event = AuditEvent.objects.get(object_type="webhook", object_id=str(body["id"]))
    assert event.actor == admin_user
    assert event.channel == "api"
    assert body["secret"] not in event.description


def test_two_subscriptions_get_different_secrets(admin_api):
    first = admin_api.post("/api/webhooks/", GOOD, format="json").json()["secret"]
    second = admin_api.post("/api/webhooks/", GOOD, format="json").json()["secret"]
    assert first != second


def test_an_admin_deletes_a_subscription(admin_api):
    made = admin_api.post("/api/webhooks/", GOOD, format="json").json()
    assert admin_api.delete(f"/api/webhooks/{made['id']}/").status_code == 204
    assert not Subscription.objects.filter(pk=made["id"]).exists()
    assert admin_api.get(f"/api/webhooks/{made['id']}/deliveries/").status_code == 404
    assert admin_api.delete(f"/api/webhooks/{made['id']}/").status_code == 404
    assert AuditEvent.objects.filter(object_type="webhook", object_id=str(made["id"])).count() == 2


@pytest.mark.parametrize("role", ["handler", "supervisor", "trainer", "analyst"])
def test_every_other_role_is_refused(api_client_for, role, admin_api):
    made = admin_api.post("/api/webhooks/", GOOD, format="json").json()
    client = api_client_for(UserFactory(**{role: True}))
    assert client.get("/api/webhooks/").status_code == 403
    assert client.post("/api/webhooks/", GOOD, format="json").status_code == 403
    assert client.delete(f"/api/webhooks/{made['id']}/").status_code == 403
    assert client.get(f"/api/webhooks/{made['id']}/deliveries/").status_code == 403
    assert Subscription.objects.count() == 1


def test_signed_out_is_401():
    from rest_framework.test import APIClient

    assert APIClient().get("/api/webhooks/").status_code == 401
    assert APIClient().post("/api/webhooks/", GOOD, format="json").status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"url": "http://cad.example.police.uk/thrive"}, "url"),
        ({"url": "ftp://cad.example.police.uk/thrive"}, "url"),
        ({"url": "not a web address"}, "url"),
        ({"url": "https://"}, "url"),
        ({"url": "https://user:pw@cad.example.police.uk/"}, "url"),
        ({"url": "https://cad.example.police.uk:notaport/"}, "url"),
        ({"url": "https://cad.example.police.uk/" + "a" * 600}, "url"),
        ({"url": ""}, "url"),
        ({"url": None}, "url"),
        ({"url": "https://cad.example.police.uk/\x00"}, "url"),
        ({"url": "https://cad.example.police.uk/a b"}, "url"),
        ({"url": "https://cad.example.police.uk/\u202e"}, "url"),
        ({"events": ["assessment.deleted"]}, "events"),
        ({"events": []}, "events"),
        ({"events": "assessment.submitted"}, "events"),
        ({"events": [{"type": "incident.closed"}]}, "events"),
        ({"description": "a" * 301}, "description"),
        ({"description": "bad \u202e text"}, "description"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(admin_api, change, field):
    response = admin_api.post("/api/webhooks/", {**GOOD, **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Subscription.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="webhook").exists()


def test_a_body_that_is_not_an_object_is_a_400(admin_api):
    assert admin_api.post("/api/webhooks/", ["x"], format="json").status_code == 400
    assert Subscription.objects.count() == 0


def test_a_missing_field_is_named(admin_api):
    response = admin_api.post("/api/webhooks/", {"description": "x"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"url", "events"}


def test_plain_http_is_allowed_only_to_the_hosts_in_the_setting(admin_api, settings):
    for url in ("http://127.0.0.1:8001/events", "http://localhost/events"):
        assert admin_api.post("/api/webhooks/", {**GOOD, "url": url}, format="json").status_code == 201
    assert (
        admin_api.post("/api/webhooks/", {**GOOD, "url": "http://adapter.force.local/"}, format="json").status_code
        == 400
    )
    settings.WEBHOOK_HTTP_HOSTS = ["adapter.force.local"]
    assert (
        admin_api.post("/api/webhooks/", {**GOOD, "url": "http://adapter.force.local/"}, format="json").status_code
        == 201
    )
    assert admin_api.post("/api/webhooks/", {**GOOD, "url": "http://127.0.0.1/"}, format="json").status_code == 400


def test_the_events_are_kept_in_the_contracts_order_once_each(admin_api):
    events = ["text.status_changed", "assessment.submitted", "text.status_changed"]
    body = admin_api.post("/api/webhooks/", {**GOOD, "events": events}, format="json").json()
    assert body["events"] == ["assessment.submitted", "text.status_changed"]


def test_unknown_subscription_is_404(admin_api):
    assert admin_api.get("/api/webhooks/999999/deliveries/").status_code == 404
    assert admin_api.delete("/api/webhooks/999999/").status_code == 404


def test_the_delivery_log_lists_each_delivery_in_a_fixed_number_of_queries(
    admin_api, django_assert_max_num_queries, handler, idle_queue
):
    from tests.factories import make_incident

    made = admin_api.post("/api/webhooks/", {**GOOD, "events": list(EVENT_TYPES)}, format="json").json()
    for _ in range(3):
        make_incident(handler=handler, closed=True)
    with django_assert_max_num_queries(4):
        response = admin_api.get(f"/api/webhooks/{made['id']}/deliveries/")
    rows = response.json()
    assert len(rows) == 6  # each incident: submitted, closed
    assert {r["type"] for r in rows} == {"assessment.submitted", "incident.closed"}
    assert set(rows[0]) == {
        "event_id",
        "type",
        "reference",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
    }
    assert all(r["status"] == "pending" and r["attempts"] == 0 and r["last_status_code"] is None for r in rows)
    assert all(r["event_id"].startswith("msg_") for r in rows)
