"""Each role's home page: what it needs first, drawn from every app it works in.

The lists are read as tuples and drawn in Python (home/sections.py); each section is read only
for the page that shows it (issue 18)."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import Role
from accounts.roles import role_can
from alerts.views import panel_context, watch_context
from home import sections
from home.sections import HOME_LIST_LENGTH
from incidents.views_handover import handover_context
from qa.selectors import feedback_new_count, qa_home_summary
from qa.tables_html import qa_monthly_table
from thrive.returns import returned_to_me, returned_to_me_count, team_open_returns_by_handler
from thrive.services import prompt_set_current
from thrive.wording import acknowledgement_due, current_family, current_published, trained_by_team
from victims.selectors import texts_failed_for_handler

# The pages that show the user's own incidents, drafts and handover form (a superuser's page
# is their role's: an admin's shows none of them).
WORKS_INCIDENTS = {Role.CALL_HANDLER, Role.SUPERVISOR}


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on what it needs first."""
    user = request.user
    now = timezone.now()
    context: dict[str, object] = {"now": now}
    if user.role in WORKS_INCIDENTS:
        own = sections.own_open(user)  # the list, its count and the handover form: one query
        context["my_open_rows"] = sections.own_rows_html(own.rows, user, now)
        context["my_open_shown"] = len(own.rows)
        context["my_open_count"] = own.count
        context["my_drafts"] = sections.drafts_html(user)
        context.update(_handover(user, own.candidates))
    if user.role == Role.CALL_HANDLER:  # the supervisor's page has no failed-texts notice
        context["failed_texts"] = texts_failed_for_handler(user)  # rule 7: a failed text is told
    if user.role == Role.SUPERVISOR and user.team_id:
        context["team_overdue_rows"] = sections.team_overdue_html(user, now)
        context["team_recent_submissions"] = sections.team_submissions_html(user)
    if user.role == Role.SUPERVISOR:
        context.update(_alerts(user))
    if user.role == Role.TRAINER:
        context["prompt_set"] = prompt_set_current()
    context.update(_returns_and_wording(request, user))
    if user.role == Role.CALL_HANDLER:  # the supervisor's page does not show it
        context["qa_feedback_new"] = feedback_new_count(user)
    if user.role == Role.ANALYST:
        context["qa_table"] = qa_monthly_table(
            qa_home_summary(today=timezone.localdate()), "QA figures, last six months, all teams"
        )
    template = {
        Role.CALL_HANDLER: "accounts/home_handler.html",
        Role.SUPERVISOR: "accounts/home_supervisor.html",
        Role.TRAINER: "accounts/home_trainer.html",
        Role.ANALYST: "accounts/home_analyst.html",
        Role.ADMIN: "accounts/home_admin.html",
    }[user.role]
    return render(request, template, context)


def _handover(user: Any, candidates: list[dict[str, Any]]) -> dict[str, object]:
    """Watch handover's form (incidents/views_handover.py), ticked for every incident."""
    if not role_can(user, "hand_over"):
        return {}
    return handover_context(user, candidates=candidates)


def _returns_and_wording(request: HttpRequest, user: Any) -> dict[str, object]:
    """Rule 8 and 9 on the home pages: a handler's returned list and the acknowledgement
    banner; a supervisor's open returns; a trainer's trained / not-yet figures."""
    context: dict[str, object] = {"guidance_due": acknowledgement_due(user)}
    if user.role in WORKS_INCIDENTS:
        # Counted first, for the header's "Returned to me (n)" too (home/context_processors.py
        # reads it from the request): most have none, and the list's query (a return with its
        # version, incident, category and supervisor) is then not asked.
        count = returned_to_me_count(user)
        request.returned_to_me_count = count  # type: ignore[attr-defined]
        # The rows show the return, not the version's answers (a JSON document each).
        context["returned_to_me"] = (
            list(returned_to_me(user).defer("assessment__answers")[:HOME_LIST_LENGTH]) if count else []
        )
    if user.role == Role.SUPERVISOR and user.team_id:
        context["team_open_returns"] = team_open_returns_by_handler(user)
    if user.role == Role.TRAINER:
        current = current_published(current_family())
        context["training_rows"] = trained_by_team(current) if current else []
    return context


def _alerts(user: Any) -> dict[str, object]:
    """Rule 13 on the supervisor's home page: their watch and the polled alert panel."""
    return {**watch_context(user), **panel_context(user)}
