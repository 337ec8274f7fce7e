from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.roles import role_can
from cad.selectors import cad_incident


@require_GET
def cad_deep_link(request: HttpRequest, cad_ref: str) -> HttpResponse:
    """One click from the CAD's screen to the incident's assessment form. An incident the CAD
    has not sent yet (its PUT still on the way) is a 404 page that says so."""
    if not role_can(request.user, "view_incidents"):
        raise PermissionDenied
    try:
        incident = cad_incident(cad_ref)
    except Http404:
        return render(request, "cad/not_arrived.html", {"cad_ref": cad_ref}, status=404)
    return redirect("thrive:assessment-form", reference=incident.reference)
