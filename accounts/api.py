from typing import Any

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from knox.views import LoginView
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import role_can
from accounts.tokens import StaffTokenAuthentication, token_issue, token_revoke


def capability_permission(capability: str) -> type[BasePermission]:
    """A DRF permission class for one capability from accounts.roles."""

    class HasCapability(BasePermission):
        def has_permission(self, request: Request, view: object) -> bool:
            return role_can(request.user, capability)

    HasCapability.__name__ = f"Can_{capability}"
    return HasCapability


class TokenIn(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField()


class TokenOut(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(help_text="When the token lapses if it is not used before then.")


def _credentials_errors(data: Any) -> dict[str, list[str]]:
    if not isinstance(data, dict):
        data = {}
    errors = {
        name: ["This field is required."]
        for name in ("username", "password")
        if not isinstance(data.get(name), str) or not data.get(name)
    }
    if errors:
        return errors
    # PostgreSQL text cannot hold NUL: a 400 here, not a DataError from the user look-up.
    return {name: ["Null characters are not allowed."] for name in ("username", "password") if "\x00" in data[name]}


class TokenView(LoginView):
    """POST /api/auth/token/ {"username", "password"} issues a new token (knox's LoginView,
    fed by a password check instead of an already signed-in user); DELETE revokes the token
    presented. The password check is Django's `authenticate`, so django-axes throttles it
    exactly as it throttles the login page (its lockout answer here is JSON, see
    accounts.throttle)."""

    permission_classes = [AllowAny]

    def get_authenticators(self) -> list[BaseAuthentication]:
        # POST takes a password, not a token or a session; DELETE acts on the token sent.
        if getattr(self.request, "method", None) == "DELETE":
            return [StaffTokenAuthentication()]
        return []

    def create_token(self) -> Any:
        return token_issue(user=self.request.user)

    @extend_schema(request=TokenIn, responses={200: TokenOut}, auth=[])
    def post(self, request: Request, format: str | None = None) -> Response:
        errors = _credentials_errors(request.data)
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
        request.user = user
        return super().post(request, format=format)

    @extend_schema(request=None, responses={204: None}, auth=[{"tokenAuth": []}])
    def delete(self, request: Request, format: str | None = None) -> Response:
        if request.auth is None:
            raise NotAuthenticated("Send the token to revoke as Authorization: Token <token>.")
        token_revoke(token=request.auth)
        return Response(status=204)


obtain_token = TokenView.as_view()
