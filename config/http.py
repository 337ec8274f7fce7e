"""Request plumbing shared by every page and endpoint: what a request may carry before any
view sees it, and how an error is answered (JSON under /api/, a page elsewhere).

docs/SECURITY.md "Review findings: 14, 16" states the rules."""

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.cache import add_never_cache_headers
from django.views import defaults
from rest_framework.views import APIView

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    """Whether an error for this request is answered in JSON: anything under /api/, and any
    other URL served by a DRF view (the QA exports, which the schema documents too). Asked
    only when answering an error, so the resolve costs nothing on the way in."""
    if request.path_info.startswith(API_PREFIX):
        return True
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    view_class = getattr(match.func, "cls", None)
    return isinstance(view_class, type) and issubclass(view_class, APIView)


def error_response(request: HttpRequest, status: int, code: str, detail: str) -> HttpResponse:
    """One error in the shape API.md gives (`{"code", "detail"}`) under /api/, a short plain
    page elsewhere. Used where no view (or no DRF) is there to answer."""
    if is_api(request):
        return JsonResponse({"code": code, "detail": detail}, status=status)
    return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")


class RefuseNulMiddleware:
    """A NUL character in the path or the query string is answered 400 before any view runs.

    PostgreSQL text cannot hold NUL, so any look-up with one (an incident reference, a team
    filter, an audit search) raised a DataError, a 500, in whichever view met it first. No
    reference, filter or search ever needs a NUL, so one check here covers every page, export
    and endpoint, present and future, instead of a guard in each view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or b"\x00" in unquote_to_bytes(query.replace("+", " ")):
            return error_response(
                request,
                400,
                "null_character",
                "Bad request: the address contains a null character (%00), which no reference or filter can contain.",
            )
        return self.get_response(request)


class NoStoreMiddleware:
    """Every answer the app itself makes is `Cache-Control: no-store`.

    Signed-in pages and API answers carry victims' details, risk decisions or staff names,
    and the signed-out ones (the login page, errors) carry a CSRF token or nothing worth
    caching: no shared proxy or browser cache should keep any of them. Static files are
    served by WhiteNoise before this middleware runs and keep their long cache lifetimes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        add_never_cache_headers(response)  # max-age=0, no-cache, no-store, must-revalidate, private
        return response


# --- Error handlers (config.urls handler400/403/404/500) ------------------------------------
# DRF answers JSON for what goes wrong inside an API view; these answer for what happens
# outside one: an unknown /api/ URL, a body too large read by Django, an unhandled error.


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        return error_response(
            request, 413, "request_too_large", "The request body is larger than this service accepts."
        )
    if is_api(request):
        return error_response(request, 400, "bad_request", "Bad request.")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return error_response(request, 403, "permission_denied", "You do not have permission to do this.")
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return error_response(request, 404, "not_found", "Not found.")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest, *args: Any) -> HttpResponse:
    if is_api(request):
        return error_response(request, 500, "server_error", "Something went wrong on our side; it has been logged.")
    return defaults.server_error(request)
