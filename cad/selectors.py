"""The CAD's reads: an incident by the CAD's reference, and the closure check."""

from dataclasses import dataclass

from django.http import Http404, HttpRequest

from accounts.models import User
from casework import rules as closure_rules
from casework.rules import Blocker
from casework.selectors import incident_detail_queryset
from incidents.models import ClosureCode, Incident
from incidents.selectors import incident_read_record
from thrive.models import Assessment
from thrive.returns import open_return_for
from thrive.selectors import latest_submitted_assessment


def cad_incident(cad_ref: str) -> Incident:
    """The incident the CAD keys by `cad_ref`, or 404 (it has not arrived from the CAD).
    Who may ask is the route's permission (accounts.roles "cad_*")."""
    incident = (
        Incident.objects.select_related("category", "handler", "team", "closure_code", "closed_by")
        .filter(cad_ref=cad_ref)
        .first()
    )
    if incident is None:
        raise Http404
    return incident


def get_cad_incident_detail_for_user(user: User, cad_ref: str, *, request: HttpRequest | None = None) -> Incident:
    """The incident's log, as GET /api/incidents/{reference}/ shows it, found by the CAD's
    reference; the read is recorded as a disclosure (rule 4), as the reference route's is."""
    incident = incident_detail_queryset().filter(cad_ref=cad_ref).first()
    if incident is None:
        raise Http404
    incident_read_record(user=user, incident=incident, request=request)
    return incident


@dataclass(frozen=True)
class ClosureCheck:
    may_close: bool
    blockers: list[Blocker]
    exempt_codes: list[str]
    assessment: Assessment | None
    assessment_status: str


def closure_check(incident: Incident, *, closure_code: ClosureCode | None = None) -> ClosureCheck:
    """What the CAD asks before closing its own log: what would stop the close now, by the
    same rule the close applies (casework.rules.close_blockers, called as incident_close
    calls it), so the answer stays right whatever blockers that rule gains.

    `blockers` are for the code given, or for an ordinary (not exempt) code when none is.
    `exempt_codes` are the exempt closure codes that would close this incident now without
    an assessment (each asked of the same rule). What the rule reads is read once and handed
    to it (the latest version; every exempt code's policy lines), so the check costs the same
    whatever the number of codes and lines (tests/perf/test_query_counts.py pins it)."""
    latest = latest_submitted_assessment(incident, with_author=True)
    blockers = closure_rules.close_blockers(incident, closure_code=closure_code, latest=latest, latest_known=True)
    exempt = list(ClosureCode.objects.filter(active=True, exempt=True).order_by("code"))
    lines = closure_rules.exemption_lines_by_code(exempt)
    exempt_codes = [
        code.code
        for code in exempt
        if not closure_rules.close_blockers(
            incident, closure_code=code, latest=latest, latest_known=True, lines=lines[code.pk]
        )
    ]
    status = ""
    if latest is not None:
        status = "returned" if open_return_for(latest) is not None else latest.status
    return ClosureCheck(
        may_close=not blockers,
        blockers=blockers,
        exempt_codes=exempt_codes,
        assessment=latest,
        assessment_status=status,
    )
