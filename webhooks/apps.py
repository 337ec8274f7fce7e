from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # Registers the delivery task under its name in every process: the services hand
        # deliveries over by name (config.celery.task_enqueue).
        from webhooks import tasks  # noqa: F401
