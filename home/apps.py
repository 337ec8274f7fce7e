from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The home pages and the header's navigation. They summarise every app for each role
    (incidents, assessments, returns, wording, texts, QA), so they sit above all of them;
    accounts, the ground floor, imports no other app."""

    name = "home"
    verbose_name = "Home pages"
