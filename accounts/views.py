import logging
from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from accounts.forms import LoginForm
from accounts.sso import REFUSALS, ProviderUnavailable, provider, sso_enabled

logger = logging.getLogger(__name__)


@require_GET
def shortcuts(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/shortcuts.html")


class LoginView(auth_views.LoginView):
    """The sign-in page: "Sign in with your force account" when single sign-on is set up,
    and the password form unless SSO_ONLY hides it. `break_glass` is the same page with the
    form always shown (/login/break-glass/), for the accounts that may still use a password;
    who may is decided by accounts.backends.password_sign_in_allowed, whichever page posts."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    break_glass = False

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            sso_enabled=sso_enabled(),
            sso_only=settings.SSO_ONLY,
            # A refused post shows the form again, with its error, wherever it came from.
            show_password_form=self.break_glass or not settings.SSO_ONLY or context["form"].is_bound,
            break_glass=self.break_glass,
        )
        return context


def _refused(request: HttpRequest, reason: str, *, status: int = 403) -> HttpResponse:
    return render(
        request,
        "accounts/sso_refused.html",
        {
            "reason": reason,
            "message": REFUSALS[reason],
            "claimed": getattr(request, "sso_claimed", ""),
            "try_again": reason in {"cancelled", "failed", "unavailable"},
        },
        status=status,
    )


class SSOStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider's authorisation endpoint (from discovery).
    `?switch=1` asks the provider to let the person choose another account."""

    def __init__(self, **kwargs: Any) -> None:
        # The parent reads the endpoint from settings; ours comes from discovery, in get().
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_enabled():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider().authorization_endpoint
        except ProviderUnavailable:
            return _refused(request, "unavailable", status=503)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)

    def get_extra_params(self, request: HttpRequest) -> dict[str, str]:
        return {"prompt": "select_account"} if request.GET.get("switch") else {}


class SSOCallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back. Signs in the member of staff the backend
    matched, or shows why not (never a 500: a provider that cannot be reached, a state that
    does not match or a token that does not verify is "we could not finish signing you in")."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_enabled():
            raise Http404
        try:
            return super().get(request)
        except ProviderUnavailable:
            return _refused(request, "unavailable", status=503)
        except (SuspiciousOperation, requests.RequestException) as exc:
            logger.warning("Single sign-on callback failed: %s", exc)
            return _refused(request, "failed", status=400)

    def login_failure(self) -> HttpResponse:
        request = self.request
        reason = getattr(request, "sso_refusal", None)
        if reason is None:
            reason = "cancelled" if request.GET.get("error") else "failed"
        # A lockout (axes) replaces this answer with the lockout page in its middleware.
        return _refused(request, reason, status=403 if reason not in {"cancelled", "failed"} else 400)


sso_start = login_not_required(SSOStartView.as_view())
sso_callback = login_not_required(SSOCallbackView.as_view())


def provider_logout_url(request: HttpRequest) -> str | None:
    """Where to send a member of staff who signed in through the provider, so that signing
    out here ends the provider's session too: its end_session_endpoint, with the ID token as
    the hint and the sign-in page to come back to. None when they signed in with a password
    or the provider advertises no end_session_endpoint."""
    id_token = request.session.get("oidc_id_token")
    if not id_token or not sso_enabled():
        return None
    try:
        endpoint = provider().end_session_endpoint
    except ProviderUnavailable:
        return None
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": settings.OIDC_RP_CLIENT_ID,
            "post_logout_redirect_uri": request.build_absolute_uri(reverse(settings.LOGOUT_REDIRECT_URL)),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """Sign out here, then (after single sign-on) at the provider too."""
    provider_url = provider_logout_url(request)  # read before the session is flushed
    auth.logout(request)
    return HttpResponseRedirect(provider_url or resolve_url(settings.LOGOUT_REDIRECT_URL))
