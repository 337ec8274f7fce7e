"""The references each page is measured against: the least a Django page can do."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template import engines
from django.views.decorators.csrf import csrf_exempt

from incidents.models import Incident

TINY = engines["django"].from_string("<!doctype html><title>bare</title><p>{{ reference }}</p>")
# The signed-in reference (issue 18): a form's CSRF token in a template rendered with the
# request, so every context processor runs as on a real page. The same text as
# bench/bare_project's view.
TINY_SIGNED = engines["django"].from_string(
    '<!doctype html><title>bare</title><p>{{ reference }}</p><form method="post">{% csrf_token %}</form>'
)


@login_not_required
def bare_page(request: HttpRequest) -> HttpResponse:
    """One indexed query and a tiny template."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reference FROM incidents_incident WHERE id = %s", [request.GET.get("id", "1")])
        row = cursor.fetchone()
    return HttpResponse(TINY.render({"reference": row[0] if row else ""}))


@csrf_exempt
@login_not_required
def bare_insert(request: HttpRequest) -> HttpResponse:
    """One insert in a transaction, then a redirect: what a form POST costs at the least."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_insert (body) VALUES (%s)", [request.POST.get("body", "")[:2000]])
    return HttpResponseRedirect("/__bench__/bare/")


def bare_signed(request: HttpRequest) -> HttpResponse:
    """Signed in through the product's whole middleware stack (no exemption: a signed-out
    request is sent to the login page), one ORM query, a tiny template with a CSRF token:
    what any signed-in page costs before its own work."""
    pk = request.GET.get("id", "1")
    reference = Incident.objects.filter(pk=int(pk) if pk.isdigit() else 1).values_list("reference", flat=True).first()
    return HttpResponse(TINY_SIGNED.render({"reference": reference or ""}, request))
