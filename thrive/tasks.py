"""Background work for assessments and wording. Tasks take ids and call a service; the
services never import this module (a task is found by its name, which stays the same for
messages already queued)."""

from celery import shared_task

from alerts.services import alert_raise_overdue
from thrive.services import rethrive_flag_overdue
from thrive.wording.publishing import wording_email_staff, wording_remind


@shared_task(name="thrive.tasks.rethrive_sweep")
def rethrive_sweep() -> int:
    """Every minute (beat): write the "re-THRIVE due" entry on newly overdue incidents, and
    alert the supervisors to those overdue an hour (rule 13, alerts.services)."""
    flagged = rethrive_flag_overdue()
    alert_raise_overdue()
    return flagged


@shared_task(name="thrive.tasks.wording_published_email")
def wording_published_email(prompt_set_id: int) -> int:
    """Kept for messages queued before the email outbox: publishing now writes the emails
    itself. Queuing again is idempotent per member of staff."""
    return wording_email_staff(prompt_set_id=prompt_set_id)


@shared_task(name="thrive.tasks.wording_reminder_email")
def wording_reminder_email(prompt_set_id: int, team_id: int | None = None) -> int:
    """Kept for messages queued before the email outbox: the reminder page now queues the
    emails itself."""
    return wording_remind(prompt_set_id=prompt_set_id, team_id=team_id)
