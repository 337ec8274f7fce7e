"""The force's gradings (issue 15): the `ResponseGrading` table and the one read of it.

Every incident row shown, every re-THRIVE due time and every grading check reads the table,
so it is read once into a snapshot and kept for `CACHE_SECONDS`: a page of fifty incidents
costs no query for their gradings' names. A change saved in this process (the admin, through
`incidents.services.grading_save`, or any save of a row) drops the snapshot at once through
the model's signals; another process sees it within `CACHE_SECONDS`.

A code missing from the table (an incident graded before its row was removed by hand) still
reads: its name is the code's label from the API's list, its interval the settings' default.
"""

import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save

CACHE_SECONDS = 60

# The API's codes and their labels (API.md): the seeds of the table, and the fallback name
# of a code that is not in it.
API_CODES = {
    "immediate": "Immediate",
    "priority": "Priority",
    "scheduled": "Scheduled",
    "resolution_without_deployment": "Resolution without deployment",
}


class ResponseGrading(models.Model):
    """A grading a force responds with, as its administrator keeps it. The code is what the
    API and `Incident.grading` carry; the name is what every page shows (Hertfordshire calls
    Priority "Prompt"). Not deleted once used: made inactive, it is refused for new incidents
    and changes, and still names the incidents that have it."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField(default=0, help_text="Lists show gradings in this order, lowest first.")
    target_attendance = models.DurationField(
        null=True, blank=True, help_text="The force's target time to attend (hh:mm:ss); empty when none."
    )
    rethrive_interval = models.DurationField(
        default=timedelta(hours=3, minutes=30),
        help_text="Elapsed time from one assessment to the next re-THRIVE (hh:mm:ss).",
    )
    dispatch_before_assessment = models.BooleanField(
        default=False,
        help_text="A response may be dispatched before the THRIVE-SP assessment, which follows "
        "(West Midlands: an immediate response).",
    )
    active = models.BooleanField(default=True)

    class Meta:
        app_label = "incidents"
        ordering = ["order", "name"]
        verbose_name = "grading"
        constraints = [
            models.CheckConstraint(condition=Q(rethrive_interval__gt=timedelta(0)), name="grading_interval_positive"),
        ]

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class GradingRow:
    code: str
    name: str
    order: int
    target_attendance: timedelta | None
    rethrive_interval: timedelta
    dispatch_before_assessment: bool
    active: bool


_lock = threading.Lock()
_snapshot: tuple[float, dict[str, GradingRow]] | None = None


def grading_table() -> dict[str, GradingRow]:
    """Every grading, active or not, by code, in the table's order (a snapshot)."""
    global _snapshot
    current = _snapshot
    if current is not None and time.monotonic() - current[0] < CACHE_SECONDS:
        return current[1]
    rows = {
        row.code: GradingRow(
            code=row.code,
            name=row.name,
            order=row.order,
            target_attendance=row.target_attendance,
            rethrive_interval=row.rethrive_interval,
            dispatch_before_assessment=row.dispatch_before_assessment,
            active=row.active,
        )
        for row in ResponseGrading.objects.order_by("order", "name")
    }
    with _lock:
        _snapshot = (time.monotonic(), rows)
    return rows


def grading_table_forget(**_: Any) -> None:
    """Drop the snapshot: the next read takes the table afresh."""
    global _snapshot
    with _lock:
        _snapshot = None


def _row_saved(**_: Any) -> None:
    # Now, for the saving transaction's own reads, and again once it commits (a read in
    # between would have cached the uncommitted row; a rollback leaves the table as it was).
    grading_table_forget()
    transaction.on_commit(grading_table_forget)


post_save.connect(_row_saved, sender=ResponseGrading, dispatch_uid="grading_table_forget_save")
post_delete.connect(_row_saved, sender=ResponseGrading, dispatch_uid="grading_table_forget_delete")


def grading_choices(*, active_only: bool = True) -> list[tuple[str, str]]:
    """(code, name) in the force's order: what a form offers and a message lists."""
    return [(row.code, row.name) for row in grading_table().values() if row.active or not active_only]


def grading_is_active(code: str) -> bool:
    row = grading_table().get(code)
    return row is not None and row.active


def grading_label(code: str) -> str:
    """The force's name for a grading code, never the code itself."""
    row = grading_table().get(code)
    if row is not None:
        return row.name
    return API_CODES.get(code, code.replace("_", " ").capitalize())


def grading_interval(code: str) -> timedelta:
    """The table's re-THRIVE interval for a grading (the settings' default for a code not in it)."""
    row = grading_table().get(code)
    if row is not None:
        return row.rethrive_interval
    return timedelta(minutes=settings.RETHRIVE_DEFAULT_MINUTES)


def grading_dispatch_before_assessment(code: str) -> bool:
    row = grading_table().get(code)
    return row is not None and row.dispatch_before_assessment
