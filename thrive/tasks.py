from celery import shared_task

from thrive.services import rethrive_flag_overdue


@shared_task(name="thrive.tasks.rethrive_sweep")
def rethrive_sweep() -> int:
    """Every minute (beat): write the "re-THRIVE due" entry on newly overdue incidents."""
    return rethrive_flag_overdue()
