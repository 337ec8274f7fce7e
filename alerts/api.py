"""Rule 13's API, for supervisors only: their alerts, acknowledging one, and recording the
decision. The same services and the same access helper as the pages."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import capability_permission
from alerts.models import Alert, Decision, Reason
from alerts.selectors import alert_list_for_user, get_alert_for_user
from alerts.services import alert_acknowledge, alert_decide
from config.api import paginated
from config.errors import Blocked

Supervises = capability_permission("alerts_acknowledge")


class AlertOut(serializers.Serializer):
    id = serializers.IntegerField()
    incident = serializers.CharField(source="incident.reference")
    reason = serializers.ChoiceField(choices=Reason.choices)
    reason_label = serializers.CharField(source="get_reason_display")
    team = serializers.CharField(source="team.name", allow_null=True, default=None)
    assessment_version = serializers.IntegerField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    raised_at = serializers.DateTimeField()
    sent_to = serializers.CharField()
    escalated_at = serializers.DateTimeField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", allow_null=True, default=None)
    decision = serializers.CharField()
    decision_label = serializers.CharField(source="get_decision_display")
    decision_note = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    # The incident closed before anyone acknowledged it: when, and who closed it.
    settled_at = serializers.DateTimeField(allow_null=True)
    settled_by = serializers.CharField(source="settled_by.username", allow_null=True, default=None)


class AlertListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=["open", "acknowledged"], required=False, allow_blank=True)


class DecisionIn(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    note = serializers.CharField(max_length=2000)


Conflict = inline_serializer(
    "AlertConflict",
    {
        "code": serializers.CharField(),
        "detail": serializers.CharField(),
        "acknowledged_by": serializers.CharField(allow_null=True),
    },
)


def _conflict(exc: Blocked, alert: Alert) -> Response:
    """409 with the owner's username beside the code, so a client can say who has it."""
    owner = Alert.objects.filter(pk=alert.pk).values_list("acknowledged_by__username", flat=True).first()
    return Response({"code": exc.code, "detail": exc.message, "acknowledged_by": owner}, status=409)


@extend_schema(
    operation_id="api_alerts_list",
    parameters=[OpenApiParameter("status", str, enum=["open", "acknowledged", ""], description="Empty: any")],
    responses=paginated(AlertOut),
)
@api_view(["GET"])
@permission_classes([Supervises])
def alerts(request: Request) -> Response:
    """The alerts sent to the supervisor, their team's, and those they own; newest first."""
    query = AlertListQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(
        alert_list_for_user(request.user, status=query.validated_data.get("status", "")), request
    )
    return paginator.get_paginated_response(AlertOut(page, many=True).data)


@extend_schema(request=None, responses={200: AlertOut, 409: Conflict})
@api_view(["POST"])
@permission_classes([Supervises])
def acknowledge(request: Request, pk: int) -> Response:
    """The first to acknowledge owns the alert; a later one is 409 already_acknowledged,
    naming the owner."""
    alert = get_alert_for_user(request.user, pk)
    try:
        done = alert_acknowledge(alert=alert, actor=request.user, request=request)
    except Blocked as exc:
        return _conflict(exc, alert)
    return Response(AlertOut(get_alert_for_user(request.user, done.pk)).data)


@extend_schema(request=DecisionIn, responses={200: AlertOut, 409: Conflict})
@api_view(["POST"])
@permission_classes([Supervises])
def decision(request: Request, pk: int) -> Response:
    """The owner's decision (what they did), once."""
    alert = get_alert_for_user(request.user, pk)
    data = DecisionIn(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        done = alert_decide(alert=alert, actor=request.user, request=request, **data.validated_data)
    except Blocked as exc:
        return _conflict(exc, alert)
    return Response(AlertOut(get_alert_for_user(request.user, done.pk)).data)
