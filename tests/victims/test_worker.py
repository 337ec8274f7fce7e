"""Rule 7 end to end: real Celery worker processes on the machine's Redis (not eager mode)
send texts through the console gateway and through the local fake Notify server; a broker
outage during a submission loses nothing, and the sweep sends the text exactly once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.celery import app
from incidents.models import EntryKind
from tests.factories import UserFactory, make_incident
from tests.victims.conftest import broker_down, texting_answers, wait_for
from victims.models import Text, TextStatus
from victims.tasks import text_enqueue, text_sweep

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _submit_over_the_api(api_client_for, handler, incident, phone="07700 900123"):
    response = api_client_for(handler).post(
        f"/api/incidents/{incident.reference}/assessments/", {"submit": True, **texting_answers(phone)}, format="json"
    )
    assert response.status_code == 201, response.content
    return Text.objects.get(incident=incident, assessment_id=response.json()["id"])


def _status(text_id):
    return Text.objects.get(pk=text_id).status


def test_a_worker_sends_the_text_through_the_console_gateway(console_worker, api_client_for):
    handler = UserFactory(handler=True)
    incident = make_incident(handler=handler)
    text = _submit_over_the_api(api_client_for, handler, incident)
    assert wait_for(lambda: _status(text.pk) == TextStatus.SENT), console_worker.log.name
    text.refresh_from_db()
    assert text.attempts == 1
    assert text.provider_id == f"console-{text.pk}"
    assert incident.entries.filter(kind=EntryKind.TEXT_SENT).count() == 1


def test_a_worker_sends_the_text_through_notify(notify_worker, fake_notify, api_client_for):
    handler = UserFactory(handler=True)
    incident = make_incident(handler=handler)
    text = _submit_over_the_api(api_client_for, handler, incident)
    assert wait_for(lambda: _status(text.pk) == TextStatus.SENT), notify_worker.log.name
    (sms,) = fake_notify.sms_for(text.pk)
    assert sms["phone_number"] == "+447700900123"
    assert Text.objects.get(pk=text.pk).provider_id


def test_the_same_message_delivered_twice_sends_once(notify_worker, fake_notify, api_client_for):
    handler = UserFactory(handler=True)
    incident = make_incident(handler=handler)
    text = _submit_over_the_api(api_client_for, handler, incident)
    # Two more messages for the same text, as a redelivery and a sweep racing would make.
    text_enqueue(text_id=text.pk)
    text_enqueue(text_id=text.pk)
    assert wait_for(lambda: _status(text.pk) == TextStatus.SENT)
    # The worker is solo: once a later message has run, all three have.
    text_enqueue(text_id=text.pk)
    wait_for(lambda: False, timeout=2)
    assert len(fake_notify.sms_for(text.pk)) == 1
    assert incident.entries.filter(kind=EntryKind.TEXT_SENT).count() == 1


def test_a_temporary_notify_failure_is_retried_by_the_worker(notify_worker, fake_notify, api_client_for, monkeypatch):
    from victims import rules

    handler = UserFactory(handler=True)
    incident = make_incident(handler=handler)
    fake_notify.fail_with = [503]
    text = _submit_over_the_api(api_client_for, handler, incident)
    assert wait_for(lambda: Text.objects.get(pk=text.pk).attempts == 1 and _status(text.pk) == TextStatus.QUEUED)
    assert Text.objects.get(pk=text.pk).next_attempt_at > timezone.now() + timedelta(
        seconds=rules.retry_delay_seconds(1) - 5
    )
    # Bring the retry forward rather than wait out the backoff: the worker's own retry message
    # still sits in Redis with its countdown, and the claim stops it sending a second time.
    Text.objects.filter(pk=text.pk).update(next_attempt_at=timezone.now())
    text_enqueue(text_id=text.pk)
    assert wait_for(lambda: _status(text.pk) == TextStatus.SENT)
    assert len(fake_notify.sms_for(text.pk)) == 2  # the failed try and the successful one
    assert Text.objects.get(pk=text.pk).attempts == 2


def test_a_broker_outage_loses_nothing_and_the_sweep_sends_once(notify_worker, fake_notify, api_client_for):
    handler = UserFactory(handler=True)
    incident = make_incident(handler=handler)
    with broker_down():
        text = _submit_over_the_api(api_client_for, handler, incident)
        assert text_sweep(now=timezone.now() + timedelta(minutes=2)) == 0
    wait_for(lambda: False, timeout=2)
    assert _status(text.pk) == TextStatus.QUEUED
    assert fake_notify.sms_for(text.pk) == []
    # The broker is back: the next two sweeps race the worker; the text goes once.
    assert text_sweep(now=timezone.now() + timedelta(minutes=2)) == 1
    text_sweep(now=timezone.now() + timedelta(minutes=2))
    assert wait_for(lambda: _status(text.pk) == TextStatus.SENT)
    wait_for(lambda: False, timeout=2)
    assert len(fake_notify.sms_for(text.pk)) == 1


def test_redis_stopped_during_a_submission_then_restarted_sends_the_text_exactly_once(
    own_redis, fake_notify, api_client_for
):
    server, worker = own_redis
    handler = UserFactory(handler=True)
    incident = make_incident(handler=handler)
    server.stop()
    text = _submit_over_the_api(api_client_for, handler, incident)  # 201: the outbox row is committed
    assert _status(text.pk) == TextStatus.QUEUED
    server.start()
    # The worker reconnects by itself; the sweep finds the text its message never reached.
    assert wait_for(lambda: worker.process.poll() is None and app.control.ping(destination=[worker.name], timeout=1))
    assert text_sweep(now=timezone.now() + timedelta(minutes=2)) == 1
    assert wait_for(lambda: _status(text.pk) == TextStatus.SENT), worker.log.name
    text_sweep(now=timezone.now() + timedelta(minutes=2))  # a second sweep finds nothing to send
    wait_for(lambda: False, timeout=2)
    assert len(fake_notify.sms_for(text.pk)) == 1
    assert incident.entries.filter(kind=EntryKind.TEXT_SENT).count() == 1


@pytest.fixture
def threaded_worker(_workers, fake_notify, _own_queue):
    """A worker on the production pool (threads, docs/TEXTS.md), on a queue of its own."""
    import redis
    from django.conf import settings

    from tests.victims.conftest import Worker

    worker = Worker(gateway="notify", notify_url=fake_notify.url, pool="threads", threads=8)
    try:
        worker.wait_ready()
        app.conf.task_default_queue = worker.queue
        yield worker
    finally:
        worker.stop()
        app.conf.task_default_queue = _own_queue
        client = redis.Redis.from_url(settings.REDIS_URL)
        client.delete(worker.queue)
        client.close()


def test_a_threaded_worker_given_every_text_three_times_sends_each_once(threaded_worker, fake_notify, api_client_for):
    handler = UserFactory(handler=True)
    incident = make_incident(handler=handler)
    texts = [_submit_over_the_api(api_client_for, handler, incident, phone=f"07700 900{n:03d}") for n in range(15)]
    for text in texts:  # a redelivery and a sweep's duplicate, racing the first message
        text_enqueue(text_id=text.pk)
        text_enqueue(text_id=text.pk)
    ids = [text.pk for text in texts]
    assert wait_for(lambda: Text.objects.filter(pk__in=ids, status=TextStatus.SENT).count() == len(ids), timeout=60), (
        threaded_worker.log.name
    )
    wait_for(lambda: False, timeout=2)  # let the duplicates run out
    assert [len(fake_notify.sms_for(text_id)) for text_id in ids] == [1] * len(ids)
    assert set(Text.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == {1}
    assert incident.entries.filter(kind=EntryKind.TEXT_SENT).count() == len(ids)
