"""The email outbox's service: queue in the caller's transaction, claim, retry with a
ceiling, sweep, and the admin's list of how each email got on."""

import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import transaction
from django.utils import timezone

from emails.models import Email, EmailStatus
from emails.services import Outgoing, email_counts, email_enqueue_many, email_queue, email_send, email_sweep
from tests.victims.conftest import broker_down

pytestmark = pytest.mark.django_db


def _queue(n: int = 1, key: str = "k") -> int:
    return email_queue(
        kind="test",
        topic="topic:1",
        messages=[
            Outgoing(to=f"p{i}@example.org", subject="Hello", body="Body", dedupe_key=f"{key}:{i}") for i in range(n)
        ],
    )


@pytest.fixture
def smtp_refuses(settings):
    """A real SMTP backend pointed at a port nothing listens on: the mail server is away."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    return settings


def test_queuing_the_same_email_twice_writes_one_row():
    assert _queue(2) == 2
    assert _queue(2) == 0
    assert Email.objects.count() == 2


def test_a_rolled_back_change_queues_nothing():

    def queue_then_roll_back() -> None:
        with transaction.atomic():
            _queue(1)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        queue_then_roll_back()
    assert not Email.objects.exists()


def test_an_email_is_sent_once_whoever_asks(settings):
    _queue(1)
    email = Email.objects.get()
    assert email_send(email_id=email.pk).result == "sent"
    assert email_send(email_id=email.pk).result == "skipped"
    email.refresh_from_db()
    assert (email.status, email.attempts, len(mail.outbox)) == (EmailStatus.SENT, 1, 1)
    assert email.sent_at is not None


def test_a_claimed_email_is_not_sent_by_another_worker():
    _queue(1)
    email = Email.objects.get()
    Email.objects.filter(pk=email.pk).update(claimed_until=timezone.now() + timedelta(minutes=5))
    assert email_send(email_id=email.pk).result == "skipped"
    assert mail.outbox == []


def test_a_mail_server_outage_retries_with_backoff_then_fails_visibly(smtp_refuses):
    smtp_refuses.EMAIL_MAX_ATTEMPTS = 2
    _queue(1)
    email = Email.objects.get()
    first = email_send(email_id=email.pk)
    assert first.result == "retry"
    assert first.retry_in == 60
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.QUEUED, 1)
    assert "ConnectionRefusedError" in email.last_error
    assert email_send(email_id=email.pk).result == "skipped"  # not due yet
    Email.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    assert email_send(email_id=email.pk).result == "failed"
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.FAILED, 2)
    assert email.failed_at is not None
    assert email_counts(topic="topic:1") == {"queued": 0, "sent": 0, "failed": 1}


class TakesThenTimesOut(LocmemBackend):
    """A mail server that takes the first message and then drops the connection before it
    answers (what a timeout after acceptance looks like to the sender); later ones go."""

    answered = False

    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        sent = super().send_messages(messages)
        if not TakesThenTimesOut.answered:
            TakesThenTimesOut.answered = True
            raise TimeoutError("timed out waiting for the server's answer")
        return sent


def test_a_retry_after_a_lost_answer_carries_the_same_message_id(settings):
    settings.EMAIL_BACKEND = f"{__name__}.TakesThenTimesOut"
    settings.DEFAULT_FROM_EMAIL = "THRIVE-SP <thrive-sp@force.police.uk>"
    TakesThenTimesOut.answered = False
    _queue(2)
    first, second = Email.objects.order_by("pk")
    assert email_send(email_id=first.pk).result == "retry"
    Email.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
    assert email_send(email_id=first.pk).result == "sent"
    assert email_send(email_id=second.pk).result == "sent"
    # The server got the first email twice; both copies say they are one message, so a
    # server or client that suppresses duplicates shows it once. Another email differs.
    ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert ids == [f"<thrive-sp.email.{first.pk}@force.police.uk>"] * 2 + [
        f"<thrive-sp.email.{second.pk}@force.police.uk>"
    ]
    assert mail.outbox[0].message()["Message-ID"] == ids[0]  # the header as sent


def test_with_the_broker_down_the_hand_over_stops_at_the_first_refusal():
    _queue(3)
    ids = list(Email.objects.values_list("pk", flat=True))
    with broker_down():
        assert email_enqueue_many(email_ids=ids) == 0
        assert email_sweep(now=timezone.now() + timedelta(minutes=5)) == 0
    assert set(Email.objects.values_list("status", flat=True)) == {EmailStatus.QUEUED}


def test_the_sweep_leaves_fresh_and_claimed_emails_alone(eager_tasks):
    _queue(2)
    fresh, held = Email.objects.order_by("pk")
    Email.objects.filter(pk=held.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=10), claimed_until=timezone.now() + timedelta(minutes=5)
    )
    assert email_sweep() == 0  # one is not yet overdue, the other is held by a live claim
    assert email_sweep(now=timezone.now() + timedelta(minutes=2)) == 1
    assert [m.to for m in mail.outbox] == [[fresh.to]]


def test_the_admin_lists_the_outbox_with_status(admin_client):
    _queue(1)
    page = admin_client.get("/admin/emails/email/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "p0@example.org" in html
    assert "Queued" in html
    assert admin_client.get("/admin/emails/email/add/").status_code == 403


def test_beat_sweeps_the_outbox_every_minute(settings):
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["emails-sweep"]
    assert (entry["task"], entry["schedule"]) == ("emails.tasks.email_sweep", 60.0)
    assert entry["task"] in app.tasks
