from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the service: health checks, metrics, the workers' heartbeat, the operations
    page and the restore drill. It reads texts, incidents, lockouts and the audit log, so it
    sits at the top beside home; nothing imports it."""

    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from ops import heartbeat

        heartbeat.connect()
