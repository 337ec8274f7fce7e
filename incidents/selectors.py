"""Reads of incident logs, shaped for pages and the API."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils import timezone

from accounts.models import User
from accounts.roles import role_can
from audit.services import audit_record, read_action
from config.params import whole_number
from config.statements import ModelStatement
from incidents.models import Incident, LogEntry, Status

# An incident's log is shown a slice at a time, newest first (issue 18; docs/DECISIONS.md):
# the latest LOG_SHOWN entries on the incident's page and the supervisor's review page, then
# LOG_PAGE a page on the log's own pages.
LOG_SHOWN = 20
LOG_PAGE = 50


# What an incident's pages show of it beside its own columns.
INCIDENT_RELATED = ("category", "handler", "owner", "team", "closure_code", "closed_by")


def get_incident_for_user(user: User, reference: str, *, related: tuple[str, ...] = INCIDENT_RELATED) -> Incident:
    """The one access check for an incident. Control rooms share their logs: any handler
    or supervisor may read and work any incident (a follow-up call reaches whoever is free);
    trainers and analysts have no access to incident logs at all. `related`: the related
    rows joined in (a page that shows fewer asks for fewer: each join costs CPU to build)."""
    if not role_can(user, "view_incidents"):
        raise Http404
    incident = incident_by_reference(reference, related=related)
    if incident is None:
        raise Http404
    return incident


# One compiled statement per set of joins asked for (issue 18): building and compiling the
# incident's query with its six joins cost 3 ms of CPU a request, running it 0.3 ms.
_BY_REFERENCE: dict[tuple[str, ...], ModelStatement] = {}


def incident_by_reference(reference: str, *, related: tuple[str, ...] = INCIDENT_RELATED) -> Incident | None:
    """The incident with this reference, its `related` rows joined in; None when there is none.
    Every page and API route that finds an incident by its reference reads it here."""
    statement = _BY_REFERENCE.get(related)
    if statement is None:
        # select_related() with no names would join every non-null foreign key: none asked, none joined.
        incidents = Incident.objects.select_related(*related) if related else Incident.objects.all()
        statement = _BY_REFERENCE[related] = ModelStatement(
            lambda reference: incidents.filter(reference=reference).order_by("pk")[:1],
            reference="statement-marker:incident-reference",
        )
    return statement.first(reference=reference)


def incident_read_record(
    *, user: User, incident: Incident, request: HttpRequest | None = None, channel: str = ""
) -> None:
    """The audit line for one read of an incident's log (rule 4): a consultation on a page, a
    disclosure through the API (DPA 2018 s.62). Called by the selector that loads the log for
    showing (casework.selectors.get_incident_detail_for_user), never by a view."""
    audit_record(
        actor=user,
        action=read_action(request, channel),
        object_type="incident",
        object_id=incident.pk,
        incident_reference=incident.reference,
        request=request,
        channel=channel,
    )


@dataclass
class IncidentFilters:
    q: str = ""
    status: str = ""
    handler: str = ""
    # The current owner (watch handover: incidents/handover.py), by username.
    owner: str = ""
    team: str = ""
    overdue: bool = False

    @classmethod
    def from_params(cls, params: Any) -> "IncidentFilters":
        overdue = str(params.get("overdue", "")).lower() in {"true", "1", "yes", "on"}
        status = params.get("status", "")

        def text(*names: str) -> str:
            # PostgreSQL refuses a NUL character even in a filter: drop it rather than 500.
            value = next((params.get(name) for name in names if params.get(name)), "") or ""
            return str(value).replace("\x00", "").strip()

        return cls(
            q=text("q", "reference")[:50],
            status=status if status in Status.values else "",
            handler=text("handler")[:150],
            owner=text("owner")[:150],
            team=text("team")[:100],
            overdue=overdue,
        )


def incident_list(filters: IncidentFilters, *, now: datetime | None = None) -> Any:
    """Incidents newest first, filtered; joins what a list row shows so each page of the
    list costs the same few queries however long it is."""
    now = now or timezone.now()
    qs = Incident.objects.select_related("category", "handler", "owner", "team").order_by("-opened_at", "-id")
    if filters.q:
        qs = qs.filter(Q(reference__istartswith=filters.q) | Q(reference__iexact=filters.q))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.handler:
        qs = qs.filter(handler__username=filters.handler)
    if filters.owner:
        qs = qs.filter(owner__username=filters.owner)
    if filters.team:
        qs = qs.filter(team__name=filters.team)
    if filters.overdue:
        qs = qs.overdue(now)
    return qs


@dataclass(frozen=True)
class LogSlice:
    """Log entries newest first; `older_than` is the id to ask for the next (older) page
    with, None when these reach back to the first entry."""

    entries: list[LogEntry]
    older_than: int | None


def log_entries(incident: Incident, *, before: LogEntry | None = None, size: int = LOG_SHOWN) -> LogSlice:
    """`size` entries newest first (by time, then id: the order the page has always shown, read
    backwards), older than `before` when given. One query, on the index
    logentry_incident_at_id, whatever the length of the log or the page asked for (keyset,
    not OFFSET); one row more than shown says whether there is an older page."""
    rows = list(log_entries_queryset(incident, before=before)[: size + 1])
    shown = rows[:size]
    return LogSlice(entries=shown, older_than=shown[-1].pk if len(rows) > size else None)


def log_entries_queryset(incident: Incident, *, before: LogEntry | None = None) -> Any:
    """The incident's entries newest first, older than `before` when given (log_entries
    slices it)."""
    qs = LogEntry.objects.filter(incident=incident).select_related("author").order_by("-at", "-id")
    if before is not None:
        # (at, id) < (before.at, before.id), written so that `at <= ...` bounds the index scan.
        qs = qs.filter(at__lte=before.at).filter(Q(at__lt=before.at) | Q(id__lt=before.pk))
    return qs


def log_entry_anchor(incident: Incident, raw: str) -> LogEntry | None:
    """The entry a `?before=` names, or None when it names none of this incident's entries
    (the page answers 404: a link from another incident, or a typed number)."""
    pk = whole_number(raw)
    if pk is None:
        return None
    return LogEntry.objects.filter(incident=incident, pk=pk).only("id", "at").first()
