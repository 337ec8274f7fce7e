"""The victim beside the assessment form (issue 19): link a victim, see the repeat-victim
check and record its outcome in the form's side panel, without leaving the call's one page.

Each write goes through victims' services (victim_link, victim_record_outcome), the same
rules as the victim pages and the API; each read of the victims' details through
victims_for_user, which records it. With htmx the panel is swapped in place; without it the
browser goes back to the form (a refusal to the victim pages, which show the errors)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from incidents.models import Incident
from incidents.selectors import get_incident_for_user
from victims.link_form import link_field_ids, victim_link_from_post
from victims.models import RepeatOutcome, Victim
from victims.rules import mobile_for_prevention_text
from victims.selectors import get_victim_for_user, victims_for_user
from victims.services import victim_record_outcome

# The panel's ids start "v-": the assessment form beside it has its own "f-" ids.
FIRST_FIELD = link_field_ids("v")
OUTCOMES = [(RepeatOutcome.REPEAT, "Yes, a repeat victim"), (RepeatOutcome.NOT_REPEAT, "No")]


def victim_panel_context(
    request: HttpRequest,
    incident: Incident,
    *,
    victims: list[Victim] | None = None,
    values: dict[str, str] | None = None,
    link_errors: dict[str, list[str]] | None = None,
    outcome_errors: dict[str, list[str]] | None = None,
    focus: str = "",
) -> dict[str, Any]:
    """What the panel shows: the incident's victims (a recorded read), each with its check and
    a mobile Prevention's number may take, and the form to link one."""
    if victims is None:
        victims = victims_for_user(request.user, incident, request=request)
    outcome_errors = outcome_errors or {}
    for victim in victims:
        victim.mobile_for_text = mobile_for_prevention_text(victim.phone)
        victim.outcome_errors = outcome_errors.get(str(victim.pk), [])
        victim.focus_outcome = focus == f"outcome-{victim.pk}"
        victim.focus_recorded = focus == f"recorded-{victim.pk}"
    link_errors = link_errors or {}
    return {
        "incident": incident,
        "victim_panel": True,
        "victims": victims,
        "victim_values": values or {},
        "victim_errors": link_errors,
        "victim_error_focus": next((FIRST_FIELD[f] for f in FIRST_FIELD if f in link_errors), ""),
        "outcomes": OUTCOMES,
        "panel_focus": focus,
    }


def _panel(request: HttpRequest, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    response = render(request, "thrive/partials/victim_panel.html", context, status=status)
    if status >= 400:
        response["HX-Retarget"] = "#victim-panel"  # app.js swaps a 4xx that names its target
    return response


@require_POST
@role_required("work_incidents")
def form_victim_link(request: HttpRequest, reference: str) -> HttpResponse:
    incident = get_incident_for_user(request.user, reference)
    values, victim, errors = victim_link_from_post(
        post=request.POST, incident=incident, actor=request.user, request=request
    )
    if not request.htmx:
        if errors:
            # Without JavaScript the victim pages show the errors field by field.
            return redirect("victims:victim-link", reference=reference)
        return redirect("victims:victim-check", pk=victim.pk)
    if errors:
        context = victim_panel_context(request, incident, values=values, link_errors=errors)
        return _panel(request, context, status=400)
    context = victim_panel_context(request, incident, focus=f"outcome-{victim.pk}")
    return _panel(request, context)


@require_POST
@role_required("work_incidents")
def form_victim_outcome(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    incident = get_incident_for_user(request.user, reference)
    victim = get_victim_for_user(request.user, pk, read=False, request=request)
    if victim.incident_id != incident.pk:
        raise Http404
    try:
        victim_record_outcome(
            victim=victim,
            actor=request.user,
            outcome=request.POST.get("outcome", ""),
            household_note=request.POST.get("household_note", "")[:3000],
            request=request,
        )
    except ValidationError as exc:
        if not request.htmx:
            messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
            return redirect("victims:victim-check", pk=victim.pk)
        context = victim_panel_context(
            request, incident, outcome_errors={str(victim.pk): exc.messages}, focus=f"outcome-{victim.pk}"
        )
        return _panel(request, context, status=400)
    if not request.htmx:
        return redirect("thrive:assessment-form", reference=reference)
    return _panel(request, victim_panel_context(request, incident, focus=f"recorded-{victim.pk}"))
