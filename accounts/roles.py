"""Roles as groups with permissions, and the one place that decides what a role may do."""

from collections.abc import Iterable
from typing import Any

from accounts.models import Role

# Which roles may do what. Views and API permissions ask `role_can`, never the role name.
CAPABILITIES: dict[str, frozenset[str]] = {
    "work_incidents": frozenset({Role.CALL_HANDLER, Role.SUPERVISOR, Role.ADMIN}),
    "view_incidents": frozenset({Role.CALL_HANDLER, Role.SUPERVISOR, Role.ADMIN}),
    "view_overdue": frozenset({Role.SUPERVISOR, Role.ADMIN}),
    # Closing while a re-THRIVE is overdue without a fresh one: a supervisor's decision (issue 15).
    "decide_overdue_close": frozenset({Role.SUPERVISOR}),
    "edit_prompts": frozenset({Role.TRAINER, Role.ADMIN}),
    "view_prompts": frozenset({Role.CALL_HANDLER, Role.SUPERVISOR, Role.TRAINER, Role.ANALYST, Role.ADMIN}),
    "view_dashboards": frozenset({Role.SUPERVISOR, Role.ANALYST, Role.ADMIN}),
    # The audit log (audit/): searched by administrators, changed by nobody.
    "view_audit": frozenset({Role.ADMIN}),
    # QA (qa/): drawing dip samples and grading them (supervisors: own team only, see
    # qa.selectors.may_grade_team); reading one's own QA feedback.
    "qa_grade": frozenset({Role.SUPERVISOR, Role.ADMIN}),
    "qa_feedback": frozenset({Role.CALL_HANDLER, Role.SUPERVISOR}),
    # Watch handover (incidents/handover.py) and reopening a closed incident (incidents/reopen.py).
    "hand_over": frozenset({Role.CALL_HANDLER, Role.SUPERVISOR}),
    "reopen_incidents": frozenset({Role.SUPERVISOR}),
    # Rule 13 (alerts/): supervisors keep watches and acknowledge alerts; the alert report is
    # for those who see the dashboards ("view_dashboards").
    "alerts_acknowledge": frozenset({Role.SUPERVISOR}),
    # The CAD integration (cad/): the adapter's account writes incidents by the CAD's
    # reference and closes them; handlers and supervisors may read the same routes.
    "cad_intake": frozenset({Role.INTEGRATION}),
    "cad_close": frozenset({Role.INTEGRATION}),
    "cad_read": frozenset({Role.INTEGRATION, Role.CALL_HANDLER, Role.SUPERVISOR}),
    # Who may be named as an incident's call taker (the CAD's `handler`).
    "take_calls": frozenset({Role.CALL_HANDLER, Role.SUPERVISOR}),
    # Webhook subscriptions and their delivery log (webhooks/).
    "manage_webhooks": frozenset({Role.ADMIN}),
}

# Capabilities that belong to a kind of account, not to a degree of power: a superuser does
# not get them by being one (an administrator is not the CAD, nor a call taker).
ROLE_ONLY = frozenset({"cad_intake", "cad_close", "cad_read", "take_calls"})

# The model permissions of the incident work a call handler does.
_INCIDENT_WORK = [
    "incidents.view_incident",
    "incidents.add_incident",
    "incidents.add_logentry",
    "thrive.view_assessment",
    "thrive.add_assessment",
    "thrive.view_promptset",
]

# The Django model permissions each role's group holds (app_label.codename).
GROUP_PERMISSIONS: dict[str, list[str]] = {
    Role.CALL_HANDLER: list(_INCIDENT_WORK),
    # PRODUCT.md: a supervisor sees everything a handler sees (for their team). What a
    # supervisor adds (returns, grading, the overdue list) is decided by CAPABILITIES and
    # the team scoping in the selectors, not by model permissions, so the lists are equal.
    Role.SUPERVISOR: list(_INCIDENT_WORK),
    Role.TRAINER: [
        "thrive.view_promptset",
        "thrive.add_promptset",
    ],
    Role.ANALYST: [
        "thrive.view_promptset",
    ],
    Role.ADMIN: [
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_team",
        "accounts.add_team",
        "accounts.change_team",
        "incidents.view_incident",
        "incidents.view_logentry",
        "incidents.view_closurecode",
        "incidents.add_closurecode",
        "incidents.change_closurecode",
        "incidents.view_category",
        "incidents.add_category",
        "incidents.change_category",
        "thrive.view_promptset",
        "thrive.add_promptset",
        "thrive.view_assessment",
        "thrive.view_briefing",
        # QA: admins keep the learning-theme tags; samples, reviews and exports are read-only.
        "qa.view_learningtheme",
        "qa.add_learningtheme",
        "qa.change_learningtheme",
        "qa.view_sample",
        "qa.view_review",
        "qa.view_dispute",
        "qa.view_exportrecord",
        # Rule 13: alerts and watches, read-only (alerts/admin.py).
        "alerts.view_alert",
        "alerts.view_watch",
        # Webhooks: subscriptions are made and removed (never edited); the log is read-only.
        "webhooks.view_subscription",
        "webhooks.add_subscription",
        "webhooks.delete_subscription",
        "webhooks.view_delivery",
    ],
    # The CAD adapter holds no model permission: its API routes ask `role_can` (cad_*), and
    # it has no page and no admin.
    Role.INTEGRATION: [],
}


def role_can(user: Any, capability: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser and capability not in ROLE_ONLY:
        return True
    return user.role in CAPABILITIES[capability]


def is_integration(user: Any) -> bool:
    """A CAD adapter's account: API only, on its own routes (accounts.tokens, the
    middleware), never a page."""
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "role", None) == Role.INTEGRATION


def sync_role_groups(sender: Any = None, **kwargs: Any) -> None:
    """Create a group per role holding exactly its permissions. Idempotent."""
    from django.contrib.auth.models import Group, Permission

    for role, perms in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=Role(role).label)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:  # an app migrated later adds its own on its post_migrate
                wanted.append(perm)
        group.permissions.set(wanted)


def group_names_for(roles: Iterable[str]) -> list[str]:
    return [Role(role).label for role in roles]
