from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils import timezone
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.views import APIView

from idempotency.services import (
    HEADER,
    KeyBusy,
    idempotency_claim,
    idempotency_key_problem,
    idempotency_store,
    request_fingerprint,
)

REPLAYED_HEADER = "Idempotent-Replayed"


def _account(request: HttpRequest, view_cls: type[APIView]) -> Any:
    """The account the API view will see, by the view's own authenticators (token, then
    session with its CSRF check). None when it has none, or when they refuse: the view
    then answers 401/403 itself and there is nothing to keep."""
    view = view_cls()
    view.request = None  # type: ignore[assignment]  # get_authenticators may look at it
    authenticators = view.get_authenticators()
    if not authenticators:
        return None  # the token endpoint and Notify's receipts: no account owns the key
    try:
        user = Request(request, authenticators=authenticators).user
    except APIException:
        return None
    return user if user.is_authenticated else None


class IdempotencyMiddleware:
    """Every POST under /api/ with an Idempotency-Key header: the key is checked (400 naming
    the header), then the view runs inside the claim's transaction (idempotency.services)
    and its answer is kept; a repeat gets that answer again (Idempotent-Replayed: true),
    a repeat with another body 422 {"code": "idempotency_key_reused"}."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if request.method != "POST" or not request.path_info.startswith("/api/") or HEADER not in request.headers:
            return None
        key = request.headers[HEADER]
        problem = idempotency_key_problem(key)
        if problem:
            return JsonResponse({HEADER: [problem]}, status=400)
        view_cls = getattr(view_func, "cls", None)
        if view_cls is None or not issubclass(view_cls, APIView):
            return None
        # Read the body before anything parses it as a stream (a form's CSRF check can).
        fingerprint = request_fingerprint(
            method=request.method,
            path=request.path_info,
            content_type=request.content_type or "",
            body=request.body,
        )
        user = _account(request, view_cls)
        if user is None:
            return None
        with transaction.atomic():
            try:
                claim = idempotency_claim(user_id=user.pk, key=key, request_hash=fingerprint, now=timezone.now())
            except KeyBusy:
                return JsonResponse(
                    {"code": "idempotency_key_busy", "detail": "A request with this key is still being processed."},
                    status=409,
                    headers={"Retry-After": "1"},
                )
            if not claim.won:
                if claim.record.request_hash != fingerprint:
                    return JsonResponse(
                        {
                            "code": "idempotency_key_reused",
                            "detail": "This Idempotency-Key was used with a different request in the last 24 hours.",
                        },
                        status=422,
                    )
                replay = HttpResponse(
                    bytes(claim.record.body),
                    status=claim.record.status_code,
                    content_type=claim.record.content_type or None,
                )
                replay[REPLAYED_HEADER] = "true"
                return replay
            response = view_func(request, *view_args, **view_kwargs)
            render = getattr(response, "render", None)
            if callable(render):
                response = render()
            if response.status_code >= 500 or response.streaming:
                # Nothing to keep: the claim goes with the failed work, so a retry does it.
                transaction.set_rollback(True)
                return response
            idempotency_store(
                record=claim.record,
                status_code=response.status_code,
                content_type=response.get("Content-Type", ""),
                body=response.content,
            )
            return response
