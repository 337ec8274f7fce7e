"""The references each page is measured against: the least a Django page can do."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template import engines
from django.views.decorators.csrf import csrf_exempt

TINY = engines["django"].from_string("<!doctype html><title>bare</title><p>{{ reference }}</p>")


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
