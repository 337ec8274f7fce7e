from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    """The rules and pages that span an incident, its assessments and its victims: the
    closure gate, the submission, the grading change (it resets the re-THRIVE clock from the
    latest assessment), the incident's own page and API, and the home pages. It sits above
    incidents, thrive and victims and nothing below imports it."""

    name = "casework"
    verbose_name = "Casework"
