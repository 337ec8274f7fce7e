"""What an administrator changes from the operations page, each audited here, inside the
same transaction (rule 4): retrying a stuck text, clearing a sign-in lockout."""

from typing import Any

from axes.models import AccessAttempt
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from audit.models import Action
from audit.services import audit_record
from ops.selectors import STUCK_AFTER, webhook_event_model
from victims.models import Text, TextStatus
from victims.texts import TEXTS


class NotStuck(Exception):
    """The text went out (or was retried) since the page was drawn: nothing to do."""


def text_retry(*, text_id: int, actor: Any, request: HttpRequest | None = None) -> Text:
    """Put a failed text, or a queued one long past due, back in the outbox, due now, with
    its tries counted afresh, and hand it to a worker after commit. The claim in
    `victims.texts.text_send` still lets one worker send it once."""
    now = timezone.now()
    with transaction.atomic():
        text = Text.objects.select_for_update().select_related("incident").filter(pk=text_id).first()
        stuck = text is not None and (
            text.status == TextStatus.FAILED
            or (text.status == TextStatus.QUEUED and text.next_attempt_at < now - STUCK_AFTER)
        )
        if not stuck:
            raise NotStuck(text_id)
        Text.objects.filter(pk=text.pk).update(
            status=TextStatus.QUEUED, attempts=0, next_attempt_at=now, claimed_until=None, failed_at=None
        )
        audit_record(
            actor=actor,
            action=Action.ALTER,
            object_type="text",
            object_id=text.pk,
            incident_reference=text.incident.reference,
            description="Text put back in the outbox from the operations page",
            request=request,
        )
        TEXTS.enqueue_after_commit([text.pk])
    text.refresh_from_db()
    return text


def webhook_retry(*, delivery_id: int, actor: Any, request: HttpRequest | None = None) -> None:
    """Retry a stuck webhook delivery through the webhooks app's own service, which audits it.
    NotStuck when the outbox is not installed, the delivery is gone, delivered, or being tried."""
    model = webhook_event_model()
    delivery = model.objects.filter(pk=delivery_id).first() if model is not None else None
    if delivery is None:
        raise NotStuck(delivery_id)
    from webhooks.services import webhook_delivery_retry_now

    if not webhook_delivery_retry_now(actor=actor, delivery=delivery, request=request):
        raise NotStuck(delivery_id)


def lockout_clear(*, attempt_id: int, actor: Any, request: HttpRequest | None = None) -> bool:
    """Lift one sign-in lockout (an account on one address): django-axes' attempt row goes.
    Returns False when it had already gone."""
    with transaction.atomic():
        attempt = AccessAttempt.objects.select_for_update().filter(pk=attempt_id).first()
        if attempt is None:
            return False
        audit_record(
            actor=actor,
            action=Action.ALTER,
            object_type="lockout",
            object_id=attempt.pk,
            description=f"Sign-in lockout cleared for {attempt.username[:100]}"[:300],
            request=request,
        )
        attempt.delete()
    return True
