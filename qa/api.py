"""The QA API (API.md "Quality assurance") and the analysts' exports, which share its
filters and its one monthly function."""

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import capability_permission
from accounts.models import Team
from qa import exports
from qa.compliance import compliance_monthly
from qa.exemptions import (
    DEFAULT_EXEMPT_PER_HANDLER,
    MAX_EXEMPT_PER_HANDLER,
    exemption_audit_monthly,
    exemption_check_record,
)
from qa.models import Check, ExemptionCheck, ExportFormat, Review, Sample, SampleItem
from qa.rules import month_parse
from qa.selectors import QaFilters, may_grade_team, qa_monthly
from qa.services import DEFAULT_PER_HANDLER, MAX_PER_HANDLER, export_record, review_record, sample_draw
from qa.victims_code import victims_code_figures

Grades = capability_permission("qa_grade")
ViewsDashboards = capability_permission("view_dashboards")


class SampleIn(serializers.Serializer):
    month = serializers.CharField(max_length=7)
    per_handler = serializers.IntegerField(min_value=1, max_value=MAX_PER_HANDLER, default=DEFAULT_PER_HANDLER)
    seed = serializers.IntegerField(min_value=0, max_value=2**63 - 1, required=False)
    team = serializers.CharField(max_length=100, required=False, allow_blank=True)
    exempt_per_handler = serializers.IntegerField(
        min_value=0, max_value=MAX_EXEMPT_PER_HANDLER, default=DEFAULT_EXEMPT_PER_HANDLER
    )
    # The supervisors' sample (administrators only): the versions supervisors wrote.
    overseers = serializers.BooleanField(required=False, default=False)

    def validate_month(self, value: str) -> Any:
        try:
            return month_parse(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def validate_team(self, value: str) -> Team | None:
        if not value:
            return None
        team = Team.objects.filter(name=value).first()
        if team is None:
            raise serializers.ValidationError(f"There is no team called {value!r}")
        return team


class SampleItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    incident_reference = serializers.CharField(source="incident.reference")
    assessment_id = serializers.IntegerField()
    handler = serializers.CharField(source="handler.username")


class ExemptionCheckOut(serializers.Serializer):
    id = serializers.IntegerField()
    incident_reference = serializers.CharField(source="incident.reference")
    handler = serializers.CharField(source="handler.username")


class SampleOut(serializers.Serializer):
    id = serializers.IntegerField()
    month = serializers.CharField(source="month_label")
    team = serializers.CharField(source="team.name", allow_null=True, default=None)
    per_handler = serializers.IntegerField()
    seed = serializers.IntegerField()
    items = SampleItemOut(many=True, source="items.all")
    # The exemption audit drawn with the sample (after API.md's fields: extra is allowed).
    exempt_per_handler = serializers.IntegerField()
    overseers = serializers.BooleanField()
    exemption_checks = ExemptionCheckOut(many=True, source="exemption_checks.all")


@extend_schema(request=SampleIn, responses={201: SampleOut})
@api_view(["POST"])
@permission_classes([Grades])
def sample_create_api(request: Request) -> Response:
    """Rule 10: draw a month's dip sample (supervisor: own team; 409 sample_exists)."""
    data = SampleIn(data=request.data)
    data.is_valid(raise_exception=True)
    sample = sample_draw(actor=request.user, **data.validated_data)
    sample = (
        Sample.objects.select_related("team")
        .prefetch_related(
            "items__incident", "items__handler", "exemption_checks__incident", "exemption_checks__handler"
        )
        .get(pk=sample.pk)
    )
    return Response(SampleOut(sample).data, status=201)


class ReviewIn(serializers.Serializer):
    sample_item = serializers.IntegerField()
    # A code of the grade scale (qa.models.GradeLevel, kept by an administrator): checked
    # against the scale by the service, which names the field when it is not on it.
    vulnerability = serializers.CharField(max_length=30)
    prevention = serializers.CharField(max_length=30)
    preservation = serializers.CharField(max_length=30)
    repeat_victim_check = serializers.ChoiceField(choices=Check.choices)
    feedback = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    good_practice = serializers.BooleanField(required=False, default=False)
    themes = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)

    def validate_sample_item(self, value: int) -> SampleItem:
        # Another team's item reads as no item: a 403 would tell a caller which ids exist.
        item = SampleItem.objects.select_related("sample").filter(pk=value).first()
        if item is None or not may_grade_team(self.context["request"].user, item.team_id):
            raise serializers.ValidationError("There is no sample item with this id in a sample you grade")
        return item


class ReviewOut(serializers.Serializer):
    id = serializers.IntegerField()
    sample_item = serializers.IntegerField(source="item_id")
    version = serializers.IntegerField()
    month = serializers.SerializerMethodField()
    handler = serializers.CharField(source="handler.username")
    reviewer = serializers.CharField(source="reviewer.username")
    vulnerability = serializers.CharField(source="vulnerability_id")
    prevention = serializers.CharField(source="prevention_id")
    preservation = serializers.CharField(source="preservation_id")
    repeat_victim_check = serializers.CharField()
    feedback = serializers.CharField()
    good_practice = serializers.BooleanField()
    # A method field, not SlugRelatedField: on a plain Serializer drf-spectacular looks for a
    # Meta.model and the schema (and `check --deploy`) fails.
    themes = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_month(self, review: Review) -> str:
        return f"{review.month:%Y-%m}"

    def get_themes(self, review: Review) -> list[str]:
        return [theme.name for theme in review.themes.all()]


@extend_schema(request=ReviewIn, responses={201: ReviewOut})
@api_view(["POST"])
@permission_classes([Grades])
def review_create_api(request: Request) -> Response:
    """Rule 10: grade a sample item; one review per item (409 already_reviewed)."""
    data = ReviewIn(data=request.data, context={"request": request})
    data.is_valid(raise_exception=True)
    fields = dict(data.validated_data)
    item = fields.pop("sample_item")
    review = review_record(item=item, reviewer=request.user, data=fields)
    return Response(ReviewOut(review).data, status=201)


class MonthlyOut(serializers.Serializer):
    month = serializers.CharField()
    calls_assessed = serializers.IntegerField()
    vulnerability_pct = serializers.FloatField(allow_null=True)
    prevention_pct = serializers.FloatField(allow_null=True)
    preservation_pct = serializers.FloatField(allow_null=True)
    repeat_victim_check_pct = serializers.FloatField(allow_null=True)


FILTER_PARAMETERS = [
    OpenApiParameter("from", str, description="First month, YYYY-MM (default: six months before this one)"),
    OpenApiParameter("to", str, description="Last month, YYYY-MM (default: last month)"),
    OpenApiParameter("team", str, description="A team's name"),
    OpenApiParameter("handler", str, description="A call handler's username"),
]


def filters_from_request(request: Request) -> QaFilters:
    filters = QaFilters.from_params(request.query_params, today=timezone.localdate())
    if filters.errors:
        raise ApiValidationError(filters.errors)
    return filters


@extend_schema(parameters=FILTER_PARAMETERS, responses={200: MonthlyOut(many=True)})
@api_view(["GET"])
@permission_classes([ViewsDashboards])
def monthly_api(request: Request) -> Response:
    """Rule 11: one row per month of the range, oldest first; null where nothing is graded."""
    return Response([row.as_api() for row in qa_monthly(filters_from_request(request))])


class ComplianceOut(serializers.Serializer):
    month = serializers.CharField()
    incidents_closed = serializers.IntegerField()
    closed_with_assessment_pct = serializers.FloatField(allow_null=True)
    closed_exempt_pct = serializers.FloatField(allow_null=True)
    exempt_by_code = serializers.DictField(child=serializers.IntegerField())
    rethrives = serializers.IntegerField()
    rethrive_on_time_pct = serializers.FloatField(allow_null=True)
    texts_requested = serializers.IntegerField()
    texts_sent = serializers.IntegerField()
    texts_delivered = serializers.IntegerField()
    closed_with_assessment = serializers.IntegerField()
    closed_exempt = serializers.IntegerField()
    rethrives_missed = serializers.IntegerField()


@extend_schema(parameters=FILTER_PARAMETERS, responses={200: ComplianceOut(many=True)})
@api_view(["GET"])
@permission_classes([ViewsDashboards])
def compliance_api(request: Request) -> Response:
    """Compliance over every incident, one row per month of the range, oldest first."""
    return Response([row.as_api() for row in compliance_monthly(filters_from_request(request))])


class ExemptionAuditIn(serializers.Serializer):
    check = serializers.IntegerField()
    justified = serializers.BooleanField()
    feedback = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")

    def validate_check(self, value: int) -> ExemptionCheck:
        # Another team's check reads as no check: a 403 would tell a caller which ids exist.
        check = ExemptionCheck.objects.filter(pk=value).first()
        if check is None or not may_grade_team(self.context["request"].user, check.team_id):
            raise serializers.ValidationError("There is no drawn exempt closure with this id in a sample you audit")
        return check


class ExemptionAuditOut(serializers.Serializer):
    id = serializers.IntegerField()
    month = serializers.SerializerMethodField()
    incident_reference = serializers.CharField(source="incident.reference")
    handler = serializers.CharField(source="handler.username")
    reviewer = serializers.CharField(source="reviewer.username")
    justified = serializers.BooleanField()
    feedback = serializers.CharField()
    reviewed_at = serializers.DateTimeField()

    def get_month(self, check: ExemptionCheck) -> str:
        return f"{check.month:%Y-%m}"


@extend_schema(request=ExemptionAuditIn, responses={201: ExemptionAuditOut})
@api_view(["POST"])
@permission_classes([Grades])
def exemption_audit_create_api(request: Request) -> Response:
    """Record whether a drawn exempt closure was justified (409 already_audited, own_work)."""
    data = ExemptionAuditIn(data=request.data, context={"request": request})
    data.is_valid(raise_exception=True)
    fields = data.validated_data
    check = exemption_check_record(
        check=fields["check"], reviewer=request.user, justified=fields["justified"], feedback=fields["feedback"]
    )
    return Response(ExemptionAuditOut(check).data, status=201)


class ExemptionMonthlyOut(serializers.Serializer):
    month = serializers.CharField()
    exemptions_drawn = serializers.IntegerField()
    exemptions_audited = serializers.IntegerField()
    exemptions_justified = serializers.IntegerField()
    exemptions_justified_pct = serializers.FloatField(allow_null=True)


@extend_schema(parameters=FILTER_PARAMETERS, responses={200: ExemptionMonthlyOut(many=True)})
@api_view(["GET"])
@permission_classes([ViewsDashboards])
def exemption_monthly_api(request: Request) -> Response:
    """The exemption audit by month, apart from the four QA measures (handler: who closed)."""
    return Response([row.as_api() for row in exemption_audit_monthly(filters_from_request(request))])


def _export(request: Request, format: str) -> HttpResponse:
    filters = filters_from_request(request)
    rows = qa_monthly(filters)
    # The downloads live under /qa/: a token (a script, a notebook) makes it an API read.
    channel = "api" if request.auth is not None else "page"
    export_record(user=request.user, format=format, filters=filters.as_params(), request=request, channel=channel)
    if format == ExportFormat.CSV:
        return exports.csv_response(rows, filters)
    return exports.xlsx_response(
        rows,
        filters,
        compliance=compliance_monthly(filters),
        exemptions=exemption_audit_monthly(filters),
        victims_code=victims_code_figures(filters),
    )


# Exports live under /qa/ (API.md) but answer like the API: token or session, 401 when
# anonymous, 400 on bad filters. login_not_required lets DRF, not the login redirect, decide.
@login_not_required
@extend_schema(parameters=FILTER_PARAMETERS, responses={(200, "text/csv"): bytes})
@api_view(["GET"])
@permission_classes([ViewsDashboards])
def export_csv(request: Request) -> HttpResponse:
    return _export(request, ExportFormat.CSV)


@login_not_required
@extend_schema(
    parameters=FILTER_PARAMETERS,
    responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes},
)
@api_view(["GET"])
@permission_classes([ViewsDashboards])
def export_xlsx(request: Request) -> HttpResponse:
    return _export(request, ExportFormat.XLSX)


class VictimsCodeLineOut(serializers.Serializer):
    breakdown = serializers.ChoiceField(choices=["month", "team", "handler"])
    key = serializers.CharField()
    name = serializers.CharField()
    victims_of_crime = serializers.IntegerField()
    recorded = serializers.IntegerField()
    all_given = serializers.IntegerField()
    all_given_pct = serializers.FloatField(allow_null=True)


@extend_schema(
    parameters=FILTER_PARAMETERS,
    responses={
        200: inline_serializer(
            "VictimsCodeFigures",
            {
                "months": VictimsCodeLineOut(many=True),
                "teams": VictimsCodeLineOut(many=True),
                "handlers": VictimsCodeLineOut(many=True),
            },
        )
    },
)
@api_view(["GET"])
@permission_classes([ViewsDashboards])
def victims_code_api(request: Request) -> Response:
    """Rule 14: the Victims' Code figures per month (each of the range, oldest first), per
    team and per handler, with the counts behind each percentage (qa.victims_code)."""
    figures = victims_code_figures(filters_from_request(request))
    return Response({name: [line.as_api() for line in lines] for name, lines in figures.items()})


@login_not_required
@extend_schema(parameters=FILTER_PARAMETERS, responses={(200, "text/csv"): bytes})
@api_view(["GET"])
@permission_classes([ViewsDashboards])
def victims_code_csv_export(request: Request) -> HttpResponse:
    """The Victims' Code figures as their own CSV (the QA export's columns are API.md's and
    stay as they are). Recorded as an export, like the others."""
    filters = filters_from_request(request)
    channel = "api" if request.auth is not None else "page"
    export_record(
        user=request.user,
        format=ExportFormat.CSV,
        filters={**filters.as_params(), "table": "victims_code"},
        request=request,
        channel=channel,
    )
    return exports.victims_code_csv_response(victims_code_figures(filters), filters)
