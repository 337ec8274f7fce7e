"""Reading subscriptions and their delivery log (administrators: API and admin)."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from webhooks.models import Delivery, Subscription

# The delivery log answers the newest this many; older ones are in the admin's log.
DELIVERIES_LISTED = 500


def subscriptions() -> QuerySet[Subscription]:
    return Subscription.objects.order_by("id")


def subscription_get(pk: int) -> Subscription:
    return get_object_or_404(Subscription, pk=pk)


def subscription_out(subscription: Subscription) -> dict[str, Any]:
    return {
        "id": subscription.pk,
        "url": subscription.url,
        "events": subscription.events,
        "description": subscription.description,
        "created_at": subscription.created_at,
    }


def deliveries_for(subscription: Subscription) -> list[dict[str, Any]]:
    """The newest deliveries first, as API.md lists them."""
    rows = (
        Delivery.objects.filter(subscription=subscription)
        .order_by("-id")
        .values(
            "event__webhook_id", "event__type", "status", "attempts", "last_status_code", "next_attempt_at", "reference"
        )[:DELIVERIES_LISTED]
    )
    return [
        {
            "event_id": row["event__webhook_id"],
            "type": row["event__type"],
            "reference": row["reference"],
            "status": row["status"],
            "attempts": row["attempts"],
            "last_status_code": row["last_status_code"],
            "next_attempt_at": row["next_attempt_at"] if row["status"] == "pending" else None,
        }
        for row in rows
    ]
