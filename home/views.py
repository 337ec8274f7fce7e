"""Each role's home page: what it needs first, drawn from every app it works in."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import Role
from accounts.roles import role_can
from alerts.views import panel_context, watch_context
from incidents.models import Status
from incidents.selectors import IncidentFilters, incident_list
from incidents.views_handover import handover_context
from qa.selectors import feedback_new_count, qa_home_summary
from thrive.models import Assessment, AssessmentStatus
from thrive.returns import returned_to_me, team_open_returns_by_handler
from thrive.services import prompt_set_current
from thrive.wording import acknowledgement_due, current_family, current_published, trained_by_team
from victims.selectors import texts_failed_for_handler

HOME_LIST_LENGTH = 25


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on what it needs first."""
    user = request.user
    now = timezone.now()
    context: dict[str, object] = {"now": now}
    if user.role in {Role.CALL_HANDLER, Role.SUPERVISOR} or user.is_superuser:
        mine = incident_list(IncidentFilters(status=Status.OPEN, owner=user.username), now=now)
        context["my_open"] = list(mine[:HOME_LIST_LENGTH])
        context["my_open_count"] = mine.count()
        context["my_drafts"] = list(
            Assessment.objects.filter(author=user, status=AssessmentStatus.DRAFT, incident__status=Status.OPEN)
            .select_related("incident")
            # What a row shows (accounts/_drafts.html): not the answers, nor the incident's text.
            .only("version", "updated_at", "incident__reference")
            .order_by("-updated_at")[:HOME_LIST_LENGTH]
        )
        context["failed_texts"] = texts_failed_for_handler(user)  # rule 7: a failed text is told
        context.update(_handover(user))
    if user.role == Role.SUPERVISOR and user.team_id:
        team = incident_list(IncidentFilters(status=Status.OPEN, team=user.team.name), now=now)
        context["team_overdue"] = list(team.overdue(now)[:HOME_LIST_LENGTH])
        context["team_recent_submissions"] = list(
            Assessment.objects.filter(status=AssessmentStatus.SUBMITTED, team_id=user.team_id)
            .select_related("incident", "author")
            # What a row shows (accounts/home_supervisor.html): not the answers (a JSON
            # document each to decode), nor the incident's and the author's other columns.
            .only(
                "version",
                "submitted_at",
                "risk_level",
                "incident__reference",
                "author__username",
                "author__full_name",
            )
            .order_by("-submitted_at")[:HOME_LIST_LENGTH]
        )
    if user.role == Role.SUPERVISOR:
        context.update(_alerts(user))
    if user.role == Role.TRAINER:
        context["prompt_set"] = prompt_set_current()
    context.update(_returns_and_wording(user))
    if user.role in {Role.CALL_HANDLER, Role.SUPERVISOR}:
        context["qa_feedback_new"] = feedback_new_count(user)
    if user.role == Role.ANALYST:
        context["qa_summary"] = qa_home_summary(today=timezone.localdate())
    template = {
        Role.CALL_HANDLER: "accounts/home_handler.html",
        Role.SUPERVISOR: "accounts/home_supervisor.html",
        Role.TRAINER: "accounts/home_trainer.html",
        Role.ANALYST: "accounts/home_analyst.html",
        Role.ADMIN: "accounts/home_admin.html",
    }[user.role]
    return render(request, template, context)


def _handover(user: Any) -> dict[str, object]:
    """Watch handover's form (incidents/views_handover.py), ticked for every incident."""
    if not role_can(user, "hand_over"):
        return {}
    return handover_context(user)


def _returns_and_wording(user: Any) -> dict[str, object]:
    """Rule 8 and 9 on the home pages: a handler's returned list and the acknowledgement
    banner; a supervisor's open returns; a trainer's trained / not-yet figures."""
    context: dict[str, object] = {"guidance_due": acknowledgement_due(user)}
    if user.role in {Role.CALL_HANDLER, Role.SUPERVISOR}:
        # The rows show the return, not the version's answers (a JSON document each).
        context["returned_to_me"] = list(returned_to_me(user).defer("assessment__answers")[:HOME_LIST_LENGTH])
    if user.role == Role.SUPERVISOR and user.team_id:
        context["team_open_returns"] = team_open_returns_by_handler(user)
    if user.role == Role.TRAINER:
        current = current_published(current_family())
        context["training_rows"] = trained_by_team(current) if current else []
    return context


def _alerts(user: Any) -> dict[str, object]:
    """Rule 13 on the supervisor's home page: their watch and the polled alert panel."""
    return {**watch_context(user), **panel_context(user)}
