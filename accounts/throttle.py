"""Sign-in throttling (docs/SECURITY.md "Review findings: ..."), on django-axes.

Two rules, both counted from axes' own AccessAttempt rows (one per account, address and
browser, with a failure count and the time of the last failure):

- **Lockout per account and address** (axes itself, AXES_LOCKOUT_PARAMETERS): 100 failures
  for one account from one address lock that pair for an hour. An outsider who knows a
  username locks out only their own address; the handler at the control room signs in.
- **A growing delay per account** (here): once an account has had more than a few failures
  in the hour, from anywhere, an address that has itself failed for the account must wait
  before its next try, the wait doubling with each failure up to a ceiling. A try made too
  soon is refused without looking at the password and counts as a failure. An address with
  no failures for the account is never delayed, so the real user at a fresh desk gets in.
"""

import ipaddress
import math
from datetime import datetime
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone


def client_address(request: HttpRequest) -> str:
    """The address a sign-in came from. Behind TRUSTED_PROXY_COUNT proxies that each append
    to X-Forwarded-For, the client is that many entries from the right; entries further
    left are the client's own word and are ignored. With no proxy trusted, REMOTE_ADDR."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if count <= 0 or len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def client_username(request: HttpRequest | None, credentials: dict[str, Any] | None = None) -> str | None:
    """The account name a sign-in is counted under (AXES_USERNAME_CALLABLE). axes stores it
    in a 255-character column: a longer name (no account has one) is cut to fit, so it is
    counted as a failure like any other instead of failing the insert with a 500."""
    if credentials and settings.AXES_USERNAME_FORM_FIELD in credentials:
        username = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    elif getattr(request, "sso_username", None):
        # A single sign-on callback: no username was typed; the provider's claim named the
        # account (accounts.sso.SSOBackend), and its failures are counted under that name.
        username = request.sso_username  # type: ignore[union-attr]
    elif credentials:
        username = None
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        username = data.get(settings.AXES_USERNAME_FORM_FIELD)
    if not isinstance(username, str):
        return username
    return username[: AccessAttempt._meta.get_field("username").max_length]


def login_delay_seconds(failures: int) -> int:
    """How long an address that failed must wait, after `failures` failures for the account
    in the cool-off window: none up to LOGIN_DELAY_FREE_FAILURES, then 1, 2, 4, ... seconds
    up to LOGIN_DELAY_MAX_SECONDS."""
    beyond = failures - settings.LOGIN_DELAY_FREE_FAILURES
    if beyond <= 0:
        return 0
    ceiling = settings.LOGIN_DELAY_MAX_SECONDS
    if beyond > math.log2(ceiling) + 1:
        return ceiling
    return min(2 ** (beyond - 1), ceiling)


def login_wait_remaining(*, username: str, address: str, now: datetime) -> int:
    """Seconds before `address` may try `username` again (0: now). One query."""
    since = now - get_cool_off()
    found = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
        failures=Sum("failures_since_start"),
        last_here=Max("attempt_time", filter=Q(ip_address=address)),
    )
    if found["last_here"] is None:
        return 0  # a fresh address for this account
    delay = login_delay_seconds(found["failures"] or 0)
    remaining = (found["last_here"] - now).total_seconds() + delay
    return max(0, math.ceil(remaining))


class ThrottledAxesBackend(AxesStandaloneBackend):
    """axes' lockout check, then the per-account delay. First in AUTHENTICATION_BACKENDS, so
    every sign-in (the login page, the token endpoint, the admin's login) passes here."""

    def authenticate(
        self, request: HttpRequest, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        super().authenticate(request, username=username, password=password, **kwargs)
        if not settings.AXES_ENABLED or request is None or not username:
            return
        wait = login_wait_remaining(
            username=client_username(request, {settings.AXES_USERNAME_FORM_FIELD: username}) or username,
            address=getattr(request, "axes_ip_address", None) or client_address(request),
            now=timezone.now(),
        )
        if wait:
            request.login_wait_seconds = wait  # type: ignore[attr-defined]
            # axes' middleware answers with lockout_response below; its failure handler
            # records this try as a failure.
            request.axes_locked_out = True  # type: ignore[attr-defined]
            raise AxesBackendPermissionDenied("Too soon after failed sign-ins for this account")


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """429 for a locked or delayed sign-in: JSON under /api/ (API.md: every API error is
    JSON), the lockout page otherwise. Retry-After says when to try again."""
    wait = getattr(request, "login_wait_seconds", None)
    if wait:
        code, retry_after = "login_delayed", wait
        detail = f"Too many failed sign-ins for this account. Wait {wait} seconds before trying again from here."
    else:
        code, retry_after = "login_locked", int(get_cool_off().total_seconds())
        detail = (
            "Too many failed sign-ins for this account from this address: signing in to it from here is "
            "locked for an hour. An administrator can unlock it."
        )
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse({"code": code, "detail": detail}, status=429)
    else:
        response = render(
            request, settings.AXES_LOCKOUT_TEMPLATE, {"code": code, "wait_seconds": wait, "detail": detail}, status=429
        )
    response["Retry-After"] = str(retry_after)
    return response
