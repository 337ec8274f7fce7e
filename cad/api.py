"""The CAD's API routes (API.md "Command-and-control (CAD) integration"): the incident by the
CAD's reference (GET, and PUT for the intake), the closure check and the close. Shapes are the
reference routes' own (casework/api.py) plus `cad_ref`."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import role_can
from cad.selectors import cad_incident, closure_check, get_cad_incident_detail_for_user
from cad.services import HANDLER_MAX, cad_incident_put
from cad.services import cad_incident_close as close_service
from casework.api import CloseIn, IncidentDetailOut
from config.api import ClientTimeField
from incidents.api import IncidentOut
from incidents.models import Channel, ClosureCode, Grading, Incident


def cad_access(**capability_by_method: str) -> type[BasePermission]:
    """Who may use a CAD route, per method (accounts.roles): the intake and the close are the
    integration account's; handlers and supervisors may read. A method the route does not
    have is left to the view's 405 (for a signed-in caller)."""

    class CadAccess(BasePermission):
        def has_permission(self, request: Request, view: Any) -> bool:
            capability = capability_by_method.get(request.method or "")
            if capability is None:
                return bool(request.user and request.user.is_authenticated)
            return role_can(request.user, capability)

    return CadAccess


CadRead = cad_access(GET="cad_read", HEAD="cad_read")


class CadIncidentIn(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    category = serializers.CharField(max_length=50)
    grading = serializers.ChoiceField(choices=Grading.choices)
    summary = serializers.CharField(max_length=2000)
    location = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    opened_at = ClientTimeField(
        required=False, help_text="The CAD's own time for the call; kept as first sent (leave out or send it again)."
    )
    handler = serializers.CharField(max_length=HANDLER_MAX, help_text="The username of the call taker.")


class CadIncidentOut(IncidentDetailOut):
    cad_ref = serializers.CharField()


class CadIncidentClosedOut(IncidentOut):
    cad_ref = serializers.CharField()


class BlockerOut(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField(source="message")


class ClosureAssessmentOut(serializers.Serializer):
    version = serializers.IntegerField()
    status = serializers.CharField(help_text="`submitted`, or `returned` while a supervisor's return is open.")
    risk_level = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    author = serializers.CharField()


class ClosureOut(serializers.Serializer):
    may_close = serializers.BooleanField()
    blockers = BlockerOut(many=True)
    exempt_codes = serializers.ListField(child=serializers.CharField())
    assessment = ClosureAssessmentOut(allow_null=True)


class ClosureQuery(serializers.Serializer):
    closure_code = serializers.CharField(required=False, max_length=50)


def _detail(request: Request, cad_ref: str, *, status: int = 200) -> Response:
    found = get_cad_incident_detail_for_user(request.user, cad_ref, request=request)
    return Response(CadIncidentOut(found, context={"request": request}).data, status=status)


@extend_schema(methods=["GET"], responses=CadIncidentOut, operation_id="api_cad_incident_retrieve")
@extend_schema(
    methods=["PUT"],
    request=CadIncidentIn,
    responses={201: CadIncidentOut, 200: CadIncidentOut},
    operation_id="api_cad_incident_put",
    description="Create (201) or bring in line (200) the incident keyed by the CAD's reference. Idempotent.",
)
@api_view(["GET", "PUT"])
@permission_classes([cad_access(GET="cad_read", HEAD="cad_read", PUT="cad_intake")])
def cad_incident_detail(request: Request, cad_ref: str) -> Response:
    if request.method == "PUT":
        if not isinstance(request.data, dict):
            return Response({"non_field_errors": ["Send a JSON object"]}, status=400)
        data = CadIncidentIn(data=request.data)
        data.is_valid(raise_exception=True)
        _, created = cad_incident_put(actor=request.user, cad_ref=cad_ref, **data.validated_data)
        return _detail(request, cad_ref, status=201 if created else 200)
    return _detail(request, cad_ref)


@extend_schema(
    responses=ClosureOut,
    parameters=[
        OpenApiParameter(
            "closure_code", str, description="Check one closure code (an exempt one, say); by default an ordinary one."
        )
    ],
)
@api_view(["GET"])
@permission_classes([CadRead])
def cad_incident_closure(request: Request, cad_ref: str) -> Response:
    query = ClosureQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    code = None
    if wanted := query.validated_data.get("closure_code"):
        code = ClosureCode.objects.filter(code=wanted, active=True).first()
        if code is None:
            return Response({"closure_code": [f"{wanted!r} is not a closure code"]}, status=400)
    incident = cad_incident(cad_ref)
    check = closure_check(incident, closure_code=code)
    assessment = None
    if check.assessment is not None:
        assessment = {
            "version": check.assessment.version,
            "status": check.assessment_status,
            "risk_level": check.assessment.risk_level,
            "submitted_at": check.assessment.submitted_at,
            "author": check.assessment.author.username,
        }
    out = {
        "may_close": check.may_close,
        "blockers": check.blockers,
        "exempt_codes": check.exempt_codes,
        "assessment": assessment,
    }
    return Response(ClosureOut(out).data)


@extend_schema(
    request=CloseIn,
    responses={200: CadIncidentClosedOut},
    description="As POST /api/incidents/{reference}/close/. The same close sent again by the same account "
    "(a retry after a timeout) answers 200 with the closed incident, as the first did.",
)
@api_view(["POST"])
@permission_classes([cad_access(POST="cad_close")])
def cad_incident_close(request: Request, cad_ref: str) -> Response:
    target = cad_incident(cad_ref)
    data = CloseIn(data=request.data)
    data.is_valid(raise_exception=True)
    closed = close_service(incident=target, actor=request.user, request=request, **data.validated_data)
    closed = Incident.objects.select_related("category", "handler", "team", "closure_code").get(pk=closed.pk)
    return Response(CadIncidentClosedOut(closed).data)
