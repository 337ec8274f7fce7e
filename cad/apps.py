from django.apps import AppConfig


class CadConfig(AppConfig):
    """The command-and-control (CAD) integration (API.md): incidents keyed by the CAD's own
    reference, their intake, the closure check and the close, and the deep link from the
    CAD's screen. It composes casework (the closure gate, the close, the grading change), so
    it sits above it; only the root URL conf routes to it."""

    name = "cad"
    verbose_name = "CAD integration"
