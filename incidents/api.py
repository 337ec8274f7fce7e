"""The incident API routes that touch only incidents: the list and creation (API.md
"Incidents"). The routes that compose incidents with assessments and victims are in
casework/api.py."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import capability_permission
from config.api import ClientTimeField, paginated
from incidents.models import Channel, Incident
from incidents.selectors import IncidentFilters, incident_list
from incidents.services import incident_create

WorksIncidents = capability_permission("work_incidents")


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
    team = serializers.CharField(source="team.name", allow_null=True, default=None)
    rethrive_due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.SerializerMethodField()
    closed_at = serializers.DateTimeField(allow_null=True)
    closure_code = serializers.CharField(source="closure_code.code", allow_null=True, default=None)

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
        incident = Incident.objects.select_related("category", "handler", "team", "closure_code").get(pk=incident.pk)
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
