"""Rule 13's definitions, in one place each: who is on watch, which risk levels raise an
alert, how overdue a re-THRIVE must be, and when an unacknowledged alert goes wider."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q


def on_watch_q(now: datetime, prefix: str = "") -> Q:
    """A watch that is open now: started, not ended, and not lapsed (a watch nobody ended
    stops counting WATCH_MAX_HOURS after it started, so a forgotten one does not keep a
    supervisor "on duty" for days). `prefix` reaches it from another model ("watches__")."""
    return Q(
        **{
            f"{prefix}ended_at__isnull": True,
            f"{prefix}started_at__lte": now,
            f"{prefix}started_at__gt": now - timedelta(hours=settings.WATCH_MAX_HOURS),
        }
    )


def live_q(prefix: str = "") -> Q:
    """An alert still calling for a supervisor: nobody has acknowledged it and its incident
    has not closed since (a close settles it: alerts.services.alert_settle_for_close). The
    escalation sweep, the queues, a new watch and "one open high-risk alert at a time" all
    mean this. `prefix` reaches it from another model ("alerts__")."""
    return Q(**{f"{prefix}acknowledged_at__isnull": True, f"{prefix}settled_at__isnull": True})


def risk_raises_alert(risk_level: str) -> bool:
    """A submitted assessment at this risk level alerts the supervisors (ALERT_RISK_LEVELS)."""
    return bool(risk_level) and risk_level in settings.ALERT_RISK_LEVELS


def overdue_alert_before(now: datetime) -> datetime:
    """An open incident whose re-THRIVE fell due before this instant is overdue long enough
    (ALERT_OVERDUE_MINUTES) to alert the supervisors."""
    return now - timedelta(minutes=settings.ALERT_OVERDUE_MINUTES)


def escalate_raised_before(now: datetime) -> datetime:
    """An alert raised at or before this instant and still unacknowledged goes to every
    supervisor on watch (ALERT_ESCALATE_MINUTES)."""
    return now - timedelta(minutes=settings.ALERT_ESCALATE_MINUTES)


def duration_label(seconds: float) -> str:
    """ "4 min", "1 h 5 min", "under a minute": how long an alert waited."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "under a minute"
    hours, mins = divmod(minutes, 60)
    if hours and mins:
        return f"{hours} h {mins} min"
    return f"{hours} h" if hours else f"{mins} min"
