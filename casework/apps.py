from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    """The rules and pages that span an incident, its assessments and its victims: the
    closure gate, the submission, the grading change (it resets the re-THRIVE clock from the
    latest assessment), the incident's own page and API, and the home pages. It sits above
    incidents, thrive and victims and nothing below imports it."""

    name = "casework"
    verbose_name = "Casework"

    def ready(self) -> None:
        # Wiring between apps that must not import each other: a victim's erasure scrubs the
        # phone copied into the incident's assessments (victims.signals). Imported here, once
        # the app registry is ready, as Django's ready() hooks are.
        from thrive.erasure import assessment_answers_erase_phone
        from victims.signals import victim_erasing

        victim_erasing.connect(assessment_answers_erase_phone, dispatch_uid="thrive-erase-phone")
