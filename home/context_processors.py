"""The header's navigation: links into every app, so it lives in home, above them all."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject

from accounts.roles import role_can
from thrive.returns import can_review, returned_to_me_count


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The header's links for the signed-in member of staff's role, worked out when a
    template first reads them: a fragment without the header (an htmx partial, the alert
    panel's poll every few seconds) does not count the author's returns or build the links
    (issue 18)."""
    return {"nav_items": SimpleLazyObject(lambda: nav_items(request))}


_URLS: dict[tuple[Any, str, str], str] = {}


def _url(name: str) -> str:
    """reverse(name) for a link without arguments, once per URLconf and script prefix: the
    same dozen links on every page cost a reverse each otherwise."""
    key = (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), name)
    url = _URLS.get(key)
    if url is None:
        url = _URLS[key] = reverse(name)
    return url


def nav_items(request: HttpRequest) -> list[dict[str, Any]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    items = [("Home", _url("accounts:home"))]
    if role_can(user, "work_incidents"):
        items.append(("New incident", _url("incidents:incident-create")))
        items.append(("Incidents", _url("incidents:incident-list")))
    if role_can(user, "view_overdue"):
        items.append(("Re-THRIVE overdue", _url("incidents:incident-list") + "?status=open&overdue=true"))
    if role_can(user, "view_prompts"):
        items.append(("Prompt wording", _url("thrive:prompt-set-current")))
    # Rule 8 and 9 (thrive/returns.py, thrive/wording.py): the author's open returns on every
    # page, the supervisor's review queue, the trainer's editor and trained / not-yet table.
    if role_can(user, "work_incidents"):
        # The home page has counted them already when it listed them all (home/views.py).
        count = getattr(request, "returned_to_me_count", None)
        if count is None:
            count = returned_to_me_count(user)
        items.append((f"Returned to me ({count})", _url("thrive:returned-to-me")))
    if can_review(user):
        items.append(("Review queue", _url("thrive:review-queue")))
    if role_can(user, "edit_prompts"):
        items.append(("Edit wording", _url("thrive:wording-home")))
        items.append(("Trained / not yet", _url("thrive:wording-trained")))
        items.append(("Briefings", _url("thrive:briefing-list")))
        items.append(("Prevention advice", _url("victims:advice-list")))
    # Rule 13 (alerts/): the supervisor's alert queue; the report beside the dashboards.
    if role_can(user, "alerts_acknowledge"):
        items.append(("Alerts", _url("alerts:queue")))
    if role_can(user, "qa_grade"):
        items.append(("Dip samples", _url("qa:sample-list")))
    if role_can(user, "view_dashboards"):
        items.append(("QA dashboard", _url("qa:dashboard")))
        items.append(("Alert report", _url("alerts:report")))
    if role_can(user, "qa_feedback"):
        items.append(("My QA feedback", _url("qa:feedback-list")))
    if role_can(user, "view_audit"):
        items.append(("Audit log", _url("audit:event-list")))
    if user.is_admin_role:
        items.append(("Operations", _url("ops:overview")))
    if user.is_staff:
        items.append(("Admin", _url("admin:index")))
    current = _current_url([url for _, url in items], request)
    return [{"label": label, "url": url, "active": url == current} for label, url in items]


def _current_url(urls: list[str], request: HttpRequest) -> str | None:
    """The one link the page is under: the most specific that matches. A link with a query
    (the overdue list) matches only when the page has those parameters, and then wins over
    the plain list it filters, so only one item is marked as the current page."""
    path = request.path

    def matches(url: str) -> bool:
        base, _, query = url.partition("?")
        if query:
            return base == path and all(request.GET.get(key) == value for key, value in QueryDict(query).items())
        return base == path or (base != "/" and path.startswith(base))

    return max((url for url in urls if matches(url)), key=len, default=None)
