"""The one way to read an assessment version: `get_assessment_for_user`.

Every page, API endpoint and admin view that shows a version's answers calls it, so the
rules about who may read what live here once: a draft is its author's alone (anyone else,
a supervisor included, is told "not found"), a reviewer sees only their own team's
versions, and every read is written to the audit log (rule 4) before the answers leave.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from accounts.roles import role_can
from audit.services import audit_record, read_action
from incidents.models import Incident
from thrive.models import Assessment, AssessmentStatus
from thrive.returns import can_review


def latest_submitted_assessment(incident: Incident, *, with_author: bool = False) -> Assessment | None:
    """The incident's newest submitted version: the one the closure gate and the re-THRIVE
    clock go by (`with_author`: its author read in the same query)."""
    found = Assessment.objects.filter(incident=incident, status=AssessmentStatus.SUBMITTED)
    if with_author:
        found = found.select_related("author")
    return found.order_by("-version").first()


class DraftPrivate(Http404):
    """Someone else's draft: "not found" on every route. The incident's own version page
    catches it to say only that a draft exists and who is writing it (never its answers)."""

    def __init__(self, assessment: Assessment) -> None:
        super().__init__("No such assessment version.")
        self.assessment = assessment


def assessment_read_record(
    *, user: Any, assessment: Assessment, request: HttpRequest | None = None, channel: str = ""
) -> None:
    """The audit line for one read of a version's answers (consult on a page, disclose
    through the API). Called by `get_assessment_for_user`, and by the pages that show a
    version they already hold (the assessment form's prefill)."""
    audit_record(
        actor=user,
        action=read_action(request, channel),
        object_type="assessment",
        object_id=assessment.pk,
        incident_reference=assessment.incident.reference,
        description=f"version {assessment.version}",
        request=request,
        channel=channel,
    )


def get_assessment_for_user(
    user: Any,
    *,
    pk: int | None = None,
    incident: Incident | None = None,
    version: int | None = None,
    review: bool = False,
    read: bool = True,
    request: HttpRequest | None = None,
    channel: str = "",
) -> Assessment:
    """One assessment version, by id or by (incident, version), for `user`.

    - Unknown: 404. A role that does not work incidents: 404, as for the incident itself.
    - `review=True` (the supervisor's review and return routes): only a supervisor of the
      incident's team (403 otherwise: thrive.returns.can_review).
    - `read=True` (the answers will be shown): someone else's draft is 404 (DraftPrivate),
      and the read is recorded in the audit log. A write route that only acts on the version
      (return, mark reviewed) passes read=False: its service answers for a draft (409).
    """
    if review:
        if not can_review(user):
            raise PermissionDenied
    elif not role_can(user, "view_incidents"):
        raise Http404
    found = Assessment.objects.select_related(
        "incident", "incident__category", "incident__team", "author", "prompt_set", "revises"
    )
    if pk is not None:
        found = found.filter(pk=pk)
    elif incident is not None and version is not None:
        found = found.filter(incident=incident, version=version)
    else:
        raise Http404
    assessment = found.first()
    if assessment is None:
        raise Http404
    if review and assessment.incident.team_id != user.team_id:
        raise PermissionDenied
    if read:
        if assessment.status == AssessmentStatus.DRAFT and assessment.author_id != user.pk:
            raise DraftPrivate(assessment)
        assessment_read_record(user=user, assessment=assessment, request=request, channel=channel)
    return assessment
