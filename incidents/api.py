"""The incident API routes that touch only incidents: the list and creation (API.md
"Incidents"). The routes that compose incidents with assessments and victims are in
casework/api.py."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import capability_permission
from config.api import ClientTimeField, paginated
from incidents.handover import incident_handover
from incidents.models import Channel, Incident
from incidents.reopen import can_reopen, incident_reopen
from incidents.selectors import IncidentFilters, get_incident_for_user, incident_list
from incidents.services import incident_create

WorksIncidents = capability_permission("work_incidents")
HandsOver = capability_permission("hand_over")


class IncidentCreateIn(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    category = serializers.CharField(max_length=50)
    # One of the force's active gradings (the table; API.md's codes): checked by the service,
    # which answers 400 naming the field.
    grading = serializers.CharField(max_length=40)
    summary = serializers.CharField(max_length=2000)
    location = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    opened_at = ClientTimeField(required=False)


class IncidentOut(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.CharField()
    channel = serializers.CharField()
    category = serializers.CharField(source="category.code")
    grading = serializers.CharField()
    summary = serializers.CharField()
    location = serializers.CharField()
    opened_at = serializers.DateTimeField()
    handler = serializers.CharField(source="handler.username")
    # Who owns the next re-THRIVE now (a watch handover moves it; `handler` opened it).
    owner = serializers.CharField(source="owner.username")
    team = serializers.CharField(source="team.name", allow_null=True, default=None)
    rethrive_due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.SerializerMethodField()
    closed_at = serializers.DateTimeField(allow_null=True)
    closure_code = serializers.CharField(source="closure_code.code", allow_null=True, default=None)
    # The stale-edit check's counter: send it back as `row_version` with a reopen (or a page
    # form) to be refused with 409 stale_edit if someone changed the incident in between.
    row_version = serializers.IntegerField(read_only=True)

    def get_overdue(self, incident: Incident) -> bool:
        return incident.is_overdue(self.context.get("now") or timezone.now())


class LogEntryOut(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    text = serializers.CharField()
    author = serializers.CharField(source="author.username", allow_null=True, default=None)


class IncidentListQuery(serializers.Serializer):
    # Empty means "any" (API.md writes `?status=open&overdue=true&handler=&team=`).
    status = serializers.ChoiceField(choices=["open", "closed"], required=False, allow_blank=True)
    overdue = serializers.ChoiceField(choices=["true", "false"], required=False, allow_blank=True)


@extend_schema(
    methods=["GET"],
    operation_id="api_incidents_list",
    parameters=[
        OpenApiParameter("status", str, enum=["open", "closed", ""], description="Empty: any status"),
        OpenApiParameter("overdue", str, enum=["true", "false", ""], description="Empty: overdue or not"),
        OpenApiParameter("handler", str),
        OpenApiParameter("owner", str, description="The current owner's username"),
        OpenApiParameter("team", str),
        OpenApiParameter("q", str, description="Reference, or its start"),
    ],
    responses=paginated(IncidentOut),
)
@extend_schema(methods=["POST"], request=IncidentCreateIn, responses={201: IncidentOut})
@api_view(["GET", "POST"])
@permission_classes([WorksIncidents])
def incidents(request: Request) -> Response:
    if request.method == "POST":
        data = IncidentCreateIn(data=request.data)
        data.is_valid(raise_exception=True)
        incident = incident_create(actor=request.user, **data.validated_data)
        incident = Incident.objects.select_related("category", "handler", "owner", "team", "closure_code").get(
            pk=incident.pk
        )
        return Response(IncidentOut(incident).data, status=201)
    # The filters as the schema states them: a status or overdue value that is not one is a
    # 400 naming it, not silently no filter (schemathesis' negative_data_rejection).
    query = IncidentListQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    filters = IncidentFilters.from_params({**request.query_params.dict(), **query.validated_data})
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(incident_list(filters).select_related("closure_code"), request)
    out = IncidentOut(page, many=True, context={"now": timezone.now()})
    return paginator.get_paginated_response(out.data)


class HandoverIn(serializers.Serializer):
    to = serializers.CharField(max_length=150)
    references = serializers.ListField(child=serializers.CharField(max_length=40), allow_empty=False)


class HandoverSkippedOut(serializers.Serializer):
    reference = serializers.CharField()
    code = serializers.CharField()
    reason = serializers.CharField()


class HandoverOut(serializers.Serializer):
    handed_over = serializers.ListField(child=serializers.CharField())
    skipped = HandoverSkippedOut(many=True)


@extend_schema(request=HandoverIn, responses=HandoverOut)
@api_view(["POST"])
@permission_classes([HandsOver])
def incidents_handover(request: Request) -> Response:
    """Watch handover (incidents/handover.py): each incident moves in its own transaction,
    so the answer is 200 with what moved and what was skipped, and why."""
    data = HandoverIn(data=request.data)
    data.is_valid(raise_exception=True)
    result = incident_handover(actor=request.user, request=request, **data.validated_data)
    skipped = [{"reference": ref, "code": code, "reason": reason} for ref, code, reason in result.skipped]
    return Response(HandoverOut({"handed_over": result.handed_over, "skipped": skipped}).data)


class ReopenIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True)
    row_version = serializers.IntegerField(required=False, min_value=0)


@extend_schema(request=ReopenIn, responses=IncidentOut)
@api_view(["POST"])
@permission_classes([WorksIncidents])
def incident_reopen_api(request: Request, reference: str) -> Response:
    """A supervisor reopens a closed incident (incidents/reopen.py); a handler is refused 403."""
    target = get_incident_for_user(request.user, reference)
    if not can_reopen(request.user):
        raise PermissionDenied
    data = ReopenIn(data=request.data)
    data.is_valid(raise_exception=True)
    reopened = incident_reopen(
        incident=target,
        actor=request.user,
        reason=data.validated_data["reason"],
        expected_version=data.validated_data.get("row_version"),
        request=request,
    )
    reopened = Incident.objects.select_related("category", "handler", "owner", "team", "closure_code").get(
        pk=reopened.pk
    )
    return Response(IncidentOut(reopened).data)
