"""An incident's events for the outside world (API.md "Webhooks"). The services that make a
change call `incident_event` inside their transaction, with codes and references only (never
a victim's details, never free text a person typed); webhooks.services writes the outbox."""

from datetime import datetime
from typing import Any

from incidents.models import Incident
from webhooks.services import webhook_event_record


def incident_event(incident: Incident, type: str, *, at: datetime | None = None, **data: Any) -> None:
    """Record event `type` about `incident` (its reference and CAD reference lead the data)."""
    webhook_event_record(type=type, reference=incident.reference, cad_ref=incident.cad_ref, data=data, at=at)
