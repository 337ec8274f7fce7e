"""Faults that must lose no webhook event (issue 16), with a real Celery worker posting to a
real local receiver and the signatures checked with the standardwebhooks package:

- the receiver down "for an hour" (here: seconds, with the worker's backoff compressed to
  match), then back: every event arrives, once per webhook-id, in order per incident;
- Redis down while assessments are submitted: the handler still gets 201, the events wait
  in the outbox, and the texts' sweep hands them over once Redis is back.
"""

import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from casework.services import assessment_record, incident_close
from config.celery import app
from tests.factories import complete_answers, make_incident
from tests.victims.conftest import RedisServer, Worker, _reset_producers
from tests.webhooks.support import FAST_RETRIES, subscribe, wait_for
from victims.tasks import text_sweep
from webhooks.models import Delivery, DeliveryStatus, Event

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _assert_each_event_once_in_order(receiver: Any, subscription: Any) -> None:
    got = receiver.delivered()
    events = list(Event.objects.order_by("id").values_list("webhook_id", "reference"))
    # Every event arrived, once (a retry repeats an id only when its try was not answered 2xx).
    assert sorted(g["id"] for g in got) == sorted(webhook_id for webhook_id, _ in events)
    for attempt in receiver.received:
        Webhook(subscription.secret).verify(attempt["body"], attempt["headers"])
    # In order per incident: the receiver saw each incident's events in the order they happened.
    seen: dict[str, list[str]] = defaultdict(list)
    for g in got:
        seen[g["json"]["data"]["reference"]].append(g["id"])
    made: dict[str, list[str]] = defaultdict(list)
    for webhook_id, reference in events:
        made[reference].append(webhook_id)
    assert seen == made
    assert not Delivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists()


def test_the_receiver_down_for_an_hour_then_back_gets_every_event_once_in_order(webhook_worker, receiver, handler):
    subscription = subscribe(receiver.url)
    receiver.stop()
    incidents = [make_incident(handler=handler) for _ in range(3)]
    for version in range(2):
        for incident in incidents:
            answers = complete_answers(risk_level=["high", "medium"][version])
            assessment_record(incident=incident, author=handler, data=answers, submit=True)
    for incident in incidents:
        incident_close(incident=incident, actor=handler, closure_code="crime_recorded")
    assert Delivery.objects.count() == 9
    # "The hour": the worker keeps trying the first event of each incident; the later ones wait.
    assert wait_for(lambda: Delivery.objects.filter(attempts__gte=3).count() == 3, timeout=30), webhook_worker.log.name
    heads = Delivery.objects.filter(attempts__gte=1)
    assert {d.event.type for d in heads} == {"assessment.submitted"}
    assert Delivery.objects.filter(attempts=0).count() == 6  # waiting their turn, untried
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
    assert {d.last_error[:25] for d in heads} == {"ConnectionRefusedError: ["}

    receiver.start()
    assert wait_for(lambda: Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 9, timeout=60), (
        webhook_worker.log.name
    )
    _assert_each_event_once_in_order(receiver, subscription)


@pytest.fixture
def own_redis_worker(idle_queue: str, _webhook_worker: Worker) -> Iterator[tuple[RedisServer, Worker]]:
    """A redis-server of the test's own, this process publishing to it, and a webhook
    worker consuming from it (the session's worker only sets up the test database first)."""
    server = RedisServer()
    server.start()
    old = app.conf.broker_url
    _reset_producers()
    app.conf.broker_url = server.url
    worker = Worker(
        gateway="console",
        notify_url="http://127.0.0.1:9",
        redis_url=server.url,
        label="-webhooks",
        extra_env=FAST_RETRIES,
    )
    try:
        worker.wait_ready()
        app.conf.task_default_queue = worker.queue
        yield server, worker
    finally:
        worker.stop()
        server.stop()
        _reset_producers()
        app.conf.broker_url = old
        app.conf.task_default_queue = idle_queue


def test_redis_down_while_assessments_are_submitted_then_back_delivers_every_event(
    own_redis_worker, receiver, api_client_for, handler
):
    server, worker = own_redis_worker
    subscription = subscribe(receiver.url)
    incidents = [make_incident(handler=handler) for _ in range(3)]
    server.stop()
    client = api_client_for(handler)
    for incident in incidents:
        response = client.post(
            f"/api/incidents/{incident.reference}/assessments/", {"submit": True, **complete_answers()}, format="json"
        )
        assert response.status_code == 201, response.content  # committed, event and all
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING, attempts=0).count() == 3
    server.start()
    assert wait_for(lambda: worker.process.poll() is None and app.control.ping(destination=[worker.name], timeout=1))
    wait_for(lambda: False, timeout=2)
    assert receiver.received == []  # nothing was lost in flight: nothing was ever sent
    # The texts' sweep (every minute in production) finds the events their messages never reached.
    text_sweep(now=timezone.now() + timedelta(minutes=2))
    assert wait_for(lambda: Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 3), worker.log.name
    text_sweep(now=timezone.now() + timedelta(minutes=2))  # a second sweep finds nothing
    wait_for(lambda: False, timeout=2)
    _assert_each_event_once_in_order(receiver, subscription)
    assert {json.loads(e.body)["type"] for e in Event.objects.all()} == {"assessment.submitted"}
