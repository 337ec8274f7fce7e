"""The webhooks API (API.md "Webhooks"): administrators only; every other role gets 403."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import capability_permission
from webhooks.rules import EVENT_TYPES
from webhooks.selectors import deliveries_for, subscription_get, subscription_out, subscriptions
from webhooks.services import webhook_subscription_create, webhook_subscription_delete

ManagesWebhooks = capability_permission("manage_webhooks")


class SubscriptionIn(serializers.Serializer):
    # Only the types here: which addresses and events are allowed is the service's rule.
    url = serializers.CharField(max_length=500, trim_whitespace=True)
    events = serializers.ListField(child=serializers.CharField(max_length=40), max_length=len(EVENT_TYPES) * 2)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class SubscriptionOut(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_TYPES))
    description = serializers.CharField()
    created_at = serializers.DateTimeField()


class SubscriptionCreated(SubscriptionOut):
    secret = serializers.CharField(help_text="whsec_<base64>: shown this once, never again.")


class DeliveryOut(serializers.Serializer):
    event_id = serializers.CharField(help_text="The webhook-id header, the same on every retry.")
    type = serializers.ChoiceField(choices=EVENT_TYPES)
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=["pending", "delivered", "failed"])
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True)


@extend_schema(methods=["GET"], responses=SubscriptionOut(many=True))
@extend_schema(methods=["POST"], request=SubscriptionIn, responses={201: SubscriptionCreated})
@api_view(["GET", "POST"])
@permission_classes([ManagesWebhooks])
def webhooks(request: Request) -> Response:
    if request.method == "GET":
        return Response([subscription_out(s) for s in subscriptions()])
    data = SubscriptionIn(data=request.data)
    data.is_valid(raise_exception=True)
    subscription = webhook_subscription_create(actor=request.user, request=request, **data.validated_data)
    return Response({**subscription_out(subscription), "secret": subscription.secret}, status=201)


@extend_schema(responses={204: None})
@api_view(["DELETE"])
@permission_classes([ManagesWebhooks])
def webhook_detail(request: Request, pk: int) -> Response:
    webhook_subscription_delete(actor=request.user, subscription=subscription_get(pk), request=request)
    return Response(status=204)


@extend_schema(responses=DeliveryOut(many=True))
@api_view(["GET"])
@permission_classes([ManagesWebhooks])
def webhook_deliveries(request: Request, pk: int) -> Response:
    return Response(deliveries_for(subscription_get(pk)))
