from django.apps import AppConfig


class EmailsConfig(AppConfig):
    name = "emails"
    verbose_name = "Emails"

    def ready(self) -> None:
        # Registers the tasks under their names in every process (web, worker, commands):
        # emails.services hands work over by name (config.celery.task_enqueue).
        from emails import tasks  # noqa: F401
