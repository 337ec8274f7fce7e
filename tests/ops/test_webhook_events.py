"""Webhook deliveries on /metrics and the operations page, where the webhooks app (its
outbox, `webhooks.Delivery`) is installed; skipped where it is not."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from tests.ops.conftest import scrape

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not apps.is_installed("webhooks"), reason="the webhooks app is not installed"),
]


def _delivery(status: str, *, age: timedelta):
    from webhooks.models import Delivery, Event, Subscription

    subscription = Subscription.objects.first() or Subscription.objects.create(
        description="CAD", url="https://cad.example.org/hooks", secret="whsec_" + "A" * 32
    )
    event = Event.objects.create(
        webhook_id=f"msg_{timezone.now().timestamp()}_{status}", type="incident.closed", reference="R1", body="{}"
    )
    delivery = Delivery.objects.create(
        event=event, subscription=subscription, reference="R1", status=status, next_attempt_at=timezone.now()
    )
    Delivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() - age)
    return delivery


def test_deliveries_by_status_and_the_oldest_pending(client, metrics_settings):
    _delivery("pending", age=timedelta(minutes=20))
    _delivery("failed", age=timedelta(minutes=1))
    samples = scrape(client)
    assert samples['thrive_webhook_events{status="pending"}'] == 1
    assert samples['thrive_webhook_events{status="failed"}'] == 1
    assert samples["thrive_oldest_pending_webhook_event_age_seconds"] >= 20 * 60


def test_an_administrator_retries_a_failed_delivery(client_for, admin_user):
    from audit.models import AuditEvent
    from webhooks.models import Delivery

    failed = _delivery("failed", age=timedelta(minutes=30))
    admin = client_for(admin_user)
    assert f"webhook delivery {failed.pk}<" in admin.get("/ops/").content.decode()
    assert admin.post(f"/ops/webhooks/{failed.pk}/retry/").status_code == 302
    assert Delivery.objects.get(pk=failed.pk).status == "pending"
    assert AuditEvent.objects.filter(object_id=str(failed.pk), actor=admin_user).exists()
