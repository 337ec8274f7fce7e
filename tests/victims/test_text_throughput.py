"""The text path under concurrency, as a threaded worker runs it (docs/TEXTS.md, "Throughput"):
the sliding-window limiter against the real Redis with many callers at once, many threads
sending the same texts at once through the local fake Notify, and the per-thread Notify
client. The database, Redis and the HTTP calls are real."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from casework.services import assessment_record
from incidents.models import EntryKind
from tests.factories import UserFactory, make_incident
from tests.victims.conftest import texting_answers
from victims import gateways, texts
from victims.models import Text, TextStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def rate_key(settings, monkeypatch):
    """A limiter key of the test's own, so no worker of the session shares its window."""
    import redis

    key = f"thrive:texts:rate:test:{time.time_ns()}"
    monkeypatch.setattr(texts, "RATE_LIMIT_KEY", key)
    client = redis.Redis.from_url(settings.REDIS_URL)
    yield key, client
    client.delete(key)
    client.close()


def test_concurrent_callers_never_get_more_than_the_limit_in_any_sliding_window(settings, monkeypatch, rate_key):
    """Eight threads ask for slots as fast as they can for 2.5 windows (a window shortened to
    1.5 s so the test can see several). Each admission happened, by Redis's clock, somewhere
    between the moment its caller asked and the moment it heard back; so for the admissions
    in order, the (i + limit)-th must have heard back at least a window after the i-th asked.
    A counter per clock window, or a check and an add that were not one atomic step, fails."""
    window_ms, limit = 1500, 25
    monkeypatch.setattr(texts, "RATE_WINDOW_MS", window_ms)
    settings.TEXT_RATE_LIMIT_PER_MINUTE = limit
    _, client = rate_key
    admitted: list[tuple[float, float]] = []
    refused = 0
    lock = threading.Lock()
    start = time.time()
    stop = start + 2.5 * window_ms / 1000

    def caller(number: int) -> None:
        nonlocal refused
        sequence = 0
        while time.time() < stop:
            asked = time.time()
            wait = texts._rate_limit_wait(number * 100_000 + sequence)
            heard = time.time()
            sequence += 1
            with lock:
                if wait == 0:
                    admitted.append((asked, heard))
                else:
                    refused += 1
                    assert 0 < wait <= window_ms / 1000

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(caller, range(8)))

    window = window_ms / 1000
    asked = sorted(a for a, _ in admitted)
    heard = sorted(h for _, h in admitted)
    assert refused > 0
    # The first window was full (the callers never paused) and no fuller than the limit. It
    # opens at the first admission on Redis's clock, which counts whole milliseconds: the same
    # two of slack as below, or an admission of the second window can land a hair inside it.
    assert sum(1 for h in heard if h < asked[0] + window - 0.002) == limit
    for i in range(len(admitted) - limit):
        # (Redis's clock counts whole milliseconds: two of slack.)
        assert heard[i + limit] - asked[i] >= window - 0.002, f"more than {limit} admitted within {window} s at {i}"
    # Three windows began during the run (at 0, 1.5 and 3 s): at most three limits' worth.
    assert len(admitted) <= 3 * limit
    assert client.zcard(texts.RATE_LIMIT_KEY) <= limit


def test_the_limiter_counts_by_rediss_clock_and_the_slot_expires_with_the_window(settings, rate_key):
    key, client = rate_key
    settings.TEXT_RATE_LIMIT_PER_MINUTE = 2
    assert texts._rate_limit_wait(1) == 0
    assert texts._rate_limit_wait(2) == 0
    wait = texts._rate_limit_wait(3)
    assert texts.RATE_WINDOW_MS / 1000 - 2 < wait <= texts.RATE_WINDOW_MS / 1000
    (_, first), _second = client.zrange(key, 0, -1, withscores=True)
    redis_now_ms = client.time()[0] * 1000
    assert abs(first - redis_now_ms) < 5_000  # scored by Redis's own clock
    assert 0 < client.pttl(key) <= texts.RATE_WINDOW_MS


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_many_threads_sending_the_same_texts_send_each_exactly_once(fake_notify, settings, rate_key):
    """As a threaded worker with duplicate messages would: every text is handed to three
    threads at once. The claim lets one through; the gateway gets one call per text; each
    text ends sent after one attempt with one timeline entry."""
    settings.TEXT_RATE_LIMIT_PER_MINUTE = 3000
    handler = UserFactory(handler=True)
    incident = make_incident(handler=handler)
    for number in range(20):
        phone = f"07700 900{number:03d}"
        assessment_record(incident=incident, author=handler, data=texting_answers(phone), submit=True)
    ids = list(Text.objects.values_list("pk", flat=True))
    assert len(ids) == 20

    def send(text_id: int) -> str:
        try:
            return texts.text_send(text_id=text_id).result
        finally:
            connection.close()  # each pool thread opened its own connection

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(send, [text_id for text_id in ids for _ in range(3)]))

    assert results.count("sent") == 20
    assert results.count("skipped") == 40
    for text in Text.objects.filter(pk__in=ids):
        assert text.status == TextStatus.SENT
        assert text.attempts == 1
        assert text.claimed_until is None
        assert len(fake_notify.sms_for(text.pk)) == 1
    assert incident.entries.filter(kind=EntryKind.TEXT_SENT).count() == 20


def test_a_text_turned_away_by_the_limit_gives_its_attempt_back(fake_notify, settings, rate_key):
    """The claim counts the attempt; the rate limit's refusal gives it back, so waiting for a
    slot never brings a text nearer its retry ceiling."""
    settings.TEXT_RATE_LIMIT_PER_MINUTE = 1
    handler = UserFactory(handler=True)
    incident = make_incident(handler=handler)
    assessment_record(incident=incident, author=handler, data=texting_answers(), submit=True)
    assessment_record(incident=incident, author=handler, data=texting_answers("07700 900456"), submit=True)
    first, second = Text.objects.order_by("id")
    assert texts.text_send(text_id=first.pk).result == "sent"
    for _ in range(3):
        Text.objects.filter(pk=second.pk).update(next_attempt_at=timezone.now())
        assert texts.text_send(text_id=second.pk).result == "rate_limited"
    second.refresh_from_db()
    assert second.attempts == 0
    assert second.claimed_until is None
    assert fake_notify.sms_for(second.pk) == []


def test_each_thread_keeps_one_notify_client_and_a_new_key_gets_a_new_one(fake_notify, settings):
    gateway = gateways.NotifyGateway()
    handler = UserFactory(handler=True)
    incident = make_incident(handler=handler)
    assessment_record(incident=incident, author=handler, data=texting_answers(), submit=True)
    text = Text.objects.select_related("incident").get()
    gateway.send(text)
    client = gateways._clients.client
    gateway.send(text)
    assert gateways._clients.client is client  # reused: its session keeps the connection open

    other: list[object] = []

    def in_another_thread() -> None:
        gateway.send(text)
        other.append(gateways._clients.client)

    thread = threading.Thread(target=in_another_thread)
    thread.start()
    thread.join()
    assert len(other) == 1
    assert other[0] is not client  # Notify's client is not thread-safe: one each

    settings.NOTIFY_API_KEY = settings.NOTIFY_API_KEY[:-1] + "0"
    gateway.send(text)
    assert gateways._clients.client is not client
    assert len(fake_notify.sms_for(text.pk)) == 4
