"""The incident API routes that compose several apps (API.md "Incidents" and "Assessments"):
an incident's detail with its assessments, victims and texts; closing (the gate reads the
assessments); recording an assessment (it may queue a text); reading a version. The list
and creation, which touch only incidents, stay in incidents/api.py. URLs and shapes are
those of API.md: casework/api_urls.py routes both modules.
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, parser_classes, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from casework.selectors import get_incident_detail_for_user
from casework.services import assessment_record, incident_close
from config.api import ClientTimeField
from config.parsers import BoundedJSONParser
from incidents.api import IncidentOut, LogEntryOut, WorksIncidents
from incidents.models import Incident
from incidents.selectors import get_incident_for_user
from thrive.selectors import get_assessment_for_user
from victims.selectors import text_list, text_out, victim_out, victims_for_user


class AssessmentSummaryOut(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    status = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    author = serializers.CharField(source="author.username")
    prompt_set_version = serializers.IntegerField(source="prompt_set.version")
    late = serializers.BooleanField()


class IncidentDetailOut(IncidentOut):
    assessments = AssessmentSummaryOut(many=True, source="assessments.all")
    victims = serializers.SerializerMethodField()
    texts = serializers.SerializerMethodField()
    entries = LogEntryOut(many=True, source="entries.all")

    def get_victims(self, incident: Incident) -> list[dict[str, Any]]:
        # API.md "Victims and texts".
        # Through the access helper: each victim disclosed here is recorded.
        request = self.context["request"]
        return [victim_out(v) for v in victims_for_user(request.user, incident, request=request)]

    def get_texts(self, incident: Incident) -> list[dict[str, Any]]:
        return [text_out(t) for t in text_list(incident)]


class CloseIn(serializers.Serializer):
    closure_code = serializers.CharField(max_length=50)
    closed_at = ClientTimeField(required=False)
    exemption_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    # What the force's exemption policy line may ask for (issue 15; extra fields, API.md's unchanged).
    callback_attempts = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        max_value=99,
        help_text="An abandoned 999 call's risk decision: how many times the caller was called back.",
    )
    callback_outcome = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="An abandoned 999 call's risk decision: the call-backs' outcome and the decision.",
    )
    framework_reference = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=100,
        help_text="Closing under its own framework (missing person, firearms): the framework record's reference.",
    )
    overdue_decision = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="A supervisor's decision to close while a re-THRIVE is overdue at the closing time.",
    )


class ScenePreservationDoc(serializers.Serializer):
    forensic_opportunities = serializers.ChoiceField(choices=["yes", "no", "not_known"])
    evidence_retainable = serializers.ChoiceField(choices=["yes", "no", "not_known"])
    csi_required = serializers.ChoiceField(choices=["yes", "no", "not_known"])
    advice = serializers.CharField(required=False)


class PreventionDoc(serializers.Serializer):
    advice = serializers.CharField()
    send_link = serializers.BooleanField()
    link_not_sent_reason = serializers.CharField(required=False)
    safe_to_text_confirmed = serializers.BooleanField(required=False)
    phone = serializers.CharField(required=False)
    resend_reason = serializers.CharField(
        required=False,
        help_text="Why a number this incident has already texted should get another text (rule 12); "
        "without it a later version asking for the same number is saved and no text is made.",
    )


class AssessmentIn(serializers.Serializer):
    """What API.md documents. The answers themselves are read against the prompt set the
    assessment is written under (thrive.rules.answers_clean), so a force's extra sections
    (THRIIVES's intelligence, specific need) are accepted by the same endpoint."""

    submit = serializers.BooleanField(default=True)
    submitted_at = ClientTimeField(required=False)
    threat = serializers.CharField(required=False)
    harm = serializers.CharField(required=False)
    risk = serializers.CharField(required=False)
    investigation = serializers.CharField(required=False)
    vulnerability = serializers.CharField(required=False)
    engagement = serializers.CharField(required=False)
    children_involved = serializers.BooleanField(required=False)
    voice_of_child = serializers.CharField(required=False)
    risk_level = serializers.ChoiceField(choices=["high", "medium", "standard"], required=False)
    grading = serializers.CharField(max_length=40, required=False)  # an active grading: the service checks
    rationale = serializers.CharField(required=False)
    scene_preservation = ScenePreservationDoc(required=False)
    prevention = PreventionDoc(required=False)


class AssessmentControlIn(serializers.Serializer):
    submit = serializers.BooleanField(default=True)
    submitted_at = ClientTimeField(required=False)


class AssessmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    incident_reference = serializers.CharField(source="incident.reference")
    version = serializers.IntegerField()
    status = serializers.CharField()
    prompt_set_version = serializers.IntegerField(source="prompt_set.version")
    prompt_set_family = serializers.CharField(source="prompt_set.family")
    author = serializers.CharField(source="author.username")
    submitted_at = serializers.DateTimeField(allow_null=True)
    # Submitted after the incident closed, answering a return made at review.
    late = serializers.BooleanField()
    answers = serializers.JSONField()


class AssessmentDetailOut(AssessmentOut):
    prompts = serializers.JSONField(source="prompt_set.sections")


@extend_schema(responses=IncidentDetailOut)
@api_view(["GET"])
@permission_classes([WorksIncidents])
def incident(request: Request, reference: str) -> Response:
    # An API read discloses the record to another system: recorded as such by the selector.
    found = get_incident_detail_for_user(request.user, reference, request=request)
    return Response(IncidentDetailOut(found, context={"request": request}).data)


@extend_schema(request=CloseIn, responses=IncidentOut)
@api_view(["POST"])
@permission_classes([WorksIncidents])
def incident_close_api(request: Request, reference: str) -> Response:
    target = get_incident_for_user(request.user, reference)
    data = CloseIn(data=request.data)
    data.is_valid(raise_exception=True)
    closed = incident_close(incident=target, actor=request.user, request=request, **data.validated_data)
    closed = Incident.objects.select_related("category", "handler", "owner", "team", "closure_code").get(pk=closed.pk)
    return Response(IncidentOut(closed).data)


@extend_schema(request=AssessmentIn, responses={201: AssessmentOut})
@api_view(["POST"])
@permission_classes([WorksIncidents])
# JSON only: the answers nest (scene_preservation, prevention), which a form body cannot carry;
# anything else is a clear 415, not a misleading 400.
@parser_classes([BoundedJSONParser])
def incident_assessments(request: Request, reference: str) -> Response:
    target = get_incident_for_user(request.user, reference)
    if not isinstance(request.data, dict):
        return Response({"non_field_errors": ["Send a JSON object"]}, status=400)
    control = AssessmentControlIn(data=request.data)
    control.is_valid(raise_exception=True)
    assessment = assessment_record(
        incident=target,
        author=request.user,
        data=dict(request.data),
        submit=control.validated_data["submit"],
        submitted_at=control.validated_data.get("submitted_at"),
        # The service records the submission (a replay of one just made, answered as the
        # first was, is not recorded twice).
        request=request,
    )
    return Response(AssessmentOut(assessment).data, status=201)


@extend_schema(responses=AssessmentDetailOut)
@api_view(["GET"])
@permission_classes([WorksIncidents])
def assessment(request: Request, pk: int) -> Response:
    # Someone else's draft is 404; the read is recorded as a disclosure.
    found = get_assessment_for_user(request.user, pk=pk, request=request)
    return Response(AssessmentDetailOut(found).data)
