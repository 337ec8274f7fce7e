"""The header's navigation: links into every app, so it lives in home, above them all."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from accounts.roles import role_can
from thrive.returns import can_review, returned_to_me_count


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
    # Rule 8 and 9 (thrive/returns.py, thrive/wording.py): the author's open returns on every
    # page, the supervisor's review queue, the trainer's editor and trained / not-yet table.
    if role_can(user, "work_incidents"):
        items.append((f"Returned to me ({returned_to_me_count(user)})", reverse("thrive:returned-to-me")))
    if can_review(user):
        items.append(("Review queue", reverse("thrive:review-queue")))
    if role_can(user, "edit_prompts"):
        items.append(("Edit wording", reverse("thrive:wording-home")))
        items.append(("Trained / not yet", reverse("thrive:wording-trained")))
        items.append(("Briefings", reverse("thrive:briefing-list")))
        items.append(("Prevention advice", reverse("victims:advice-list")))
    # Rule 13 (alerts/): the supervisor's alert queue; the report beside the dashboards.
    if role_can(user, "alerts_acknowledge"):
        items.append(("Alerts", reverse("alerts:queue")))
    if role_can(user, "qa_grade"):
        items.append(("Dip samples", reverse("qa:sample-list")))
    if role_can(user, "view_dashboards"):
        items.append(("QA dashboard", reverse("qa:dashboard")))
        items.append(("Alert report", reverse("alerts:report")))
    if role_can(user, "qa_feedback"):
        items.append(("My QA feedback", reverse("qa:feedback-list")))
    if role_can(user, "view_audit"):
        items.append(("Audit log", reverse("audit:event-list")))
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
