"""The operations page (issue 17): administrators only; stuck texts with "Retry", workers
seen, the sweeps' last runs, lockouts with "Clear"; each action audited by its service."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from audit.models import AuditEvent
from ops.heartbeat import beat
from ops.models import WorkerHeartbeat
from ops.selectors import webhook_event_model
from tests.factories import UserFactory, make_incident
from victims.models import Text, TextStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client_for, admin_user):
    return client_for(admin_user)


def _text(status=TextStatus.FAILED, *, due_ago=timedelta(0)):
    incident = make_incident(assessed=True)
    now = timezone.now()
    return Text.objects.create(
        incident=incident,
        assessment=incident.assessments.get(),
        created_by=incident.handler,
        phone="+447700900123",
        link="https://example.org",
        body="Your advice",
        status=status,
        attempts=5,
        next_attempt_at=now - due_ago,
        failed_at=now if status == TextStatus.FAILED else None,
        last_error="gateway said no",
    )


def _lockout(settings, username="locked.out"):
    return AccessAttempt.objects.create(
        username=username,
        ip_address="192.0.2.7",
        user_agent="x",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        attempt_time=timezone.now(),
    )


@pytest.mark.parametrize("role", ["handler", "supervisor", "trainer", "analyst"])
def test_only_administrators_see_it(client_for, role):
    user = UserFactory(**{role: True})
    assert client_for(user).get("/ops/").status_code == 403


def test_the_page_shows_stuck_texts_workers_sweeps_and_lockouts(admin_client, settings):
    failed = _text()
    late = _text(TextStatus.QUEUED, due_ago=timedelta(minutes=30))
    fresh = _text(TextStatus.QUEUED)
    beat("celery@worker-1")
    WorkerHeartbeat.objects.create(
        hostname="celery@worker-old", started_at=timezone.now(), last_seen=timezone.now() - timedelta(hours=1)
    )
    every = IntervalSchedule.objects.create(every=60, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(
        name="texts-sweep", task="victims.tasks.text_sweep", interval=every, last_run_at=timezone.now()
    )
    _lockout(settings)
    html = admin_client.get("/ops/").content.decode()
    assert f'Retry<span class="govuk-visually-hidden"> text {failed.pk}</span>' in html
    assert f"text {late.pk}<" in html
    assert f"text {fresh.pk}<" not in html  # queued and due now: not stuck
    assert "celery@worker-1" in html
    assert "Running" in html
    assert "celery@worker-old" in html
    assert "Not seen recently" in html
    assert "Texts-sweep" in html
    assert "Last ran" in html
    assert "locked.out" in html
    assert "Clear<" in html
    assert "+447700900123" not in html
    assert "Your advice" not in html


def test_retry_puts_the_text_back_in_the_outbox_and_audits_it(admin_client, admin_user):
    text = _text()
    response = admin_client.post(f"/ops/texts/{text.pk}/retry/")
    assert response.status_code == 302
    text.refresh_from_db()
    assert (text.status, text.attempts, text.failed_at) == (TextStatus.QUEUED, 0, None)
    event = AuditEvent.objects.get(object_type="text", object_id=str(text.pk))
    assert (event.actor_id, event.action, event.incident_reference) == (admin_user.pk, "alter", text.incident.reference)
    # A second press finds nothing stuck: nothing changes, nothing more is audited.
    admin_client.post(f"/ops/texts/{text.pk}/retry/")
    assert AuditEvent.objects.filter(object_type="text").count() == 1


def test_retry_refuses_a_text_that_is_not_stuck(admin_client):
    text = _text(TextStatus.QUEUED)
    admin_client.post(f"/ops/texts/{text.pk}/retry/")
    assert AuditEvent.objects.filter(object_type="text").count() == 0
    assert admin_client.post("/ops/texts/999999/retry/").status_code == 302


def test_clear_lifts_the_lockout_and_audits_it(admin_client, admin_user, settings):
    attempt = _lockout(settings)
    assert admin_client.post(f"/ops/lockouts/{attempt.pk}/clear/").status_code == 302
    assert not AccessAttempt.objects.filter(pk=attempt.pk).exists()
    event = AuditEvent.objects.get(object_type="lockout")
    assert event.actor_id == admin_user.pk
    assert "locked.out" in event.description


def test_a_handler_cannot_retry_or_clear(client_for, settings):
    text, attempt = _text(), _lockout(settings)
    handler = client_for(UserFactory(handler=True))
    assert handler.post(f"/ops/texts/{text.pk}/retry/").status_code == 403
    assert handler.post(f"/ops/lockouts/{attempt.pk}/clear/").status_code == 403
    assert Text.objects.get(pk=text.pk).status == TextStatus.FAILED
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


@pytest.mark.parametrize("rows", [1, 20])
def test_the_page_costs_the_same_queries_however_many_rows(admin_client, settings, django_assert_max_num_queries, rows):
    for i in range(rows):
        _text()
        _lockout(settings, username=f"user{i}")
        beat(f"celery@w{i}")
    # Two more (figures and stuck deliveries) where the webhook outbox is installed.
    webhooks = 2 if webhook_event_model() is not None else 0
    with django_assert_max_num_queries(12 + webhooks):
        assert admin_client.get("/ops/").status_code == 200
