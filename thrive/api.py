"""Prompt wording over the API (API.md "Prompt wording")."""

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import capability_permission
from thrive.models import PromptSet
from thrive.services import prompt_set_create_draft, prompt_set_current, prompt_set_publish

EditsPrompts = capability_permission("edit_prompts")
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
    found = PromptSet.objects.filter(family=settings.PROMPT_SET_FAMILY, version=version).first()
    if found is None:
        raise Http404
    published = prompt_set_publish(prompt_set=found, actor=request.user)
    return Response({"version": published.version, "status": published.status})
