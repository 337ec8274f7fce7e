"""The victim beside the assessment form (issue 19): link a victim, see the repeat-victim
check and record its outcome in the form's side panel, without leaving the call's one page.

Each write goes through victims' services (victim_link, victim_record_outcome), the same
rules as the victim pages and the API; each read of the victims' details through
victims_for_user, which records it. With htmx the panel is swapped in place; without it the
browser goes back to the form (a refusal to the victim pages, which show the errors).

Phone first (a caller who has called before): the number typed into the panel is looked up
with the repeat check's own search (victims.selectors.phone_matches_for_user, a recorded
read); each person it finds is offered as a button that links them with their name and date
of birth, and the link is made only when the handler presses it (Enter in the number when
one person is offered)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from config.phones import normalise_uk_phone
from incidents.models import Incident
from incidents.selectors import get_incident_for_user
from victims.link_form import LINK_FIELDS, link_field_ids, victim_link_from_post
from victims.models import RepeatOutcome, Victim
from victims.rules import mobile_for_prevention_text
from victims.selectors import PhoneMatch, get_victim_for_user, phone_matches_for_user, victims_for_user
from victims.services import victim_record_outcome

MATCH_GONE = "The person offered for this number is no longer a match: enter the victim's details"
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
    if request.POST.get("match"):
        # Phone first: the person pressed is looked up again by the number (never taken on
        # the posted id's word) and linked with their name and date of birth.
        phone = request.POST.get("phone", "")[:300]
        match = _phone_match(request, incident, phone=phone, pk=request.POST["match"])
        if match is None:
            values = {name: request.POST.get(name, "")[:300] for name in LINK_FIELDS}
            victim, errors = None, {"phone": [MATCH_GONE]}
        else:
            values, victim, errors = victim_link_from_post(
                post=request.POST,
                incident=incident,
                actor=request.user,
                request=request,
                known=(match.name, match.date_of_birth),
            )
    else:
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


def _phone_match(request: HttpRequest, incident: Incident, *, phone: str, pk: str) -> PhoneMatch | None:
    matches = phone_matches_for_user(request.user, incident, phone=phone, read=False, request=request)
    return next((m for m in matches if str(m.victim.pk) == pk.strip()), None)


@require_POST
@role_required("work_incidents")
def form_victim_phone(request: HttpRequest, reference: str) -> HttpResponse:
    """The people who called from the number typed so far, offered under it (htmx). Posted,
    so the number stays out of the address bar and the server's logs."""
    incident = get_incident_for_user(request.user, reference)
    phone = request.POST.get("phone", "")[:40]
    context = {
        "incident": incident,
        "matched_phone": phone,
        "phone_matches": phone_matches_for_user(request.user, incident, phone=phone, request=request),
        "phone_looked_up": bool(normalise_uk_phone(phone)),
    }
    return render(request, "thrive/partials/victim_panel.html#phone-matches", context)


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
