from django.apps import AppConfig


class VictimsConfig(AppConfig):
    name = "victims"
    verbose_name = "Victims and texts"

    def ready(self) -> None:
        # Registers the text tasks under their names in every process (web, worker, commands):
        # the outbox (config.outbox, victims.texts.TEXTS) hands work over by name.
        from victims import tasks  # noqa: F401
