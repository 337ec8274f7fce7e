"""The QA grade scale as data (issue 15): an administrator keeps it in the Django admin, and
every change goes through `grade_level_save`, which records it in the audit log in the same
transaction. What each level means for the figures is read by qa.selectors
(grade_counts_as_good, grade_counted)."""

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from audit.models import Action
from audit.services import audit_record
from qa.models import GradeLevel

AUDITED_FIELDS = ("code", "label", "order", "counts_as_good", "not_applicable", "active")


def grade_level_save(*, level: GradeLevel, actor: Any, request: HttpRequest | None = None, channel: str = "") -> None:
    """Save a level of the grade scale (new or changed) and audit what it now says. A code
    is never changed once made (the admin shows it read-only): a stored grade keeps its
    meaning, and the figures of past months change only by an administrator's recorded
    choice to count a level differently."""
    with transaction.atomic():
        created = level.pk is None
        before = None if created else GradeLevel.objects.select_for_update().filter(pk=level.pk).first()
        level.save()
        changes = [
            f"{name}={getattr(level, name)}"
            for name in AUDITED_FIELDS
            if before is None or getattr(before, name) != getattr(level, name)
        ]
        audit_record(
            actor=actor,
            action=Action.COLLECT if created else Action.ALTER,
            object_type="qa_grade_level",
            object_id=level.pk,
            description=("added: " if created else "changed: ") + ", ".join(changes),
            request=request,
            channel=channel or ("admin" if request is not None else ""),
        )
