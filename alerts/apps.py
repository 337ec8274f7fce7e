from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Rule 13: escalation. A high-risk assessment, or a re-THRIVE an hour overdue, alerts the
    supervisors on watch; the first to acknowledge owns it; unacknowledged, it goes wider.
    It sits below thrive (whose sweep raises the overdue alerts) and casework (whose
    submission raises the high-risk ones), above incidents."""

    name = "alerts"
    verbose_name = "Escalation alerts"
