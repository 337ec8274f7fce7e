"""Pages for watch handover and reopening. Handover: the form is on the handler's home page
and here (where a refused post comes back with its errors); reopening: a supervisor's page
reached from a closed incident's log page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_http_methods

from accounts.decorators import role_required
from config.errors import Blocked
from config.pages import errors_list, posted_row_version
from incidents.handover import handover_candidates, handover_colleagues, incident_handover
from incidents.reopen import can_reopen, incident_reopen
from incidents.selectors import get_incident_for_user
from markup import Template, literal

HANDOVER_ANCHORS = {"to": "f-handover-to", "references": "f-handover-all"}


def handover_context(
    user: object, *, posted: dict | None = None, errors: dict | None = None, candidates: list | None = None
) -> dict:
    """What the handover form draws from: the user's incidents with a re-THRIVE pending (all
    ticked unless a refused post unticked some) and their team's colleagues. The home page
    uses it too, giving the candidates it has read with its own list (home/sections.py:
    each with the reference, category.name and rethrive_due_at the form shows, as here)."""
    if candidates is None:
        candidates = [
            {"reference": reference, "category": {"name": category}, "rethrive_due_at": due}
            for reference, category, due in handover_candidates(user).values_list(
                "reference", "category__name", "rethrive_due_at"
            )
        ]
    ticked = set(posted["references"]) if posted else {c["reference"] for c in candidates}
    return {
        "handover_candidates": candidates,
        "handover_items": handover_items_html(candidates, ticked),
        # What an option shows: the username, the name and the role.
        "handover_colleagues": list(handover_colleagues(user).only("username", "full_name", "role")),
        "handover_ticked": ticked,
        "handover_to": posted["to"] if posted else "",
        "field_errors": errors or {},
        "errors": errors_list(errors or {}, HANDOVER_ANCHORS),
    }


# One checkbox per candidate (the first one's id is the error summary's anchor), built in
# Python: the template loop was a tenth of a handler's home page (issue 18).
_ITEM = Template(
    '        <div class="govuk-checkboxes__item">\n'
    '          <input class="govuk-checkboxes__input" id="{}" name="references" type="checkbox" value="{}"{}>\n'
    '          <label class="govuk-label govuk-checkboxes__label" for="{}">{}, {}: re-THRIVE due {}</label>\n'
    "        </div>\n"
)
_CHECKED = literal(" checked")


def handover_items_html(candidates: list[dict], ticked: set[str]) -> SafeString:
    def values(number: int, candidate: dict) -> tuple:
        field_id = "f-handover-all" if number == 1 else f"f-handover-{number}"
        reference, due = candidate["reference"], candidate["rethrive_due_at"]
        return (
            field_id,
            reference,
            _CHECKED if reference in ticked else "",
            field_id,
            reference,
            candidate["category"]["name"],
            timezone.localtime(due).strftime("%d/%m %H:%M") if due else "",  # the `date` filter's "d/m H:i"
        )

    return _ITEM.render_each(values(number, c) for number, c in enumerate(candidates, 1))


@require_http_methods(["GET", "POST"])
@role_required("hand_over")
def handover_page(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "incidents/handover.html", handover_context(request.user))
    posted = {"to": request.POST.get("to", ""), "references": request.POST.getlist("references")}
    try:
        result = incident_handover(actor=request.user, request=request, **posted)
    except ValidationError as exc:
        context = handover_context(request.user, posted=posted, errors=exc.message_dict)
        return render(request, "incidents/handover.html", context, status=400)
    if result.handed_over:
        count = len(result.handed_over)
        messages.success(
            request, f"{count} incident{'s' if count != 1 else ''} handed over: {', '.join(result.handed_over)}."
        )
    for _, _, message in result.skipped:
        messages.warning(request, f"Not handed over: {message}")
    return redirect("accounts:home")


@require_http_methods(["GET", "POST"])
@role_required("view_incidents")
def reopen_page(request: HttpRequest, reference: str) -> HttpResponse:
    incident = get_incident_for_user(request.user, reference)
    if not can_reopen(request.user):
        raise PermissionDenied
    if incident.is_open:
        messages.info(request, f"Incident {incident.reference} is open.")
        return redirect("incidents:incident-detail", reference=reference)
    context: dict = {"incident": incident, "reason": "", "field_errors": {}, "errors": []}
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            incident_reopen(
                incident=incident,
                actor=request.user,
                reason=reason,
                expected_version=posted_row_version(request),
                request=request,
            )
        except ValidationError as exc:
            context.update(
                reason=reason,
                field_errors=exc.message_dict,
                errors=errors_list(exc.message_dict, {"reason": "f-reason"}),
            )
            return render(request, "incidents/reopen.html", context, status=400)
        except Blocked as exc:
            messages.error(request, exc.message)
            return redirect("incidents:incident-detail", reference=reference)
        messages.success(request, f"Incident {reference} reopened. A re-THRIVE is due now.")
        return redirect("incidents:incident-detail", reference=reference)
    return render(request, "incidents/reopen.html", context)
