"""Writing to the audit log (rule 4). `audit_record` is called by the services that collect,
alter or erase victims' details or assessments, inside their own transaction, and by the
selectors through which every read of them passes (get_assessment_for_user,
get_victim_for_user, victims_for_user, casework's get_incident_detail_for_user): never by a
page, the API, the admin or a task (the `audit-written-by-services-and-selectors` contract)."""

from typing import Any

from django.http import HttpRequest

from accounts.throttle import client_address
from audit.models import Action, AuditEvent


def _client_ip(request: HttpRequest | None) -> str | None:
    # The same reading of the client's address as the sign-in throttle: X-Forwarded-For only
    # as far as the trusted proxies vouch for it, so a client cannot choose what is logged.
    if request is None:
        return None
    return client_address(request) or None


def _event(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: Any,
    incident_reference: str,
    description: str,
    request: HttpRequest | None,
    channel: str,
) -> AuditEvent:
    if not channel and request is not None:
        channel = "api" if request.path.startswith("/api/") else "page"
    elif not channel:
        # Neither a page nor the API: a command, a task or the demo seeding wrote it.
        channel = "command"
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent(
        actor=user,
        actor_username=user.username if user else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        incident_reference=incident_reference[:20],
        description=description[:300],
        channel=channel,
        ip_address=_client_ip(request),
        # The path alone, never the query string: a search box's text (a name, a phone)
        # would otherwise be copied into a log that can never be scrubbed.
        path=(request.path if request else "")[:300],
    )


def read_action(request: HttpRequest | None, channel: str = "") -> str:
    """A read on a page or in the admin is a consultation; the same read through the API
    hands the record to another system, a disclosure (DPA 2018 s.62)."""
    if channel == "api" or (not channel and request is not None and request.path.startswith("/api/")):
        return Action.DISCLOSE
    return Action.CONSULT


def audit_record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: Any = "",
    incident_reference: str = "",
    description: str = "",
    request: HttpRequest | None = None,
    channel: str = "",
) -> AuditEvent:
    event = _event(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        incident_reference=incident_reference,
        description=description,
        request=request,
        channel=channel,
    )
    event.save()
    return event


def audit_record_many(
    *,
    actor: Any,
    action: str,
    object_type: str,
    records: list[tuple[Any, str]],
    request: HttpRequest | None = None,
    channel: str = "",
    description: str = "",
) -> None:
    """One event per (object id, incident reference), written in a single insert: a list
    read through the API costs the same queries however many records it discloses."""
    AuditEvent.objects.bulk_create(
        [
            _event(
                actor=actor,
                action=action,
                object_type=object_type,
                object_id=object_id,
                incident_reference=reference,
                description=description,
                request=request,
                channel=channel,
            )
            for object_id, reference in records
        ]
    )
