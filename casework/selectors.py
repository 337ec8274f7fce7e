"""Reads that compose an incident with its assessments, shaped for the incident's page and API."""

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest

from accounts.models import User
from accounts.roles import role_can
from incidents.models import Incident, LogEntry
from incidents.selectors import incident_read_record
from thrive.models import Assessment


def incident_detail_queryset() -> QuerySet[Incident]:
    """Incidents with their timelines and versions prefetched (a fixed number of queries):
    what the log page and the detail API show (the CAD's routes look up by `cad_ref`)."""
    return Incident.objects.select_related(
        "category", "handler", "owner", "team", "closure_code", "closed_by"
    ).prefetch_related(
        Prefetch("entries", queryset=LogEntry.objects.select_related("author").order_by("at", "id")),
        Prefetch(
            "assessments",
            queryset=Assessment.objects.select_related("author", "prompt_set").order_by("version"),
        ),
    )


def incident_detail(reference: str, user: User) -> Incident:
    """The incident with its timeline and versions prefetched (a fixed number of queries)."""
    if not role_can(user, "view_incidents"):
        raise Http404
    incident = incident_detail_queryset().filter(reference=reference).first()
    if incident is None:
        raise Http404
    return incident


def get_incident_detail_for_user(
    user: User, reference: str, *, request: HttpRequest | None = None, channel: str = ""
) -> Incident:
    """The incident's log for showing (its page, the API's detail): `incident_detail`, and
    the read written to the audit log (rule 4) in the one place. A page shown again after a
    refused form (close, grading) uses `incident_detail` alone, as it always has."""
    incident = incident_detail(reference, user)
    incident_read_record(user=user, incident=incident, request=request, channel=channel)
    return incident
