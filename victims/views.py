"""Victim and text pages: link a victim (with the repeat-victim check), record the check's
outcome, the texts fragment the incident page polls while a text is queued, and the
incident's texts a page at a time."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import role_required
from config.errors import Blocked
from config.pages import errors_list
from config.params import whole_number
from incidents.selectors import get_incident_for_user
from victims.advice import advice_save
from victims.link_form import link_field_ids, victim_link_from_post
from victims.models import CodeAnswer, PreventionAdvice, RepeatOutcome, SupportAnswer, Victim
from victims.selectors import TEXTS_PAGE, get_victim_for_user, texts_recent, victim_reads_record
from victims.services import victim_record_outcome
from victims.victims_code import victims_code_applies, victims_code_record

LINK_ANCHORS = link_field_ids("f")


@require_http_methods(["GET", "POST"])
@role_required("work_incidents")
def victim_link_page(request: HttpRequest, reference: str) -> HttpResponse:
    incident = get_incident_for_user(request.user, reference)
    values: dict[str, str] = {}
    field_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values, victim, field_errors = victim_link_from_post(
            post=request.POST, incident=incident, actor=request.user, request=request
        )
        if victim is not None:
            return redirect("victims:victim-check", pk=victim.pk)
    context = {
        "incident": incident,
        "values": values,
        "field_errors": field_errors,
        "errors": errors_list(field_errors, LINK_ANCHORS),
    }
    return render(request, "victims/victim_link.html", context, status=400 if field_errors else 200)


CODE_ANCHORS = {
    "told_what_happens_next": "f-code-told",
    "written_acknowledgement_offered": "f-code-acknowledgement",
    "support_information": "f-code-support",
}


def _victim_page(
    request: HttpRequest,
    victim: Victim,
    *,
    values: dict[str, str] | None = None,
    field_errors: dict[str, list[str]] | None = None,
    code_values: dict[str, str] | None = None,
    code_errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The victim's page: the repeat-victim check and its outcome, and the Victims' Code
    answers (rule 14). Each form posts to its own view; a refused one comes back here."""
    incident = get_incident_for_user(request.user, victim.incident.reference)
    field_errors = field_errors or {}
    code_errors = code_errors or {}
    if code_values is None:
        code_values = {field: getattr(victim, field) for field in CODE_ANCHORS}
    context: dict[str, Any] = {
        "incident": incident,
        "victim": victim,
        "values": values or {"outcome": victim.outcome, "household_note": victim.household_note},
        "outcomes": [(RepeatOutcome.REPEAT, "Yes, a repeat victim"), (RepeatOutcome.NOT_REPEAT, "No")],
        "field_errors": field_errors,
        "code_applies": victims_code_applies(victim),
        "code_values": code_values,
        "code_errors": code_errors,
        "code_answers": CodeAnswer.choices,
        "support_answers": SupportAnswer.choices,
        "errors": errors_list(field_errors, {"outcome": "f-outcome", "household_note": "f-household-note"})
        + errors_list(code_errors, CODE_ANCHORS),
    }
    return render(request, "victims/victim_check.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required("work_incidents")
def victim_check_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The repeat-victim check's matches, and the form for the handler's outcome."""
    # Rule 4: a GET shows the details, so the helper records the read; a POST changes the
    # outcome, which victim_record_outcome records (and a refused POST shows them again).
    victim = get_victim_for_user(request.user, pk, read=request.method == "GET", request=request)
    if request.method == "POST":
        values = {
            "outcome": request.POST.get("outcome", ""),
            "household_note": request.POST.get("household_note", "")[:3000],
        }
        try:
            victim_record_outcome(victim=victim, actor=request.user, request=request, **values)
        except ValidationError as exc:
            victim_reads_record(user=request.user, victims=[victim], request=request)
            return _victim_page(request, victim, values=values, field_errors=exc.message_dict, status=400)
        return redirect(reverse("incidents:incident-detail", args=[victim.incident.reference]) + "#victims")
    return _victim_page(request, victim)


@require_POST
@role_required("work_incidents")
def victim_code_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Rule 14: the Victims' Code answers, through the one service."""
    victim = get_victim_for_user(request.user, pk, read=False)
    values = {field: request.POST.get(field, "")[:10] for field in CODE_ANCHORS}
    try:
        victims_code_record(victim=victim, actor=request.user, request=request, **values)
    except ValidationError as exc:
        victim_reads_record(user=request.user, victims=[victim], request=request)
        return _victim_page(request, victim, code_values=values, code_errors=exc.message_dict, status=400)
    except Blocked as exc:
        victim_reads_record(user=request.user, victims=[victim], request=request)
        return _victim_page(
            request, victim, code_values=values, code_errors={"told_what_happens_next": [exc.message]}, status=409
        )
    messages.success(request, f"Victims' Code answers recorded for {victim.name}.")
    return redirect(reverse("incidents:incident-detail", args=[victim.incident.reference]) + "#victims")


@require_GET
@role_required("view_incidents")
def incident_texts_fragment(request: HttpRequest, reference: str) -> HttpResponse:
    """The texts table the incident page polls while any text is queued. Without htmx it
    is the incident page's job: send the browser there."""
    incident = get_incident_for_user(request.user, reference)
    if not request.htmx:
        return redirect(reverse("incidents:incident-detail", args=[incident.reference]) + "#texts")
    return render(request, "victims/partials/texts.html", {"incident": incident, "texts": texts_recent(incident)})


@require_GET
@role_required("view_incidents")
def incident_texts_page(request: HttpRequest, reference: str) -> HttpResponse:
    """Every text of the incident, newest first, TEXTS_PAGE a page: `?before=<text id>` reads
    the next older page (keyset), however many texts the incident has had."""
    incident = get_incident_for_user(request.user, reference)
    raw = request.GET.get("before", "")
    before = whole_number(raw) if raw else None
    if raw and before is None:
        raise Http404("No such text")
    page = texts_recent(incident, before=before, size=TEXTS_PAGE)
    context = {"incident": incident, "texts": page, "first_page": before is None}
    return render(request, "victims/incident_texts.html", context)


@require_GET
@role_required("edit_prompts")
def advice_list_page(request: HttpRequest) -> HttpResponse:
    """The prevention advice library: trainers own the links and the wording of the texts."""
    advice = PreventionAdvice.objects.select_related("category").order_by("category__name")
    return render(request, "victims/advice_list.html", {"advice": advice})


@require_http_methods(["GET", "POST"])
@role_required("edit_prompts")
def advice_edit_page(request: HttpRequest, pk: int) -> HttpResponse:
    advice = get_object_or_404(PreventionAdvice.objects.select_related("category"), pk=pk)
    values: dict[str, Any] = {
        "title": advice.title,
        "url": advice.url,
        "message": advice.message,
        "active": advice.active,
    }
    field_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {
            "title": request.POST.get("title", "")[:500],
            "url": request.POST.get("url", "")[:1000],
            "message": request.POST.get("message", "")[:2000],
            "active": request.POST.get("active") == "true",
        }
        try:
            advice_save(advice=advice, actor=request.user, request=request, **values)
        except ValidationError as exc:
            field_errors = exc.message_dict
        else:
            messages.success(request, f"Prevention advice for {advice.category.name} saved.")
            return redirect("victims:advice-list")
    context = {
        "advice": advice,
        "values": values,
        "field_errors": field_errors,
        "errors": errors_list(field_errors, {"title": "f-title", "url": "f-url", "message": "f-message"}),
    }
    return render(request, "victims/advice_edit.html", context, status=400 if field_errors else 200)
