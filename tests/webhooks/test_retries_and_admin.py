"""The retry rules at their defaults (first retry within 60 s, a day of backoff, then failed
where administrators see it), giving up with the clock moved on, and the Django admin:
the secret shown once, deletion and "retry now" audited, the delivery log's query count."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from tests.factories import make_incident
from tests.webhooks.support import subscribe
from webhooks import rules
from webhooks.models import Delivery, DeliveryStatus, Subscription
from webhooks.services import WEBHOOKS, webhook_deliver

pytestmark = pytest.mark.django_db

DEAD = "http://127.0.0.1:9/events"  # the discard port: nothing listens


def test_the_default_schedule_retries_within_a_minute_then_for_at_least_a_day(settings):
    assert settings.WEBHOOK_TIMEOUT_SECONDS == 10
    assert rules.retry_in_seconds(1) <= 60
    start = timezone.now()
    at, attempts = start, 1
    while not rules.give_up(start, at):
        at += timedelta(seconds=rules.retry_in_seconds(attempts))
        attempts += 1
    assert at - start >= timedelta(hours=24)
    assert attempts < 60  # backoff, not a try every minute
    assert rules.delivered(200)
    assert rules.delivered(204)
    assert not any(rules.delivered(code) for code in (None, 199, 301, 400, 410, 500, 503))


def _pending_pair(handler):
    subscribe(DEAD)
    incident = make_incident(handler=handler, closed=True)
    first, second = Delivery.objects.filter(reference=incident.reference).order_by("event_id")
    return first, second


def test_a_failed_try_is_put_back_with_backoff_and_the_next_event_waits(handler, idle_queue):
    first, second = _pending_pair(handler)
    assert WEBHOOKS.claim(second.pk) is None  # not its turn: the incident's first is pending
    outcome = webhook_deliver(delivery_id=first.pk)
    assert (outcome.result, outcome.retry_in) == ("retry", 30)
    first.refresh_from_db()
    assert first.status == DeliveryStatus.PENDING
    assert first.attempts == 1
    assert first.next_attempt_at > timezone.now() + timedelta(seconds=25)
    assert "ConnectionRefusedError" in first.last_error
    assert webhook_deliver(delivery_id=second.pk).result == "skipped"


def test_a_day_after_the_first_try_a_failure_is_final_and_shown(handler, idle_queue, api_client_for, admin_user):
    first, second = _pending_pair(handler)
    # Move the clock: the first try was a day ago, and the delivery is due now.
    Delivery.objects.filter(pk=first.pk).update(first_attempt_at=timezone.now() - timedelta(hours=24, seconds=1))
    assert webhook_deliver(delivery_id=first.pk).result == "failed"
    first.refresh_from_db()
    assert first.status == DeliveryStatus.FAILED
    assert first.failed_at is not None
    assert first.last_error.startswith("gave up after 1 try: ")
    rows = api_client_for(admin_user).get(f"/api/webhooks/{first.subscription_id}/deliveries/").json()
    assert [r["status"] for r in rows] == ["pending", "failed"]
    assert rows[1]["next_attempt_at"] is None
    # The incident's next event is no longer held behind it.
    assert WEBHOOKS.claim(second.pk) is not None


def test_admins_retry_a_failed_delivery_now_from_the_admin(handler, idle_queue, admin_user, client_for):
    first, _ = _pending_pair(handler)
    Delivery.objects.filter(pk=first.pk).update(status=DeliveryStatus.FAILED, failed_at=timezone.now())
    client = client_for(admin_user)
    page = client.get("/admin/webhooks/delivery/?status__exact=failed")
    assert page.status_code == 200
    assert "Failed" in page.content.decode()
    response = client.post(
        "/admin/webhooks/delivery/", {"action": "retry_now", "_selected_action": [first.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "1 deliveries will be tried again now." in response.content.decode()
    first.refresh_from_db()
    assert (first.status, first.first_attempt_at, first.failed_at) == (DeliveryStatus.PENDING, None, None)
    assert first.next_attempt_at <= timezone.now()
    event = AuditEvent.objects.get(object_type="webhook_delivery", object_id=str(first.pk))
    assert (event.channel, event.actor) == ("admin", admin_user)


def test_a_delivered_one_is_not_retried(handler, idle_queue, admin_user, client_for):
    first, _ = _pending_pair(handler)
    Delivery.objects.filter(pk=first.pk).update(status=DeliveryStatus.DELIVERED)
    response = client_for(admin_user).post(
        "/admin/webhooks/delivery/", {"action": "retry_now", "_selected_action": [first.pk]}, follow=True
    )
    assert "0 deliveries will be tried again now. 1 were delivered already" in response.content.decode()
    assert not AuditEvent.objects.filter(object_type="webhook_delivery").exists()


def test_the_delivery_log_page_costs_the_same_however_long(
    handler, idle_queue, admin_user, client_for, django_assert_max_num_queries
):
    subscribe(DEAD)
    for _ in range(5):
        make_incident(handler=handler, closed=True)
    client = client_for(admin_user)
    with django_assert_max_num_queries(12):
        response = client.get("/admin/webhooks/delivery/")
    assert response.status_code == 200
    assert response.content.decode().count("An incident is closed") >= 5
    # Filtered by event type, named by its label.
    closed_only = client.get("/admin/webhooks/delivery/?type=incident.closed").content.decode()
    assert response.content.decode().count("An assessment is submitted") >= 6
    assert closed_only.count("An assessment is submitted") == 1  # the filter's choice alone
    assert closed_only.count("An incident is closed") >= 6  # five rows and the filter's choice


def test_the_admin_makes_a_subscription_and_shows_its_secret_once(admin_user, client_for):
    client = client_for(admin_user)
    response = client.post(
        "/admin/webhooks/subscription/add/",
        {"url": "https://cad.example.police.uk/in", "events": ["incident.closed"], "description": "STORM"},
        follow=True,
    )
    assert response.status_code == 200
    subscription = Subscription.objects.get()
    assert subscription.secret in response.content.decode()
    assert subscription.events == ["incident.closed"]
    assert subscription.secret not in client.get("/admin/webhooks/subscription/").content.decode()
    assert (
        subscription.secret
        not in client.get(f"/admin/webhooks/subscription/{subscription.pk}/change/").content.decode()
    )
    assert AuditEvent.objects.filter(object_type="webhook", channel="admin").count() == 1


def test_the_admin_refuses_plain_http_naming_the_address(admin_user, client_for):
    response = client_for(admin_user).post(
        "/admin/webhooks/subscription/add/",
        {"url": "http://cad.example.police.uk/in", "events": ["incident.closed"]},
    )
    assert response.status_code == 200
    assert "must start with https://" in response.content.decode()
    assert not Subscription.objects.exists()


def test_the_admin_deletes_through_the_service_with_its_log(admin_user, client_for, handler, idle_queue):
    subscription = subscribe("https://cad.example.police.uk/in")
    make_incident(handler=handler, closed=True)
    assert Delivery.objects.filter(subscription=subscription).count() == 2
    response = client_for(admin_user).post(
        f"/admin/webhooks/subscription/{subscription.pk}/delete/", {"post": "yes"}, follow=True
    )
    assert response.status_code == 200
    assert not Subscription.objects.exists()
    assert not Delivery.objects.exists()
    assert AuditEvent.objects.filter(object_type="webhook", channel="admin", description__contains="deleted").exists()
