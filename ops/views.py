"""The operations page for administrators: stuck texts (and webhook events once that outbox
lands) with "Retry", the workers seen, the sweeps' last runs and the sign-in lockouts with
"Clear". The changes are the services' (ops/services.py), which audit them."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ops import selectors, services


def admin_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not getattr(request.user, "is_admin_role", False):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@require_GET
@admin_only
def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "ops/overview.html", selectors.operations_overview())


@require_POST
@admin_only
def text_retry(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.text_retry(text_id=pk, actor=request.user, request=request)
    except services.NotStuck:
        messages.info(request, f"Text {pk} is not stuck any more: nothing was changed.")
    else:
        messages.success(request, f"Text {pk} is back in the outbox and will be sent.")
    return redirect("ops:overview")


@require_POST
@admin_only
def webhook_retry(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.webhook_retry(delivery_id=pk, actor=request.user, request=request)
    except services.NotStuck:
        messages.info(request, f"Webhook delivery {pk} is not stuck any more: nothing was changed.")
    else:
        messages.success(request, f"Webhook delivery {pk} will be tried again now.")
    return redirect("ops:overview")


@require_POST
@admin_only
def lockout_clear(request: HttpRequest, pk: int) -> HttpResponse:
    if services.lockout_clear(attempt_id=pk, actor=request.user, request=request):
        messages.success(request, "The lockout is cleared: that account can sign in from that address again.")
    else:
        messages.info(request, "That lockout had already been cleared.")
    return redirect("ops:overview")
