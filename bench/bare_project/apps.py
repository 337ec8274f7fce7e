from django.apps import AppConfig


class BareConfig(AppConfig):
    name = "bench.bare_project"
    label = "bare"
    default_auto_field = "django.db.models.BigAutoField"
