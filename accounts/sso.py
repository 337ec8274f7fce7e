"""Single sign-on over OpenID Connect (issue 17), on mozilla-django-oidc.

What mozilla-django-oidc does not do, and this module does:

- **Discovery.** The provider's endpoints come from its `.well-known/openid-configuration`
  (OIDC_DISCOVERY_URL), fetched when first needed and kept for OIDC_DISCOVERY_CACHE_SECONDS
  (`provider`), instead of one setting per endpoint.
- **Matching, never creating.** A signed-in person is matched by one claim
  (OIDC_USERNAME_CLAIM) to the imported staff record's username or email (OIDC_MATCH_FIELD);
  nobody is created. An unknown, disabled or integration account is refused, and the reason is
  left on the request for the refusal page (`SSOBackend`).
- **Roles.** From the staff record, or, when OIDC_GROUP_ROLES is set, from the groups claim
  (`role_from_groups`), written through `staff_set_role`.
- **The same gate as passwords.** Once the claim names the account, django-axes' lockout and
  the growing delay (accounts.throttle) are asked exactly as for a password; a refusal is
  counted as a failed sign-in under that name, a success is logged by axes as any sign-in is.

Who may still use a password under SSO_ONLY is accounts.backends.password_sign_in_allowed.
"""

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from accounts.backends import INTEGRATION_ROLE, StaffBackend
from accounts.models import Role
from accounts.services import staff_set_role
from accounts.throttle import ThrottledAxesBackend

logger = logging.getLogger(__name__)

# Why a sign-in was refused: the code left on the request, and what the refusal page says.
REFUSALS: dict[str, str] = {
    "unknown": "Your force account is not set up in THRIVE-SP.",
    "disabled": "Your THRIVE-SP account has been turned off.",
    "no_group": "Your force account is not in any of the groups that give access to THRIVE-SP.",
    "not_a_person": "This account is for a connected system, not a person. It cannot sign in here.",
    "no_claim": "Your force's sign-in service did not say who you are.",
    "ambiguous": "Your force account matches more than one THRIVE-SP account.",
    "cancelled": "Signing in with your force account was cancelled.",
    "failed": "We could not finish signing you in with your force account.",
    "unavailable": "Your force's sign-in service cannot be reached at the moment.",
}


def sso_enabled() -> bool:
    """Single sign-on is offered when the discovery address, client id and secret are set
    (config/settings.py refuses to start with only some of them)."""
    return bool(settings.OIDC_DISCOVERY_URL and settings.OIDC_RP_CLIENT_ID and settings.OIDC_RP_CLIENT_SECRET)


# --- Discovery ----------------------------------------------------------------------------


class ProviderUnavailable(Exception):
    """The discovery document could not be fetched or read."""


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None
    sign_algo: str


_cache: dict[str, tuple[float, Provider]] = {}
_cache_lock = threading.Lock()


def provider_forget() -> None:
    """Drop the cached discovery document (the next sign-in fetches it again)."""
    with _cache_lock:
        _cache.clear()


def provider() -> Provider:
    """The provider's endpoints, from its discovery document (cached per process)."""
    url = settings.OIDC_DISCOVERY_URL
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(url)
    if cached is not None and cached[0] > now:
        return cached[1]
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
        algorithms = document.get("id_token_signing_alg_values_supported") or ["RS256"]
        found = Provider(
            issuer=document["issuer"],
            authorization_endpoint=document["authorization_endpoint"],
            token_endpoint=document["token_endpoint"],
            userinfo_endpoint=document["userinfo_endpoint"],
            jwks_uri=document["jwks_uri"],
            end_session_endpoint=document.get("end_session_endpoint") or None,
            sign_algo="RS256" if "RS256" in algorithms else algorithms[0],
        )
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        logger.warning("OpenID provider discovery failed at %s: %s", url, exc)
        raise ProviderUnavailable(str(exc)) from exc
    with _cache_lock:
        _cache[url] = (now + settings.OIDC_DISCOVERY_CACHE_SECONDS, found)
    return found


# --- Roles from groups --------------------------------------------------------------------


def role_from_groups(claims: dict[str, Any]) -> str | None:
    """The role OIDC_GROUP_ROLES gives the person's groups: the first pair, in the setting's
    order, whose group they carry; None if they carry none of them."""
    groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(groups, str):
        groups = [groups]
    carried = {str(group) for group in groups}
    for group, role in settings.OIDC_GROUP_ROLES:
        if group in carried:
            return role
    return None


def group_roles_problems() -> list[str]:
    """What is wrong with OIDC_GROUP_ROLES (a system check reports it at start-up)."""
    allowed = set(Role.values) - {INTEGRATION_ROLE}
    return [
        f"OIDC_GROUP_ROLES maps {group!r} to {role!r}, which is not one of {', '.join(sorted(allowed))}."
        for group, role in settings.OIDC_GROUP_ROLES
        if role not in allowed
    ]


# --- The backend --------------------------------------------------------------------------


def _refuse(request: HttpRequest, reason: str) -> None:
    request.sso_refusal = reason  # type: ignore[attr-defined]


class SSOBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's code-flow backend, with the endpoints from discovery and staff
    matched, never created. Answers only the callback's `authenticate(request, nonce=...,
    code_verifier=...)`; a password sign-in passes it by."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The parent reads every endpoint from settings here, on every authenticate() call
        # (password ones too); ours are read from discovery when the callback needs them.
        self.UserModel = get_user_model()

    OIDC_RP_IDP_SIGN_KEY = None
    OIDC_RP_CLIENT_ID = property(lambda self: settings.OIDC_RP_CLIENT_ID)
    OIDC_RP_CLIENT_SECRET = property(lambda self: settings.OIDC_RP_CLIENT_SECRET)
    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: provider().token_endpoint)
    OIDC_OP_USER_ENDPOINT = property(lambda self: provider().userinfo_endpoint)
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: provider().jwks_uri)
    OIDC_RP_SIGN_ALGO = property(lambda self: provider().sign_algo)

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        if request is None or "nonce" not in kwargs or not sso_enabled():
            return None
        return super().authenticate(request, **kwargs)

    def get_user(self, user_id: Any) -> Any:
        return StaffBackend().get_user(user_id)

    def verify_token(self, token: str, **kwargs: Any) -> Any:
        """The parent checks the signature and the nonce; the issuer and the audience are
        checked here too (it leaves both unchecked)."""
        payload = super().verify_token(token, **kwargs)
        if kwargs.get("nonce") is None:
            return payload  # a signed userinfo answer, not the ID token
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if payload.get("iss") != provider().issuer or settings.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token was not issued by the configured provider for this client.")
        return payload

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The ID token's claims, completed by the userinfo endpoint's. Entra ID puts
        `preferred_username` and `groups` in the ID token only; other providers put `groups`
        in userinfo only. A userinfo answer about another subject is not used."""
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            return dict(payload)
        return {**userinfo, **payload}

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return True  # what is needed is checked in get_or_create_user, with a reason to show

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        request = self.request
        claims = self.get_userinfo(access_token, id_token, payload)
        claimed = claims.get(settings.OIDC_USERNAME_CLAIM)
        if not isinstance(claimed, str) or not claimed.strip() or "\x00" in claimed:
            logger.warning("Single sign-on refused: no %s claim", settings.OIDC_USERNAME_CLAIM)
            # Counted under the subject, so a failure is never recorded without a name.
            request.sso_username = f"sub:{claims.get('sub', '')}"[:150]  # type: ignore[attr-defined]
            return _refuse(request, "no_claim")
        claimed = claimed.strip()
        request.sso_username = claimed  # type: ignore[attr-defined]  (accounts.throttle.client_username)
        request.sso_claimed = claimed  # type: ignore[attr-defined]  (shown on the refusal page)
        # The lockout and the growing delay, asked as for a password; raises when locked.
        ThrottledAxesBackend().authenticate(request, username=claimed)
        lookup = {f"{settings.OIDC_MATCH_FIELD}__iexact": claimed}
        matches = list(self.UserModel._default_manager.filter(**lookup)[:2])
        if not matches:
            return _refuse(request, "unknown")
        if len(matches) > 1:
            return _refuse(request, "ambiguous")
        user = matches[0]
        if not user.is_active:
            return _refuse(request, "disabled")
        if user.role == INTEGRATION_ROLE:
            return _refuse(request, "not_a_person")
        if settings.OIDC_GROUP_ROLES:
            role = role_from_groups(claims)
            if role is None:
                return _refuse(request, "no_group")
            if role != user.role:
                staff_set_role(user=user, role=role)
        return user
