"""Webhooks (API.md "Webhooks"): subscriptions, the event outbox and its delivery.

- `webhook_event_record`: called by the service that makes a change, inside its transaction
  (through incidents.events.incident_event), with plain values: one event row and one
  delivery row per subscription to that type, handed to a worker after commit.
- `webhook_deliver`: the worker's path. Claim the delivery (config/outbox.py), post the
  signed body outside any transaction, record the answer. A 2xx is delivered; anything else
  is put back with backoff and the same webhook-id, until a day has passed, then failed.
- Order per incident: a delivery may be claimed (or swept) only when no earlier event of
  the same incident is pending for the same subscription (`WEBHOOKS.in_turn`); finishing one
  hands over the next.
- `webhook_subscription_create` / `_delete`, `webhook_delivery_retry_now`: the admins' writes
  (API and admin), audited here.
"""

import http.client
import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils import timezone
from standardwebhooks import Webhook

from audit.models import Action
from audit.services import audit_record
from config.outbox import SWEEP_LIMIT, Claim, Outbox, SendOutcome
from config.text import free_text_errors
from webhooks import rules
from webhooks.models import Delivery, DeliveryStatus, Event, Subscription

logger = logging.getLogger(__name__)

_EARLIER_PENDING = Delivery.objects.filter(
    subscription=OuterRef("subscription"),
    reference=OuterRef("reference"),
    event__lt=OuterRef("event"),
    status=DeliveryStatus.PENDING,
)
WEBHOOKS = Outbox(
    model=Delivery,
    queued=DeliveryStatus.PENDING,
    send_task="webhooks.tasks.webhook_deliver",
    noun="Webhook delivery",
    backoff_base=30,
    in_turn=~Exists(_EARLIER_PENDING),
)


# --- Events -------------------------------------------------------------------------------


def webhook_event_record(
    *, type: str, reference: str, cad_ref: str | None, data: dict[str, Any], at: datetime | None = None
) -> Event | None:
    """Write the event for a change, in the caller's transaction, with a delivery to each
    subscription that asked for its type (none: nothing is written). `data` holds codes and
    references only; `reference` and `cad_ref` lead it."""
    if type not in rules.EVENT_TYPES:
        raise ValueError(f"Not a webhook event type: {type}")
    subscriptions = [s.pk for s in Subscription.objects.only("pk", "events") if type in s.events]
    if not subscriptions:
        return None
    at = at or timezone.now()
    body = {
        "type": type,
        "timestamp": at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data": {"reference": reference, "cad_ref": cad_ref, **data},
    }
    event = Event.objects.create(
        webhook_id=f"msg_{uuid.uuid4().hex}",
        type=type,
        reference=reference,
        body=json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":")),
    )
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        [Delivery(event=event, subscription_id=pk, reference=reference, next_attempt_at=now) for pk in subscriptions]
    )
    WEBHOOKS.enqueue_after_commit([d.pk for d in deliveries])
    return event


# --- Delivery (the worker) -----------------------------------------------------------------


def _post(url: str, *, headers: dict[str, str], body: bytes) -> tuple[int | None, str]:
    """POST once, following no redirect; (status code, "") or (None, why there was none)."""
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname or "", parts.port, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)
        return response.status, ""
    except TimeoutError:
        return None, f"no answer in {settings.WEBHOOK_TIMEOUT_SECONDS} s"
    except (OSError, http.client.HTTPException) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    finally:
        connection.close()


def webhook_signed_headers(*, secret: str, webhook_id: str, body: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for one try (the timestamp is the try's own)."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "THRIVE-SP-webhooks",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, at.astimezone(UTC), body),
    }


def webhook_deliver(*, delivery_id: int) -> SendOutcome:
    """Try one pending delivery, if it is its turn and nobody else holds it."""
    claim = WEBHOOKS.claim(delivery_id)
    if claim is None:
        return SendOutcome("skipped")
    delivery = Delivery.objects.select_related("event", "subscription").get(pk=delivery_id)
    first = delivery.first_attempt_at or claim.now
    event = delivery.event
    headers = webhook_signed_headers(
        secret=delivery.subscription.secret, webhook_id=event.webhook_id, body=event.body, at=timezone.now()
    )
    status_code, error = _post(delivery.subscription.url, headers=headers, body=event.body.encode())
    now = timezone.now()
    if rules.delivered(status_code):
        WEBHOOKS.claimed(claim).update(
            status=DeliveryStatus.DELIVERED,
            delivered_at=now,
            claimed_until=None,
            first_attempt_at=first,
            last_status_code=status_code,
            last_error="",
        )
        _next_in_line(delivery)
        return SendOutcome("delivered")
    reason = error or f"answered {status_code}"
    if rules.give_up(first, now):
        WEBHOOKS.claimed(claim).update(
            status=DeliveryStatus.FAILED,
            failed_at=now,
            claimed_until=None,
            first_attempt_at=first,
            last_status_code=status_code,
            last_error=f"gave up after {delivery.attempts} {'try' if delivery.attempts == 1 else 'tries'}: {reason}"[
                :500
            ],
        )
        logger.warning("Webhook delivery %s failed after %s tries: %s", delivery_id, delivery.attempts, reason)
        _next_in_line(delivery)
        return SendOutcome("failed")
    return _put_back(claim, delivery, first=first, status_code=status_code, reason=reason)


def _put_back(
    claim: Claim, delivery: Delivery, *, first: datetime, status_code: int | None, reason: str
) -> SendOutcome:
    delay = rules.retry_in_seconds(delivery.attempts)
    WEBHOOKS.put_back(
        claim,
        due_at=timezone.now() + timedelta(seconds=delay),
        first_attempt_at=first,
        last_status_code=status_code,
        last_error=reason[:500],
    )
    logger.info("Webhook delivery %s try %s failed (%s); next in %s s.", delivery.pk, delivery.attempts, reason, delay)
    return SendOutcome("retry", retry_in=delay)


def _next_in_line(delivery: Delivery) -> None:
    """Hand over the incident's next pending event for this subscription, now its turn."""
    following = (
        Delivery.objects.filter(
            subscription_id=delivery.subscription_id,
            reference=delivery.reference,
            status=DeliveryStatus.PENDING,
            event_id__gt=delivery.event_id,
        )
        .order_by("event_id")
        .values_list("pk", flat=True)
        .first()
    )
    if following is not None:
        WEBHOOKS.enqueue(following)


def webhook_sweep(*, now: datetime | None = None, limit: int = SWEEP_LIMIT) -> int:
    """Hand over again each pending delivery whose message was lost (a broker outage), in
    its incident's turn. Run by the texts' sweep (victims.tasks.text_sweep_task)."""
    return WEBHOOKS.sweep(now=now, limit=limit)


# --- Subscriptions and the delivery log (administrators) ------------------------------------


def webhook_subscription_create(
    *,
    actor: Any,
    url: str,
    events: list[str],
    description: str = "",
    request: HttpRequest | None = None,
    channel: str = "",
) -> Subscription:
    """Make a subscription with a new secret (the caller shows it once)."""
    url = (url or "").strip()
    description = (description or "").strip()
    errors: dict[str, list[str]] = {}
    if problem := rules.url_problem(url):
        errors["url"] = [problem]
    elif len(url) > 500:
        errors["url"] = ["The address must be 500 characters or fewer"]
    unknown = sorted({str(e) for e in events} - set(rules.EVENT_TYPES)) if isinstance(events, list) else []
    if not isinstance(events, list) or not events or unknown:
        choices = ", ".join(rules.EVENT_TYPES)
        errors["events"] = [f"Not an event type: {', '.join(unknown)}. " if unknown else "Choose at least one event. "]
        errors["events"][0] += f"Choose from {choices}"
    errors.update(free_text_errors(description=description, labels={"description": "The description"}))
    if len(description) > 300:
        errors.setdefault("description", []).append("The description must be 300 characters or fewer")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        subscription = Subscription.objects.create(
            url=url,
            events=[e for e in rules.EVENT_TYPES if e in events],
            description=description,
            secret=rules.secret_new(),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action=Action.ALTER,
            object_type="webhook",
            object_id=subscription.pk,
            description=f"webhook subscription created for {url}"[:300],
            request=request,
            channel=channel,
        )
    return subscription


def webhook_subscription_delete(
    *, actor: Any, subscription: Subscription, request: HttpRequest | None = None, channel: str = ""
) -> None:
    """Remove a subscription and its delivery log: nothing more is sent to it."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=Action.ALTER,
            object_type="webhook",
            object_id=subscription.pk,
            description=f"webhook subscription deleted ({subscription.url})"[:300],
            request=request,
            channel=channel,
        )
        subscription.delete()


def webhook_delivery_retry_now(
    *, actor: Any, delivery: Delivery, request: HttpRequest | None = None, channel: str = ""
) -> bool:
    """An administrator's "retry now": a failed or waiting delivery is due again at once,
    with a fresh day of retries. False for one delivered, or being tried at this moment."""
    now = timezone.now()
    with transaction.atomic():
        moved = (
            Delivery.objects.filter(pk=delivery.pk, status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED])
            .exclude(claimed_until__gte=now)
            .update(status=DeliveryStatus.PENDING, next_attempt_at=now, first_attempt_at=None, failed_at=None)
        )
        if not moved:
            return False
        audit_record(
            actor=actor,
            action=Action.ALTER,
            object_type="webhook_delivery",
            object_id=delivery.pk,
            incident_reference=delivery.reference,
            description="webhook delivery retried now",
            request=request,
            channel=channel,
        )
        WEBHOOKS.enqueue_after_commit([delivery.pk])
    return True
