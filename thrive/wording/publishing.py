"""Rule 9: publishing a draft, and telling staff. The emails are outbox rows (emails.services)
written in the publishing transaction: a rolled-back publication tells nobody, and a
committed one keeps its emails even when the broker is down as it commits (the sweep sends
them)."""

import uuid
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Team, User
from config.errors import Blocked
from emails.services import Outgoing, email_queue
from thrive.models import PromptSet, PromptSetStatus, WordingAcknowledgement
from thrive.prompt_schema import sections_validate
from thrive.wording.acknowledgements import staff_to_tell
from thrive.wording.diff import diff_as_text, prompt_set_diff
from thrive.wording.sets import previous_published


def prompt_set_publish(*, prompt_set: PromptSet, actor: User) -> PromptSet:
    """Publish a draft: from then on new assessments use it, it never changes, and staff are
    emailed what changed. Staff must be told what changed, so a version without a change
    summary is not published."""
    with transaction.atomic():
        locked = PromptSet.objects.select_for_update().get(pk=prompt_set.pk)
        if locked.status != PromptSetStatus.DRAFT:
            raise Blocked("already_published", f"Version {locked.version} is already published and cannot change.")
        # Checked again on the locked row, and the form drawn from it: a published set that
        # handlers cannot open must be impossible, whatever wrote the draft.
        sections_validate(locked.sections)
        if not (locked.change_summary or "").strip():
            raise ValidationError({"change_summary": ["Summarise the change for staff before publishing"]})
        locked.status = PromptSetStatus.PUBLISHED
        locked.published_at = timezone.now()
        locked.save(update_fields=["status", "published_at"])
        wording_emails_queue(prompt_set=locked)
    return locked


def _published_email(prompt_set: PromptSet, user: User, *, body_diff: str, reminder: bool) -> tuple[str, str]:
    when = timezone.localtime(prompt_set.published_at).strftime("%d/%m/%Y %H:%M") if prompt_set.published_at else ""
    subject = (
        f"{'Reminder: please acknowledge' if reminder else 'New'} THRIVE-SP guidance: "
        f"{prompt_set.name} version {prompt_set.version}"
    )
    body = (
        f"Dear {user.display_name},\n\n"
        f"{prompt_set.name} version {prompt_set.version} of the assessment prompts was published {when}. "
        "New assessments use it from now on; a draft you started before keeps its wording until you submit it.\n\n"
        f"What changed, in the trainer's words:\n{prompt_set.change_summary}\n\n"
        f"The changes, word by word ([-removed-] {{+added+}}):\n{body_diff}\n\n"
        "Please sign in to THRIVE-SP and acknowledge the new guidance from the banner on your home page.\n"
    )
    return subject, body


def _body_diff(prompt_set: PromptSet) -> str:
    previous = previous_published(prompt_set)
    return diff_as_text(prompt_set_diff(previous.sections if previous else [], prompt_set.sections))


def wording_emails_queue(*, prompt_set: PromptSet, now: datetime | None = None) -> int:
    """Queue one email to every active handler and supervisor with the change summary and
    the diff, in the caller's transaction, and record that each was told.

    Idempotent: each member's email has the dedupe key of this version and this person, so
    queuing again (a retried task from before the outbox) writes nothing. Returns how many
    were new."""
    if prompt_set.status != PromptSetStatus.PUBLISHED:
        return 0
    now = now or timezone.now()
    body_diff = _body_diff(prompt_set)
    staff = list(staff_to_tell().exclude(email=""))
    messages = []
    for user in staff:
        subject, body = _published_email(prompt_set, user, body_diff=body_diff, reminder=False)
        messages.append(
            Outgoing(
                to=user.email, subject=subject, body=body, dedupe_key=f"wording_published:{prompt_set.pk}:{user.pk}"
            )
        )
    WordingAcknowledgement.objects.bulk_create(
        [WordingAcknowledgement(prompt_set=prompt_set, user=user, emailed_at=now) for user in staff],
        ignore_conflicts=True,
    )
    return email_queue(kind="wording_published", topic=f"prompt_set:{prompt_set.pk}", messages=messages)


def wording_email_staff(*, prompt_set_id: int) -> int:
    """The task of the same name, for messages queued before the outbox: queues (idempotently)."""
    return wording_emails_queue(prompt_set=PromptSet.objects.get(pk=prompt_set_id))


def wording_remind(*, prompt_set_id: int, team_id: int | None = None, now: datetime | None = None) -> int:
    """Queue a reminder to those who have not yet acknowledged the version (of one team, or
    all), in the caller's transaction. Each press of the button is its own reminder."""
    prompt_set = PromptSet.objects.get(pk=prompt_set_id)
    now = now or timezone.now()
    team = Team.objects.filter(pk=team_id).first() if team_id else None
    acknowledged = WordingAcknowledgement.objects.filter(prompt_set=prompt_set, acknowledged_at__isnull=False).values(
        "user_id"
    )
    body_diff = _body_diff(prompt_set)
    batch = uuid.uuid4().hex
    messages = []
    with transaction.atomic():
        for user in staff_to_tell(team).exclude(pk__in=acknowledged).exclude(email=""):
            WordingAcknowledgement.objects.update_or_create(
                prompt_set=prompt_set, user=user, defaults={"reminded_at": now}
            )
            subject, body = _published_email(prompt_set, user, body_diff=body_diff, reminder=True)
            messages.append(
                Outgoing(
                    to=user.email,
                    subject=subject,
                    body=body,
                    dedupe_key=f"wording_reminder:{prompt_set.pk}:{user.pk}:{batch}",
                )
            )
        return email_queue(kind="wording_reminder", topic=f"prompt_set:{prompt_set.pk}", messages=messages)
