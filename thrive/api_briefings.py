"""Training briefings over the API (rule 9, training that is training): a trainer's or an
administrator's script lists them and records one. Beyond API.md (which is unchanged);
every write goes through thrive.wording.briefings.briefing_record, as the pages' do."""

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import capability_permission
from config.api import paginated
from thrive.models import Briefing, PromptSet, PromptSetStatus
from thrive.wording import briefing_list, briefing_record, current_family, get_briefing_for_user
from thrive.wording.briefings import attendee_ids_for

EditsPrompts = capability_permission("edit_prompts")
API_FIELDS = {"prompt_set": "version"}
# A list answer stops here: a force records a few briefings a month.


class BriefingIn(serializers.Serializer):
    held_on = serializers.DateField()
    topic = serializers.CharField(max_length=200, allow_blank=True)
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    family = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    attendees = serializers.ListField(child=serializers.CharField(max_length=150), max_length=2000)


class BriefingOut(serializers.Serializer):
    id = serializers.IntegerField()
    held_on = serializers.DateField()
    topic = serializers.CharField()
    family = serializers.CharField()
    version = serializers.IntegerField()
    attended = serializers.IntegerField()
    attendees = serializers.ListField(child=serializers.CharField(), required=False)
    recorded_by = serializers.CharField()
    created_at = serializers.DateTimeField()


def briefing_out(briefing: Briefing, *, attendees: list[str] | None = None) -> dict[str, Any]:
    out = {
        "id": briefing.pk,
        "held_on": briefing.held_on.isoformat(),
        "topic": briefing.topic,
        "family": briefing.prompt_set.family,
        "version": briefing.prompt_set.version,
        "attended": len(attendees) if attendees is not None else briefing.attended,
        "recorded_by": briefing.recorded_by.username,
        "created_at": briefing.created_at.isoformat(),
    }
    if attendees is not None:
        out["attendees"] = attendees
    return out


@extend_schema(
    methods=["GET"],
    operation_id="api_briefings_list",
    parameters=[OpenApiParameter("page", int, description="The page, 50 briefings each")],
    responses=paginated(BriefingOut),
)
@extend_schema(methods=["POST"], request=BriefingIn, responses={201: BriefingOut})
@api_view(["GET", "POST"])
@permission_classes([EditsPrompts])
def briefings_api(request: Request) -> Response:
    """GET: the briefings, newest first, each with how many attended. POST: record one
    (`version` of the force's model unless `family` names another; `attendees` are
    usernames); 400 naming each bad field, nothing saved."""
    if request.method == "GET":
        # Paginated as the other lists that grow (API.md's incidents): nothing silently cut off.
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(briefing_list(), request)
        return paginator.get_paginated_response([briefing_out(b) for b in page])
    data = BriefingIn(data=request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    family = values["family"] or current_family()
    if values["family"] and not PromptSet.objects.filter(family=family, status=PromptSetStatus.PUBLISHED).exists():
        raise ValidationError({"family": [f"There is no published wording in the family {family!r}"]})
    prompt_set_id = (
        PromptSet.objects.filter(family=family, version=values["version"], status=PromptSetStatus.PUBLISHED)
        .values_list("pk", flat=True)
        .first()
    )
    try:
        briefing = briefing_record(
            actor=request.user,
            held_on=values["held_on"],
            topic=values["topic"],
            prompt_set_id=prompt_set_id,
            attendee_ids=attendee_ids_for(values["attendees"]),
            request=request,
        )
    except ValidationError as exc:
        # The errors by the names this API's client sent (the version, not the page's select).
        raise ValidationError(
            {API_FIELDS.get(field, field): messages for field, messages in exc.message_dict.items()}
        ) from exc
    return Response(briefing_detail_out(request.user, briefing.pk), status=201)


def briefing_detail_out(user: Any, pk: int) -> dict[str, Any]:
    briefing = get_briefing_for_user(user, pk)
    return briefing_out(briefing, attendees=[person.username for person in briefing.attendee_list])


@extend_schema(responses=BriefingOut)
@api_view(["GET"])
@permission_classes([EditsPrompts])
def briefing_api(request: Request, pk: int) -> Response:
    """One briefing with the usernames of who attended."""
    return Response(briefing_detail_out(request.user, pk))
