from django.apps import AppConfig


class ThriveConfig(AppConfig):
    name = "thrive"
    verbose_name = "THRIVE-SP assessments and prompt wording"
