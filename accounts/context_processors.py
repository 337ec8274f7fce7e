from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from accounts.roles import role_can


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The header's links for the signed-in member of staff's role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [("Home", reverse("accounts:home"))]
    if role_can(user, "work_incidents"):
        items.append(("New incident", reverse("incidents:incident-create")))
        items.append(("Incidents", reverse("incidents:incident-list")))
    if role_can(user, "view_overdue"):
        items.append(("Re-THRIVE overdue", reverse("incidents:incident-list") + "?status=open&overdue=true"))
    if role_can(user, "view_prompts"):
        items.append(("Prompt wording", reverse("thrive:prompt-set-current")))
    if user.is_staff:
        items.append(("Admin", reverse("admin:index")))
    path = request.path
    return {
        "nav_items": [
            {
                "label": label,
                "url": url,
                "active": url.split("?")[0] == path
                or (url != "/" and path.startswith(url.split("?")[0]) and "?" not in url),
            }
            for label, url in items
        ]
    }
