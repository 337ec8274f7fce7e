from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template import engines

from bench.bare_project.models import Incident

# The same text as bench.views.TINY_SIGNED.
TINY_SIGNED = engines["django"].from_string(
    '<!doctype html><title>bare</title><p>{{ reference }}</p><form method="post">{% csrf_token %}</form>'
)


@login_required
def bare_signed(request: HttpRequest) -> HttpResponse:
    """Signed in, one ORM query, a tiny template with a CSRF token: bench.views.bare_signed
    in a project with nothing but Django's defaults."""
    pk = request.GET.get("id", "1")
    reference = Incident.objects.filter(pk=int(pk) if pk.isdigit() else 1).values_list("reference", flat=True).first()
    return HttpResponse(TINY_SIGNED.render({"reference": reference or ""}, request))
