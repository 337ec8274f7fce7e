"""Every route under /api/ is documented, method by method: in API.md (the fixed contract, kept
outside the repository at ../shared/API.md) or in docs/API-ADDITIONS.md (one heading per added
route). A route or method added without documentation fails here, and so does a heading of
API-ADDITIONS.md naming a route that is not served.

API.md's routes are copied below, so the check holds on a clone without ../shared; where
../shared/API.md is present, a separate test checks the copy against it."""

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[1]
ADDITIONS = ROOT / "docs" / "API-ADDITIONS.md"
SHARED_API_MD = ROOT.parent / "shared" / "API.md"

# The routes API.md names (`METHOD /api/...`, query strings left off), as of its fixed text.
API_MD_ROUTES = frozenset(
    {
        "POST /api/auth/token/",
        "DELETE /api/auth/token/",
        "GET /api/incidents/",
        "POST /api/incidents/",
        "GET /api/incidents/{reference}/",
        "POST /api/incidents/{reference}/close/",
        "POST /api/incidents/{reference}/assessments/",
        "POST /api/incidents/{reference}/victims/",
        "GET /api/incidents/{reference}/texts/",
        "GET /api/assessments/",
        "GET /api/assessments/{id}/",
        "POST /api/assessments/{id}/return/",
        "GET /api/prompt-sets/current/",
        "POST /api/prompt-sets/",
        "POST /api/prompt-sets/{version}/publish/",
        "POST /api/qa/samples/",
        "POST /api/qa/reviews/",
        "GET /api/qa/monthly/",
        "PUT /api/cad/incidents/{cad_ref}/",
        "GET /api/cad/incidents/{cad_ref}/",
        "GET /api/cad/incidents/{cad_ref}/closure/",
        "POST /api/cad/incidents/{cad_ref}/close/",
        "GET /api/webhooks/",
        "POST /api/webhooks/",
        "DELETE /api/webhooks/{id}/",
        "GET /api/webhooks/{id}/deliveries/",
    }
)

# The machine-readable description of the API itself, not part of it.
NOT_ROUTES = {"/api/schema/", "/api/docs/"}

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# `POST /api/incidents/` inside backticks; the path stops at a query string or the backtick.
ROUTE_IN_TEXT = re.compile(r"`(" + "|".join(METHODS) + r") (/api/[^`?\s]*)")
PLACEHOLDER = re.compile(r"<(?:\w+:)?(\w+)>")


def _placeholders(route: str) -> str:
    """incidents/<ref:reference>/ → incidents/{reference}/; a primary key is {id}, as API.md
    writes it."""
    return PLACEHOLDER.sub(lambda m: "{id}" if m[1] == "pk" else "{" + m[1] + "}", route)


def _methods(callback: object) -> list[str]:
    """The methods a view answers (HEAD and OPTIONS aside); "*" for a plain function view,
    whose methods only its code knows."""
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        return ["*"]
    return [m.upper() for m in view_class.http_method_names if m not in {"head", "options"} and hasattr(view_class, m)]


def _walk(patterns: list, prefix: str = ""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def served_routes() -> set[str]:
    """`METHOD /api/path/` for every route and method the URL resolver serves under /api/."""
    served = set()
    for route, callback in _walk(get_resolver().url_patterns):
        path = "/" + _placeholders(route)
        if not path.startswith("/api/") or path in NOT_ROUTES:
            continue
        served.update(f"{method} {path}" for method in _methods(callback))
    return served


def routes_named(text: str) -> set[str]:
    return {f"{method} {path}" for method, path in ROUTE_IN_TEXT.findall(text)}


def additions_routes() -> set[str]:
    """The routes API-ADDITIONS.md documents: those named in its headings (a mention in the
    prose of another section does not count as documenting a route)."""
    assert ADDITIONS.is_file(), f"{ADDITIONS.relative_to(ROOT)} is missing"
    headings = [line for line in ADDITIONS.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    return routes_named("\n".join(headings))


def test_every_api_route_and_method_is_documented():
    served = served_routes()
    # The walk itself found the API (an empty walk would pass anything).
    assert {"POST /api/incidents/", "POST /api/incidents/handover/", "GET /api/alerts/"} <= served
    documented = API_MD_ROUTES | additions_routes()
    undocumented = sorted(
        route
        for route in served
        if route not in documented
        and not (route.startswith("* ") and any(d.endswith(" " + route[2:]) for d in documented))
    )
    assert not undocumented, (
        "Routes under /api/ documented neither in API.md nor in docs/API-ADDITIONS.md "
        "(add a section headed with the `METHOD /api/path/`): " + ", ".join(undocumented)
    )


def test_documented_routes_are_served():
    served = served_routes()
    paths_served = {route.split(" ", 1)[1] for route in served if route.startswith("* ")}
    stale = sorted(
        route for route in additions_routes() if route not in served and route.split(" ", 1)[1] not in paths_served
    )
    assert not stale, "docs/API-ADDITIONS.md documents routes that are not served: " + ", ".join(stale)
    missing = sorted(route for route in API_MD_ROUTES if route not in served)
    assert not missing, "Routes of the API.md contract that are not served: " + ", ".join(missing)


def test_additions_do_not_repeat_api_md():
    repeated = sorted(API_MD_ROUTES & additions_routes())
    assert not repeated, "Already in API.md, so not an addition: " + ", ".join(repeated)


def test_the_copy_of_api_md_routes_matches_api_md():
    """Only this check needs ../shared/API.md; a clone without it skips this alone."""
    if not SHARED_API_MD.is_file():
        pytest.skip(f"{SHARED_API_MD} is not present: the copy in this file stands in for it")
    assert routes_named(SHARED_API_MD.read_text(encoding="utf-8")) == API_MD_ROUTES
