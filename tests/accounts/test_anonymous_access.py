"""Deny by default: every page sends an anonymous visitor to the login page and every API
endpoint answers 401, found by walking the URL resolver so a new page cannot be missed."""

import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from rest_framework.views import APIView

from tests.factories import make_incident

# Pages an anonymous visitor may see: signing in, with a password (the break-glass page is
# the same form, kept under SSO_ONLY) or through the force's identity provider and back.
# The supervisor's polled alert panel answers a signed-out poll itself (286, "sign in again",
# which stops htmx polling) instead of redirecting: the sign-in page must not be swapped into
# a fragment (tests/alerts/test_pages.py checks what it says).
PUBLIC_PAGES = {"/login/", "/login/break-glass/", "/login/sso/", "/login/sso/callback/", "/alerts/panel/"}
# Neither page nor API: the admin has its own login; static files are public.
NOT_OURS = ("/admin/", "/static/")
TOKEN_ENDPOINT = "/api/auth/token/"


@dataclass(frozen=True)
class Route:
    path: str
    name: str
    methods: tuple[str, ...]
    drf: bool  # a REST framework view: token or session, and 401 when anonymous


def _is_drf(callback) -> bool:
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    return view_class is not None and issubclass(view_class, APIView)


def _methods(callback) -> tuple[str, ...]:
    """The methods a view allows: DRF views and Django class views say; a function view
    restricted by require_GET/require_POST is probed with both (the middleware answers
    before the view's own method check)."""
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None:
        allowed = [m.upper() for m in view_class.http_method_names if m in {"get", "post", "put", "patch", "delete"}]
        implemented = [m for m in allowed if hasattr(view_class, m.lower())]
        if implemented:
            return tuple(implemented)
    return ("GET", "POST")


def _fill(route: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        converter, name = match.group(1) or "str", match.group(2)
        if name in values:
            return values[name]
        if converter == "int":
            return "1"
        if converter == "uuid":
            return str(uuid.uuid4())
        return "x"

    return re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def walk(values: dict[str, str]) -> list[Route]:
    routes: list[Route] = []

    def visit(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry.pattern, RoutePattern):
                part = _fill(str(entry.pattern), values)
            else:
                raw = entry.pattern.regex.pattern
                if (prefix + raw.lstrip("^")).startswith(("admin/", "static/")):
                    part = re.sub(r"\(.*?\)", "x", raw).lstrip("^").rstrip("$").replace("\\", "")
                else:
                    pytest.fail(f"give the regex URL {prefix}{raw} a value in this test")
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                visit(entry.url_patterns, prefix + part, ns)
            elif isinstance(entry, URLPattern):
                routes.append(
                    Route(
                        "/" + prefix + part,
                        namespace + (entry.name or "?"),
                        _methods(entry.callback),
                        _is_drf(entry.callback),
                    )
                )

    visit(get_resolver().url_patterns, "", "")
    return routes


@pytest.fixture
def routes(db, handler) -> list[Route]:
    incident = make_incident(handler=handler, assessed=True)
    assessment = incident.assessments.first()
    values = {
        "reference": incident.reference,
        "pk": str(assessment.pk),
        "id": str(assessment.pk),
        "assessment_id": str(assessment.pk),
        "version": "1",
    }
    return walk(values)


def pages(routes: list[Route]) -> list[Route]:
    return [
        r for r in routes if not r.drf and not r.path.startswith(("/api/", *NOT_OURS)) and r.path not in PUBLIC_PAGES
    ]


def api_endpoints(routes: list[Route]) -> list[Route]:
    """Everything under /api/, and the REST framework views elsewhere (the QA exports under
    /qa/ answer like the API, API.md)."""
    return [
        r
        for r in routes
        if (r.path.startswith("/api/") or (r.drf and not r.path.startswith(NOT_OURS))) and r.path != TOKEN_ENDPOINT
    ]


def test_every_api_route_is_a_rest_framework_view(routes):
    assert [r.path for r in routes if r.path.startswith("/api/") and not r.drf] == []


def test_the_walk_finds_the_pages_and_the_api(routes):
    paths = {r.path for r in routes}
    assert "/" in paths
    assert "/login/" in paths
    assert "/incidents/new/" in paths
    assert TOKEN_ENDPOINT in paths
    assert "/api/incidents/" in paths
    assert len(pages(routes)) >= 10
    assert len(api_endpoints(routes)) >= 5


def test_every_page_sends_an_anonymous_visitor_to_the_login_page(client, routes):
    wrong = []
    for route in pages(routes):
        for method in ("GET", "POST"):
            response = client.get(route.path) if method == "GET" else client.post(route.path)
            location = urlsplit(response.get("Location", ""))
            if (
                response.status_code != 302
                or location.path != "/login/"
                or f"next={route.path}" not in (location.query.replace("%2F", "/"))
            ):
                wrong.append(f"{method} {route.path} ({route.name}): {response.status_code} {location.geturl()}")
    assert not wrong, "\n".join(wrong)


def test_every_api_endpoint_answers_401_to_an_anonymous_request(client, routes):
    wrong = []
    for route in api_endpoints(routes):
        for method in route.methods:
            response = client.generic(method, route.path, data="{}", content_type="application/json")
            if response.status_code != 401:
                wrong.append(f"{method} {route.path} ({route.name}): {response.status_code}")
            elif "json" in response.get("Content-Type", "") and "detail" not in response.json():
                wrong.append(f"{method} {route.path} ({route.name}): 401 without a detail")
    assert not wrong, "\n".join(wrong)


def test_an_api_endpoint_does_not_redirect_an_anonymous_request_to_the_login_page(client, db):
    response = client.get("/api/incidents/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_a_bad_token_is_401_too(client, db):
    response = client.get("/api/incidents/", HTTP_AUTHORIZATION="Token not-a-real-token")

    assert response.status_code == 401


def test_the_login_page_is_the_only_public_page(client, db):
    assert client.get("/login/").status_code == 200
