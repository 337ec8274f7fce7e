"""Delivery end to end: a real Celery worker posts each event to a real local receiver,
signed per Standard Webhooks (verified here with the standardwebhooks package); a non-2xx
answer or none in time is retried by the worker alone with the same webhook-id; a dead or
hanging receiver costs the handler's request nothing."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from standardwebhooks import Webhook

from tests.factories import complete_answers, make_incident
from tests.webhooks.support import subscribe, wait_for
from webhooks.models import Delivery, DeliveryStatus, Event

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _submit(api_client_for, handler, incident):
    response = api_client_for(handler).post(
        f"/api/incidents/{incident.reference}/assessments/", {"submit": True, **complete_answers()}, format="json"
    )
    assert response.status_code == 201, response.content
    return response


def _delivery(event_type="assessment.submitted"):
    return Delivery.objects.select_related("event").get(event__type=event_type)


def test_a_worker_delivers_the_event_signed(webhook_worker, receiver, api_client_for, handler):
    subscription = subscribe(receiver.url)
    incident = make_incident(handler=handler)
    _submit(api_client_for, handler, incident)
    assert wait_for(lambda: receiver.delivered()), webhook_worker.log.name
    (got,) = receiver.delivered()
    event = Event.objects.get(type="assessment.submitted")
    assert got["path"] == "/events"
    assert got["headers"]["webhook-id"] == event.webhook_id
    assert got["headers"]["webhook-signature"].startswith("v1,")
    assert got["headers"]["Content-Type"] == "application/json"
    # The receiver's check: the package verifies the signature with the secret.
    assert Webhook(subscription.secret).verify(got["body"], got["headers"]) == got["json"]
    assert got["json"]["type"] == "assessment.submitted"
    assert got["json"]["data"]["reference"] == incident.reference
    # Another secret does not verify it.
    other = subscribe(receiver.url, ["incident.closed"])
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(other.secret).verify(got["body"], got["headers"])
    assert wait_for(lambda: _delivery().status == DeliveryStatus.DELIVERED)
    delivery = _delivery()
    assert (delivery.attempts, delivery.last_status_code) == (1, 200)


def test_a_refusal_is_retried_by_the_worker_with_the_same_webhook_id(webhook_worker, receiver, api_client_for, handler):
    subscription = subscribe(receiver.url)
    receiver.answers = [500, 410]
    _submit(api_client_for, handler, make_incident(handler=handler))
    assert wait_for(lambda: _delivery().status == DeliveryStatus.DELIVERED, timeout=30), webhook_worker.log.name
    tries = receiver.received
    assert [t["status"] for t in tries] == [500, 410, 200]
    assert len({t["headers"]["webhook-id"] for t in tries}) == 1
    for attempt in tries:  # each try is signed afresh, and verifies
        Webhook(subscription.secret).verify(attempt["body"], attempt["headers"])
    delivery = _delivery()
    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (3, 200, "")


def test_no_answer_in_time_is_retried(webhook_worker, receiver, api_client_for, handler):
    subscribe(receiver.url)
    receiver.hang = 4  # the worker gives up on an answer after 2 s (10 s in production)
    _submit(api_client_for, handler, make_incident(handler=handler))
    assert wait_for(lambda: receiver.received, timeout=15)
    receiver.hang = 0
    assert wait_for(lambda: _delivery().status == DeliveryStatus.DELIVERED, timeout=30), webhook_worker.log.name
    assert _delivery().attempts == 2
    assert len({t["headers"]["webhook-id"] for t in receiver.received}) == 1


def _timed_submit(api_client_for, handler):
    incident = make_incident(handler=handler)
    client = api_client_for(handler)
    with CaptureQueriesContext(connection) as queries:
        started = time.monotonic()
        response = client.post(
            f"/api/incidents/{incident.reference}/assessments/", {"submit": True, **complete_answers()}, format="json"
        )
        took = time.monotonic() - started
    assert response.status_code == 201
    return took, len(queries)


def test_a_dead_or_hanging_receiver_never_slows_a_submission(webhook_worker, receiver, api_client_for, handler):
    subscription = subscribe(receiver.url)
    took_live, queries_live = _timed_submit(api_client_for, handler)
    assert wait_for(lambda: receiver.delivered())
    # The receiver hangs for 20 s on every request: the worker waits, the handler does not.
    receiver.hang = 20
    took_hanging, queries_hanging = _timed_submit(api_client_for, handler)
    assert wait_for(lambda: len(receiver.received) >= 1 and Delivery.objects.filter(attempts__gte=1).count() >= 2)
    took_hanging_again, _ = _timed_submit(api_client_for, handler)
    # Nobody listens at all.
    receiver.hang = 0
    receiver.stop()
    took_dead, queries_dead = _timed_submit(api_client_for, handler)
    receiver.start()
    assert queries_live == queries_hanging == queries_dead
    assert max(took_hanging, took_hanging_again, took_dead) < 2.0, (took_live, took_hanging, took_dead)
    assert Delivery.objects.filter(subscription=subscription).count() == 4
