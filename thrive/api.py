"""Prompt wording over the API (API.md "Prompt wording")."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import capability_permission
from config.api import paginated
from thrive.models import PromptSet
from thrive.returns import assessment_return, returned_to_me
from thrive.selectors import get_assessment_for_user
from thrive.services import prompt_set_create_draft, prompt_set_current, prompt_set_publish

EditsPrompts = capability_permission("edit_prompts")
WorksIncidents = capability_permission("work_incidents")
ViewsPrompts = capability_permission("view_prompts")


class PromptSetOut(serializers.Serializer):
    version = serializers.IntegerField()
    family = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    change_summary = serializers.CharField()
    sections = serializers.JSONField()


class PromptSetIn(serializers.Serializer):
    change_summary = serializers.CharField(max_length=5000)
    sections = serializers.JSONField()


class PromptSetCreatedOut(serializers.Serializer):
    version = serializers.IntegerField()
    status = serializers.CharField()


@extend_schema(responses=PromptSetOut)
@api_view(["GET"])
@permission_classes([ViewsPrompts])
def prompt_set_current_api(request: Request) -> Response:
    return Response(PromptSetOut(prompt_set_current()).data)


@extend_schema(request=PromptSetIn, responses={201: PromptSetCreatedOut})
@api_view(["POST"])
@permission_classes([EditsPrompts])
def prompt_sets(request: Request) -> Response:
    data = PromptSetIn(data=request.data)
    data.is_valid(raise_exception=True)
    created = prompt_set_create_draft(actor=request.user, **data.validated_data)
    return Response({"version": created.version, "status": created.status}, status=201)


@extend_schema(request=None, responses=PromptSetCreatedOut)
@api_view(["POST"])
@permission_classes([EditsPrompts])
def prompt_set_publish_api(request: Request, version: int) -> Response:
    from thrive.wording import current_family  # the family the admin chose

    found = PromptSet.objects.filter(family=current_family(), version=version).first()
    if found is None:
        raise Http404
    published = prompt_set_publish(prompt_set=found, actor=request.user)
    return Response({"version": published.version, "status": published.status})


# --- Returns (API.md "Assessments": return, and the returned queue) ---------------------


class ReturnIn(serializers.Serializer):
    # Checked by thrive.returns (the reason's choices, the sections of this version's prompt
    # set), so the browser and the API give the same messages.
    reason = serializers.CharField(max_length=20)
    sections = serializers.ListField(child=serializers.CharField(max_length=50), allow_empty=True)
    feedback = serializers.CharField(max_length=4000, allow_blank=True, trim_whitespace=False)


class ReturnOut(serializers.Serializer):
    id = serializers.IntegerField()
    reason = serializers.CharField()
    sections = serializers.ListField(child=serializers.CharField())
    feedback = serializers.CharField()
    returned_by = serializers.CharField(source="returned_by.username")
    returned_at = serializers.DateTimeField()


class ReturnedAssessmentOut(serializers.Serializer):
    id = serializers.IntegerField(source="assessment.id")
    incident_reference = serializers.CharField(source="assessment.incident.reference")
    version = serializers.IntegerField(source="assessment.version")
    status = serializers.SerializerMethodField()
    author = serializers.CharField(source="returned_to.username")
    submitted_at = serializers.DateTimeField(source="assessment.submitted_at")
    prompt_set_version = serializers.IntegerField(source="assessment.prompt_set.version")
    returned = ReturnOut(source="*")

    def get_status(self, obj: object) -> str:
        return "returned"


@extend_schema(request=ReturnIn, responses=ReturnedAssessmentOut)
@api_view(["POST"])
def assessment_return_api(request: Request, pk: int) -> Response:
    found = get_assessment_for_user(request.user, pk=pk, review=True, read=False)
    data = ReturnIn(data=request.data)
    data.is_valid(raise_exception=True)
    returned = assessment_return(assessment=found, actor=request.user, **data.validated_data)
    returned = (
        type(returned)
        .objects.select_related("assessment__incident", "assessment__prompt_set", "returned_to", "returned_by")
        .get(pk=returned.pk)
    )
    return Response(ReturnedAssessmentOut(returned).data)


@extend_schema(
    operation_id="api_assessments_list",
    parameters=[OpenApiParameter("returned_to", str, enum=["me"], required=True)],
    responses=paginated(ReturnedAssessmentOut),
)
@api_view(["GET"])
@permission_classes([WorksIncidents])
def assessments_api(request: Request) -> Response:
    """Only the caller's returned queue is listed here; read one version at /assessments/{id}/."""
    if request.query_params.get("returned_to") != "me":
        return Response({"returned_to": ["Ask for returned_to=me: the caller's returned queue"]}, status=400)
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(
        returned_to_me(request.user).select_related("assessment__prompt_set", "returned_to"), request
    )
    return paginator.get_paginated_response(ReturnedAssessmentOut(page, many=True).data)


# --- One version of the wording: read it, or change a draft -----------------------------


class PromptSetPatchIn(serializers.Serializer):
    change_summary = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    sections = serializers.JSONField(required=False)


@extend_schema(methods=["PATCH"], request=PromptSetPatchIn, responses=PromptSetOut)
@extend_schema(methods=["GET"], responses=PromptSetOut)
@api_view(["GET", "PATCH"])
@permission_classes([EditsPrompts])
def prompt_set_api(request: Request, version: int) -> Response:
    """A draft changes until it is published; a published version never does (409)."""
    from thrive.wording import current_family, prompt_set_update_draft

    found = PromptSet.objects.filter(family=current_family(), version=version).first()
    if found is None:
        raise Http404
    if request.method == "PATCH":
        data = PromptSetPatchIn(data=request.data)
        data.is_valid(raise_exception=True)
        found = prompt_set_update_draft(prompt_set=found, actor=request.user, **data.validated_data)
    return Response(PromptSetOut(found).data)
