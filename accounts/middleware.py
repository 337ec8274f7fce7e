import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from accounts.roles import is_integration
from accounts.tokens import INTEGRATION_REFUSED


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page requires login (deny by default). The API answers for itself: an
    anonymous API call gets DRF's 401, not a redirect to the login page."""

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: list[Any],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class IdleSessionMiddleware(SessionMiddleware):
    """The idle timeout (SESSION_COOKIE_AGE) without a database write on every page.

    Every request that finds a signed-in session more than SESSION_TOUCH_SECONDS past its
    last save saves it again, which moves the expiry to a full SESSION_COOKIE_AGE from now;
    requests in between leave it alone. Staff are signed out after between
    SESSION_COOKIE_AGE - SESSION_TOUCH_SECONDS and SESSION_COOKIE_AGE of inactivity (29 to
    30 minutes by default) instead of exactly 30, and a page costs one query instead of an
    UPDATE and a COMMIT (docs/BENCHMARKS.md)."""

    TOUCH_KEY = "_idle_touched"

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        session = getattr(request, "session", None)
        # A page that polls in the background (the supervisor's alert panel) sets `idle_poll`:
        # a poll is not activity, so an unattended screen is still signed out on time.
        if getattr(request, "idle_poll", False):
            return super().process_response(request, response)
        if session is not None and not session.modified and session.accessed and not session.is_empty():
            now = int(time.time())
            if now - session.get(self.TOUCH_KEY, 0) >= settings.SESSION_TOUCH_SECONDS:
                session[self.TOUCH_KEY] = now  # marks it modified: the parent saves it
        return super().process_response(request, response)


class IntegrationSessionMiddleware:
    """A CAD integration account works through its API token alone (API.md): signed in to
    a browser session somehow (an administrator's mistake, single sign-on), it is refused on
    every page with a page that says why, and on every API route with a 403, the CAD's
    included; only signing out is let through. The login form refuses it in the first place
    (accounts.forms.LoginForm)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if is_integration(getattr(request, "user", None)) and request.path_info != reverse("accounts:logout"):
            if request.path_info.startswith("/api/"):
                return JsonResponse(
                    {
                        "code": "integration_token_only",
                        "detail": INTEGRATION_REFUSED + " Send its token, not a session.",
                    },
                    status=403,
                )
            return render(request, "accounts/integration_refused.html", status=403)
        return self.get_response(request)
