"""Every write to prompt sets, and rule 5's overdue sweep. Saving and submitting an
assessment spans incidents, thrive and victims: casework.services.assessment_record."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from config.errors import Blocked
from incidents.models import EntryKind, Incident, Status
from incidents.rules import rethrive_interval
from incidents.services import log_entry_write
from thrive.models import PromptSet, PromptSetStatus
from thrive.prompt_schema import sections_problems, sections_validate


def prompt_set_current(family: str | None = None) -> PromptSet:
    """The wording new assessments use: the newest published version of the force's model."""
    from thrive.wording import current_family, force_family_expression  # the admin's choice, in the same query

    chosen = family or force_family_expression()
    current = PromptSet.objects.filter(family=chosen, status=PromptSetStatus.PUBLISHED).order_by("-version").first()
    if current is None:
        family = family or current_family()
        raise Blocked("no_prompt_set", f"No published prompt set for {family!r}: a trainer must publish one.")
    return current


def prompt_set_create_draft(*, actor: User, sections: Any, change_summary: str, family: str | None = None) -> PromptSet:
    errors: dict[str, list[str]] = sections_problems(sections)
    if not (change_summary or "").strip():
        errors["change_summary"] = ["Summarise the change for staff"]
    if errors:
        raise ValidationError(errors)
    from thrive.wording import current_family

    family = family or current_family()
    with transaction.atomic():
        base = PromptSet.objects.filter(family=family).order_by("-version").select_for_update().first()
        return PromptSet.objects.create(
            family=family,
            name=base.name if base else family,
            version=(base.version if base else 0) + 1,
            status=PromptSetStatus.DRAFT,
            sections=sections,
            change_summary=change_summary.strip(),
            created_by=actor,
        )


def prompt_set_publish(*, prompt_set: PromptSet, actor: User) -> PromptSet:
    with transaction.atomic():
        locked = PromptSet.objects.select_for_update().get(pk=prompt_set.pk)
        if locked.status != PromptSetStatus.DRAFT:
            raise Blocked("already_published", f"Version {locked.version} is already published and cannot change.")
        # Checked again on the locked row, and the form drawn from it: a published set that
        # handlers cannot open must be impossible, whatever wrote the draft.
        sections_validate(locked.sections)
        locked.status = PromptSetStatus.PUBLISHED
        locked.published_at = timezone.now()
        locked.save(update_fields=["status", "published_at"])
        from thrive.wording import prompt_set_published  # rule 9: staff are told, after commit

        prompt_set_published(prompt_set=locked)
    return locked


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
                incident = Incident.objects.get(pk=pk)
                log_entry_write(
                    incident=incident,
                    kind=EntryKind.RETHRIVE_DUE,
                    at=now,
                    text=f"Re-THRIVE due: no assessment in the last {_minutes_label(incident.grading)}. "
                    "Reassess the risk now.",
                )
                flagged += 1
    return flagged


def _minutes_label(grading: str) -> str:
    minutes = int(rethrive_interval(grading).total_seconds() // 60)
    hours, mins = divmod(minutes, 60)
    if hours and mins:
        return f"{hours} h {mins} min"
    return f"{hours} h" if hours else f"{mins} min"
