"""Reads that compose an incident with its assessments, shaped for the incident's page and API.

The pages show an incident's history a fixed slice at a time (issue 18): the latest
LOG_SHOWN log entries (incidents.selectors.log_entries) and the latest VERSIONS_SHOWN versions
on the incident's page, the rest a page of LOG_PAGE / VERSIONS_PAGE at a time, newest first, keyset-paginated (the
next page starts before the last row shown), so that page N costs what page 1 does however
long the history. The API's detail keeps the whole history: API.md fixes `assessments` as
every version, newest last."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest

from accounts.models import User
from accounts.roles import role_can
from config.statements import ModelStatement, marker_id
from incidents.models import Incident, LogEntry
from incidents.selectors import get_incident_for_user, incident_read_record
from thrive.models import Assessment, AssessmentStatus

# The incident's page: the latest versions (docs/DECISIONS.md, issue 18); its log's slice
# sizes are incidents.selectors' (LOG_SHOWN, LOG_PAGE).
VERSIONS_SHOWN = 5
# The versions' own pages, one page at a time.
VERSIONS_PAGE = 50


def incident_detail_queryset() -> QuerySet[Incident]:
    """Incidents with their whole timelines and versions prefetched (a fixed number of
    queries, rows that grow with the history): what the detail API shows, by reference or
    by the CAD's `cad_ref`. The pages read a slice instead (incident_history)."""
    return incident_page_queryset().prefetch_related(
        Prefetch("entries", queryset=LogEntry.objects.select_related("author").order_by("at", "id")),
        Prefetch(
            "assessments",
            queryset=Assessment.objects.select_related("author", "prompt_set").order_by("version"),
        ),
    )


def incident_page_queryset() -> QuerySet[Incident]:
    return Incident.objects.select_related("category", "handler", "owner", "team", "closure_code", "closed_by")


def _incident_get(queryset: QuerySet[Incident], reference: str, user: User) -> Incident:
    if not role_can(user, "view_incidents"):
        raise Http404
    incident = queryset.filter(reference=reference).first()
    if incident is None:
        raise Http404
    return incident


def incident_detail(reference: str, user: User) -> Incident:
    """The incident with its whole timeline and versions prefetched (the API's detail)."""
    return _incident_get(incident_detail_queryset(), reference, user)


def incident_page_get(reference: str, user: User) -> Incident:
    """The incident alone, with what its pages show beside it (incidents.selectors'
    INCIDENT_RELATED, the same joins as incident_page_queryset); its history is read a slice
    at a time (incident_history)."""
    return get_incident_for_user(user, reference)


def get_incident_detail_for_user(
    user: User, reference: str, *, request: HttpRequest | None = None, channel: str = ""
) -> Incident:
    """The incident's log for showing through the API's detail: `incident_detail`, and the
    read written to the audit log (rule 4) in the one place."""
    incident = incident_detail(reference, user)
    incident_read_record(user=user, incident=incident, request=request, channel=channel)
    return incident


def get_incident_page_for_user(user: User, reference: str, *, request: HttpRequest | None = None) -> Incident:
    """The incident for one of its pages that shows its log or versions (the incident's
    page, its log's pages, its versions' pages), with the read recorded (rule 4). A page shown
    again after a refused form (close, grading, note) uses `incident_page_get` alone."""
    incident = incident_page_get(reference, user)
    incident_read_record(user=user, incident=incident, request=request)
    return incident


@dataclass(frozen=True)
class VersionsSlice:
    """Assessment versions newest first; `older_than` is the version number to ask for the
    next (older) page with, None when these reach back to version 1."""

    versions: list[Assessment]
    older_than: int | None


def assessment_versions(incident: Incident, *, before: int | None = None, size: int = VERSIONS_PAGE) -> VersionsSlice:
    """`size` versions newest first, below version `before` when given: one query on the
    unique (incident, version) index, keyset, whatever the number of versions."""
    qs = Assessment.objects.filter(incident=incident).select_related("author", "prompt_set").order_by("-version")
    if before is not None:
        qs = qs.filter(version__lt=before)
    rows = list(qs[: size + 1])
    shown = rows[:size]
    return VersionsSlice(versions=shown, older_than=shown[-1].version if len(rows) > size else None)


@dataclass(frozen=True)
class VersionsSummary:
    """What the incident's page shows of its versions: the latest few (newest first),
    whether there are older ones, the latest submitted version (the closure gate's) and the
    reader's own draft (the button's), wherever they are in the history."""

    shown: list[Assessment]
    more: bool
    latest_submitted: Assessment | None
    own_draft: Assessment | None


def assessment_versions_summary(incident: Incident, user: User, *, size: int = VERSIONS_SHOWN) -> VersionsSummary:
    """Two queries of a few rows each, however many versions: the newest size + 1 (read
    backwards on the (incident, version) index), then the latest submitted version and the
    reader's draft by primary key (found on assessment_incident and the one-draft-per-author
    index), wherever they are in the history. The page shows neither answers nor wording (only
    its name and version): those JSON columns are not read, nor decoded. The two found by key
    serve the closure gate and the draft button (their number and status): not joined."""
    newest = _newest_versions(size).objects(incident=incident.pk)
    found = _GATE_AND_DRAFT.objects(incident=incident.pk, reader=user.pk)
    submitted = next((a for a in found if a.status == AssessmentStatus.SUBMITTED), None)
    draft = next((a for a in found if a.status == AssessmentStatus.DRAFT), None)
    return VersionsSummary(shown=newest[:size], more=len(newest) > size, latest_submitted=submitted, own_draft=draft)


# The two queries compiled once each (config.statements, issue 18): building them cost more
# CPU than running them.
_NEWEST: dict[int, ModelStatement] = {}


def _newest_versions(size: int) -> ModelStatement:
    """The newest size + 1 versions of an incident, with their authors and wording's name."""
    if size not in _NEWEST:
        _NEWEST[size] = ModelStatement(
            lambda incident: (
                Assessment.objects.filter(incident_id=incident)
                .select_related("author", "prompt_set")
                .defer("answers", "prompt_set__sections")
                .order_by("-version")[: size + 1]
            ),
            incident=marker_id(1),
        )
    return _NEWEST[size]


def _gate_and_draft(incident: int, reader: int) -> QuerySet[Assessment]:
    """The latest submitted version (the closure gate's) and the reader's draft, by key."""
    mine = Assessment.objects.filter(incident_id=incident)
    last_submitted = mine.filter(status=AssessmentStatus.SUBMITTED).order_by("-version").values("pk")[:1]
    own_draft = mine.filter(status=AssessmentStatus.DRAFT, author_id=reader).values("pk")[:1]
    return Assessment.objects.filter(Q(pk=Subquery(last_submitted)) | Q(pk=Subquery(own_draft))).defer("answers")


_GATE_AND_DRAFT = ModelStatement(_gate_and_draft, incident=marker_id(1), reader=marker_id(2))
