from datetime import datetime, time

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.decorators import role_required
from audit.models import Action, AuditEvent

PAGE_SIZE = 100


def _local_day_edge(raw: str, edge: time) -> datetime | None:
    """The first (time.min) or last (time.max) moment of a YYYY-MM-DD day in local time,
    so a search "from" and "to" the same day takes the whole of it; None if not a date."""
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").date()  # noqa: DTZ007 - made aware below
    except ValueError:
        return None
    return timezone.make_aware(datetime.combine(day, edge), timezone.get_current_timezone())


@require_GET
@role_required("view_audit")
def audit_search(request: HttpRequest) -> HttpResponse:
    """Search the audit log by person, incident and date (days in local time, inclusive)."""
    person = request.GET.get("person", "").strip()[:150]
    incident = request.GET.get("incident", "").strip()[:20]
    action = request.GET.get("action", "")
    raw_from, raw_to = request.GET.get("from", ""), request.GET.get("to", "")
    errors = []
    events = AuditEvent.objects.all()
    if person:
        events = events.filter(actor_username=person)
    if incident:
        events = events.filter(incident_reference=incident)
    if action in Action.values:
        events = events.filter(action=action)
    for name, raw, edge, lookup in (("from", raw_from, time.min, "at__gte"), ("to", raw_to, time.max, "at__lte")):
        if not raw:
            continue
        at = _local_day_edge(raw, edge)
        if at is None:
            errors.append({"anchor": f"f-{name}", "message": f"Enter the ‘{name}’ date as YYYY-MM-DD"})
        else:
            events = events.filter(**{lookup: at})
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "audit/search.html",
        {
            "page": page,
            "errors": errors,
            "actions": Action.choices,
            "values": {"person": person, "incident": incident, "action": action, "from": raw_from, "to": raw_to},
            "querystring": params.urlencode(),
        },
        status=400 if errors else 200,
    )
