"""Rule 13's background work: tasks call the services."""

from celery import shared_task

from alerts.services import alert_escalate_due


@shared_task(name="alerts.tasks.alert_escalate_sweep")
def alert_escalate_sweep() -> int:
    """Every 30 s (beat): alerts unacknowledged for ALERT_ESCALATE_MINUTES go wider."""
    return alert_escalate_due()
