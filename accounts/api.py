from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import role_can


def capability_permission(capability: str) -> type[BasePermission]:
    """A DRF permission class for one capability from accounts.roles."""

    class HasCapability(BasePermission):
        def has_permission(self, request: Request, view: object) -> bool:
            return role_can(request.user, capability)

    HasCapability.__name__ = f"Can_{capability}"
    return HasCapability


@extend_schema(
    request=AuthTokenSerializer,
    responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
def obtain_token(request: Request) -> Response:
    data = request.data if isinstance(request.data, dict) else {}
    errors = {
        name: ["This field is required."]
        for name in ("username", "password")
        if not isinstance(data.get(name), str) or not data.get(name)
    }
    if errors:
        return Response(errors, status=400)
    # PostgreSQL text cannot hold NUL: a 400 here, not a DataError from the user look-up.
    errors = {name: ["Null characters are not allowed."] for name in ("username", "password") if "\x00" in data[name]}
    if errors:
        return Response(errors, status=400)
    user = authenticate(request._request, username=request.data["username"], password=request.data["password"])
    if user is None or not user.is_active:
        # API.md: bad credentials are a 401, not a validation error.
        return Response(
            {"detail": "Unable to log in with the username and password given."},
            status=401,
            headers={"WWW-Authenticate": "Token"},
        )
    token, _ = Token.objects.get_or_create(user=user)
    return Response({"token": token.key})
