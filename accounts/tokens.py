"""API tokens (API.md "Tokens"), on django-rest-knox.

knox keeps only a hash of each token, lets one account hold several (two screens), and
moves a token's `expiry` forward when it is used (AUTO_REFRESH), which makes `expiry` the
idle limit. What knox does not know is our lifetime per role and the absolute cap counted
from `created`; both live here, in `token_lifetime`, and every way a token is made (the
token endpoint, the admin) or checked (every API request) asks it.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from rest_framework import exceptions

from accounts.models import Role

# knox's tokens are 64 lower-case hex characters (AUTH_TOKEN_CHARACTER_LENGTH, no prefix).
# Anything else is refused before it reaches a query: an old DRF token, junk, a NUL.
_TOKEN_SHAPE = re.compile(r"[0-9a-f]{64}")


INTEGRATION_REFUSED = (
    "This is a CAD integration account: it may use only the command-and-control routes under /api/cad/."
)


def integration_refused(user: Any, path: str) -> bool:
    """Whether this request is one an integration account may not make: any path outside
    settings.INTEGRATION_API_PATHS (the CAD's routes and revoking its own token)."""
    if getattr(user, "role", None) != Role.INTEGRATION:
        return False
    return not path.startswith(tuple(settings.INTEGRATION_API_PATHS))


@dataclass(frozen=True)
class TokenLifetime:
    idle: timedelta
    absolute: timedelta


def token_lifetime(user: Any) -> TokenLifetime:
    """How long a token of this user's role may sit unused, and may live at all.

    settings.API_TOKEN_LIFETIMES maps a role to {"idle", "absolute"}; "default" covers every
    role not listed (staff: 12 hours idle, 7 days in all)."""
    table = settings.API_TOKEN_LIFETIMES
    entry = table.get(getattr(user, "role", None)) or table["default"]
    return TokenLifetime(idle=entry["idle"], absolute=entry["absolute"])


def _expiry_after_use(token: AuthToken, *, now: datetime) -> datetime:
    lifetime = token_lifetime(token.user)
    return min(now + lifetime.idle, token.created + lifetime.absolute)


def token_is_expired(token: AuthToken, *, now: datetime) -> bool:
    """Idle past `expiry`, or older than the role's absolute lifetime. A token with no
    expiry (one made by hand in the admin) still has the absolute cap."""
    if token.expiry is not None and token.expiry <= now:
        return True
    return token.created + token_lifetime(token.user).absolute <= now


def token_issue(*, user: Any) -> tuple[AuthToken, str]:
    """A new token for `user` (the others stay live). Returns the row and the token itself,
    which is shown once and stored only as a hash."""
    lifetime = token_lifetime(user)
    return AuthToken.objects.create(user=user, expiry=min(lifetime.idle, lifetime.absolute))


def token_revoke(*, token: AuthToken) -> None:
    token.delete()


def tokens_purge_expired(*, now: datetime | None = None) -> int:
    """Delete tokens past their idle expiry or their role's absolute lifetime. A periodic
    task calls it; authentication refuses an expired token either way, so this only keeps
    the table small."""
    now = now or timezone.now()
    purged, _ = AuthToken.objects.filter(expiry__lte=now).delete()
    shortest = min(entry["absolute"] for entry in settings.API_TOKEN_LIFETIMES.values())
    # Only tokens older than the shortest cap can be past theirs: a handful of rows.
    for token in AuthToken.objects.select_related("user").filter(created__lte=now - shortest):
        if token_is_expired(token, now=now):
            token.delete()
            purged += 1
    return purged


class StaffTokenAuthentication(TokenAuthentication):
    """knox's `Authorization: Token <token>` with our lifetimes.

    knox looks the token up by its first characters, compares the hash, deletes it if past
    `expiry`, renews `expiry` on use and refuses an inactive account (so disabling an
    account stops its tokens at once). We replace two of its steps: the expiry check adds
    the absolute cap, and the renewal uses the role's idle time, never past the cap. knox's
    own clean-up also walks every other token of the user on every request; the periodic
    purge does that instead, so a request costs one query."""

    def authenticate(self, request: Any) -> tuple[Any, AuthToken] | None:
        found = super().authenticate(request)
        if found is not None and integration_refused(found[0], request.path_info):
            # A CAD adapter's token opens the CAD's routes and nothing else (API.md).
            raise exceptions.PermissionDenied(INTEGRATION_REFUSED)
        return found

    def authenticate_credentials(self, token: bytes) -> tuple[Any, AuthToken]:
        if not _TOKEN_SHAPE.fullmatch(token.decode("utf-8", errors="replace")):
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(token)

    def _cleanup_token(self, auth_token: AuthToken) -> bool:
        if token_is_expired(auth_token, now=timezone.now()):
            auth_token.delete()
            return True
        return False

    def renew_token(self, auth_token: AuthToken) -> None:
        from knox.settings import knox_settings

        new_expiry = _expiry_after_use(auth_token, now=timezone.now())
        # Write at most once a minute per token, not on every request.
        if (new_expiry - auth_token.expiry).total_seconds() > knox_settings.MIN_REFRESH_INTERVAL:
            auth_token.expiry = new_expiry
            auth_token.save(update_fields=["expiry"])
