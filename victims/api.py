"""The victims and texts API (API.md "Victims and texts"), and the delivery-receipt callback."""

import hmac
from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import capability_permission
from incidents.selectors import get_incident_for_user
from victims.models import CodeAnswer, RepeatOutcome, SupportAnswer
from victims.selectors import get_victim_for_user, text_list, text_out, victim_out, victims_for_user
from victims.services import victim_link, victim_record_outcome
from victims.texts import UnknownText, text_receipt
from victims.victims_code import victims_code_record

WorksIncidents = capability_permission("work_incidents")


class VictimIn(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")


class RepeatMatchOut(serializers.Serializer):
    reference = serializers.CharField()
    matched_on = serializers.ListField(child=serializers.ChoiceField(choices=["phone", "name_dob", "address"]))
    opened_at = serializers.DateTimeField()
    category = serializers.CharField()
    people = serializers.ListField(child=serializers.CharField())


class RepeatCheckOut(serializers.Serializer):
    previous_incidents = serializers.IntegerField()
    lookback_days = serializers.IntegerField()
    matches = RepeatMatchOut(many=True)
    outcome = serializers.CharField(allow_blank=True)
    household_note = serializers.CharField(allow_blank=True)


class VictimsCodeOut(serializers.Serializer):
    applies = serializers.BooleanField()
    told_what_happens_next = serializers.ChoiceField(choices=CodeAnswer.values, allow_null=True)
    written_acknowledgement_offered = serializers.ChoiceField(choices=CodeAnswer.values, allow_null=True)
    support_information = serializers.ChoiceField(choices=SupportAnswer.values, allow_null=True)
    met = serializers.BooleanField()
    recorded_by = serializers.CharField(allow_null=True)
    recorded_at = serializers.DateTimeField(allow_null=True)


class VictimsCodeIn(serializers.Serializer):
    told_what_happens_next = serializers.ChoiceField(choices=CodeAnswer.values)
    written_acknowledgement_offered = serializers.ChoiceField(choices=CodeAnswer.values)
    support_information = serializers.ChoiceField(choices=SupportAnswer.values)


class VictimOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    phone = serializers.CharField(allow_blank=True)
    address = serializers.CharField(allow_blank=True)
    postcode = serializers.CharField(allow_blank=True)
    repeat_check = RepeatCheckOut()
    victims_code = VictimsCodeOut()


class TextOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["queued", "sent", "delivered", "failed"])
    link = serializers.URLField()
    attempts = serializers.IntegerField()
    sent_at = serializers.DateTimeField(allow_null=True)
    # Rule 12: why a number that already had a text for this incident got another ("" if not).
    resend_reason = serializers.CharField()


class OutcomeIn(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[RepeatOutcome.REPEAT, RepeatOutcome.NOT_REPEAT])
    household_note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


@extend_schema(methods=["GET"], responses=VictimOut(many=True))
@extend_schema(methods=["POST"], request=VictimIn, responses={201: VictimOut})
@api_view(["GET", "POST"])
@permission_classes([WorksIncidents])
def incident_victims(request: Request, reference: str) -> Response:
    incident = get_incident_for_user(request.user, reference)
    if request.method == "GET":
        # Rule 4: the helper records who read each victim's details.
        return Response([victim_out(v) for v in victims_for_user(request.user, incident, request=request)])
    data = VictimIn(data=request.data)
    data.is_valid(raise_exception=True)
    # The service records the collection in its own transaction.
    victim = victim_link(incident=incident, actor=request.user, request=request, **data.validated_data)
    return Response(victim_out(victim), status=201)


@extend_schema(request=OutcomeIn, responses=VictimOut)
@api_view(["POST"])
@permission_classes([WorksIncidents])
def victim_outcome(request: Request, pk: int) -> Response:
    victim = get_victim_for_user(request.user, pk, read=False)
    data = OutcomeIn(data=request.data)
    data.is_valid(raise_exception=True)
    # The service records the alteration (which the answer discloses) in its transaction.
    victim = victim_record_outcome(victim=victim, actor=request.user, request=request, **data.validated_data)
    return Response(victim_out(victim))


@extend_schema(request=VictimsCodeIn, responses=VictimOut)
@api_view(["POST"])
@permission_classes([WorksIncidents])
def victim_victims_code(request: Request, pk: int) -> Response:
    """Rule 14: record the victim's Victims' Code answers (400 naming a field; 409
    `not_a_crime` for a victim of an incident that is not a crime)."""
    victim = get_victim_for_user(request.user, pk, read=False)
    data = VictimsCodeIn(data=request.data)
    data.is_valid(raise_exception=True)
    # The service records the alteration (which the answer discloses) in its transaction.
    victim = victims_code_record(victim=victim, actor=request.user, request=request, **data.validated_data)
    return Response(victim_out(victim))


@extend_schema(responses=TextOut(many=True))
@api_view(["GET"])
@permission_classes([WorksIncidents])
def incident_texts(request: Request, reference: str) -> Response:
    incident = get_incident_for_user(request.user, reference)
    return Response([text_out(t) for t in text_list(incident)])


def _bearer_ok(request: Request) -> bool:
    """Notify sends the token we gave it as "Authorization: Bearer <token>". Compared in
    constant time; with no token configured every receipt is refused."""
    expected = settings.NOTIFY_CALLBACK_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, given = header.partition(" ")
    if not expected or scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


@extend_schema(
    request=inline_serializer(
        "DeliveryReceipt",
        {"id": serializers.CharField(), "reference": serializers.CharField(), "status": serializers.CharField()},
    ),
    responses={200: TextOut},
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
def notify_receipt(request: Request) -> Response:
    """GOV.UK Notify's delivery-receipt callback: our text id comes back as the reference."""
    if not _bearer_ok(request):
        return Response({"detail": "Bad or missing bearer token."}, status=401, headers={"WWW-Authenticate": "Bearer"})
    body: Any = request.data
    if not isinstance(body, dict):
        return Response({"non_field_errors": ["Send a JSON object"]}, status=400)
    errors = {
        name: ["This field is required."] for name in ("reference", "status") if not isinstance(body.get(name), str)
    }
    if errors:
        return Response(errors, status=400)
    try:
        text = text_receipt(
            reference=body["reference"], provider_status=body["status"], provider_id=str(body.get("id", ""))
        )
    except UnknownText:
        return Response({"detail": "No text has this reference."}, status=404)
    text.refresh_from_db()
    return Response(text_out(text))
