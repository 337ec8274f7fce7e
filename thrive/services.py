"""Rule 5's overdue sweep. Saving and submitting an assessment spans incidents, thrive and
victims: casework.services.assessment_record. Prompt sets are written in thrive.wording."""

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from incidents.events import incident_event
from incidents.models import EntryKind, Incident, Status
from incidents.rules import rethrive_interval
from incidents.services import log_entry_write

# Where a new assessment's wording comes from; kept importable here for the callers that
# read it beside the sweep (the home pages, the tests).
from thrive.wording.sets import prompt_set_current

__all__ = ["prompt_set_current", "rethrive_flag_overdue"]


def rethrive_flag_overdue(*, now: datetime | None = None) -> int:
    """Rule 5's sweep: write "re-THRIVE due" once for each incident that has become overdue.

    The conditional update is the claim: two beat ticks or two workers racing each write
    the entry for a given due time at most once between them.
    """
    now = now or timezone.now()
    flagged = 0
    candidates = (
        Incident.objects.overdue(now)
        .exclude(rethrive_flagged_for__isnull=False, rethrive_flagged_for=F("rethrive_due_at"))
        .values_list("pk", "rethrive_due_at")[:1000]
    )
    for pk, due in candidates:
        with transaction.atomic():
            won = (
                Incident.objects.filter(pk=pk, status=Status.OPEN, rethrive_due_at=due)
                .exclude(rethrive_flagged_for=due)
                .update(rethrive_flagged_for=due)
            )
            if won:
                incident = Incident.objects.select_related("owner").get(pk=pk)
                # Addressed to the current owner (a watch handover moves it: incidents/handover.py).
                log_entry_write(
                    incident=incident,
                    kind=EntryKind.RETHRIVE_DUE,
                    at=now,
                    text=f"Re-THRIVE due: no assessment in the last {_minutes_label(incident.grading)}. "
                    f"{incident.owner.display_name}, reassess the risk now.",
                )
                incident_event(
                    incident, "incident.rethrive_overdue", at=now, grading=incident.grading, rethrive_due_at=due
                )
                flagged += 1
    return flagged


def _minutes_label(grading: str) -> str:
    minutes = int(rethrive_interval(grading).total_seconds() // 60)
    hours, mins = divmod(minutes, 60)
    if hours and mins:
        return f"{hours} h {mins} min"
    return f"{hours} h" if hours else f"{mins} min"
