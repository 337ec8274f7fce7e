"""The incident's log page and its forms: the timeline with the assessment versions, the
closure prompt (the gate: casework.rules), closing, notes and the grading change."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required
from accounts.roles import role_can
from casework.rules import close_blockers
from casework.selectors import (
    VERSIONS_PAGE,
    assessment_versions,
    assessment_versions_summary,
    get_incident_page_for_user,
    incident_page_get,
)
from casework.services import incident_change_grading, incident_close, incident_note
from config.errors import Blocked
from config.pages import errors_list, posted_row_version, redirect_after_post
from config.params import whole_number
from incidents.gradings import grading_choices
from incidents.models import ClosureCode, Incident
from incidents.reopen import can_reopen
from incidents.selectors import LOG_PAGE, get_incident_for_user, log_entries, log_entry_anchor


def _detail_context(request: HttpRequest, incident: Incident, **extra: Any) -> dict[str, Any]:
    """The incident's page shows the latest of its history (casework.selectors: the latest
    log entries and versions, newest first), the rest a link away: the same few rows and
    queries for an incident with two entries as for one with a thousand."""
    versions = assessment_versions_summary(incident, request.user)
    latest = versions.latest_submitted
    log = log_entries(incident)
    now = timezone.now()
    context = {
        "incident": incident,
        "entries": log.entries,
        "older_than": log.older_than,
        "assessments": versions.shown,
        "more_versions": versions.more,
        "latest": latest,
        "own_draft": versions.own_draft,
        "overdue": incident.is_overdue(now),
        "closure_codes": ClosureCode.objects.filter(active=True),
        "gradings": grading_choices(),
        "blockers": close_blockers(incident, latest=latest, latest_known=True) if incident.is_open else [],
        "may_decide_overdue": role_can(request.user, "decide_overdue_close"),
        "now": now,
        "can_reopen": not incident.is_open and can_reopen(request.user),
    }
    context.update(extra)
    return context


@require_GET
@role_required("view_incidents")
def incident_detail_page(request: HttpRequest, reference: str) -> HttpResponse:
    incident = get_incident_page_for_user(request.user, reference, request=request)
    return render(request, "incidents/incident_detail.html", _detail_context(request, incident))


@require_GET
@role_required("view_incidents")
def incident_log_page(request: HttpRequest, reference: str) -> HttpResponse:
    """The incident's whole log, newest first, LOG_PAGE entries a page: `?before=<entry id>`
    (the link at the foot of each page, and of the incident's page) reads the next older
    page on the index, however far back (keyset, not OFFSET). An entry that is not this
    incident's is a 404."""
    incident = get_incident_page_for_user(request.user, reference, request=request)
    raw = request.GET.get("before", "")
    before = None
    if raw:
        before = log_entry_anchor(incident, raw)
        if before is None:
            raise Http404("No such log entry in this incident")
    log = log_entries(incident, before=before, size=LOG_PAGE)
    context = {"incident": incident, "entries": log.entries, "older_than": log.older_than, "first_page": before is None}
    return render(request, "incidents/incident_log.html", context)


@require_GET
@role_required("view_incidents")
def incident_versions_page(request: HttpRequest, reference: str) -> HttpResponse:
    """Every version of the incident's assessment, newest first, VERSIONS_PAGE a page:
    `?before=<version>` reads the next older page (keyset on the (incident, version) index).
    Each version opens on its own page, with the wording it was answered against (rule 4)."""
    incident = get_incident_page_for_user(request.user, reference, request=request)
    raw = request.GET.get("before", "")
    before = whole_number(raw, minimum=1, maximum=2**31 - 1) if raw else None
    if raw and before is None:
        raise Http404("No such version")
    page = assessment_versions(incident, before=before, size=VERSIONS_PAGE)
    context = {
        "incident": incident,
        "assessments": page.versions,
        "older_than": page.older_than,
        "first_page": before is None,
    }
    return render(request, "incidents/incident_versions.html", context)


@require_POST
@role_required("work_incidents")
def incident_close_page(request: HttpRequest, reference: str) -> HttpResponse:
    """Close through the one service. A refusal comes back in place: the closure prompt with
    the way straight to the assessment form (htmx swaps the close panel; without
    JavaScript the whole page re-renders with the same panel)."""
    incident = get_incident_for_user(request.user, reference)
    values = {name: request.POST.get(name, "") for name in CLOSE_FIELDS}
    attempts = values["callback_attempts"].strip()
    try:
        if attempts and not attempts.isdigit():
            raise ValidationError({"callback_attempts": ["Enter the call-back attempts as a whole number, like 2"]})
        incident_close(
            incident=incident,
            actor=request.user,
            closure_code=values["closure_code"],
            exemption_reason=values["exemption_reason"],
            callback_attempts=int(attempts[:3]) if attempts else None,
            callback_outcome=values["callback_outcome"],
            framework_reference=values["framework_reference"],
            overdue_decision=values["overdue_decision"],
            expected_version=posted_row_version(request),
            request=request,
        )
    except ValidationError as exc:
        return _close_panel(request, reference, status=400, close_errors=exc.message_dict, close_values=values)
    except Blocked as exc:
        return _close_panel(request, reference, status=409, close_block=exc, close_values=values)
    messages.success(request, f"Incident {reference} closed.")
    return redirect_after_post(request, reverse("incidents:incident-detail", kwargs={"reference": reference}))


CLOSE_FIELDS = (
    "closure_code",
    "exemption_reason",
    "callback_attempts",
    "callback_outcome",
    "framework_reference",
    "overdue_decision",
)
CLOSE_FIELD_IDS = {name: "f-" + name.replace("_", "-") for name in CLOSE_FIELDS} | {"closed_at": "f-closure-code"}


def _close_panel(request: HttpRequest, reference: str, *, status: int, **extra: Any) -> HttpResponse:
    incident = incident_page_get(reference, request.user)
    context = _detail_context(request, incident, **extra)
    errors = extra.get("close_errors") or {}
    context["errors"] = errors_list(errors, CLOSE_FIELD_IDS)
    context["close_error_links"] = [
        (CLOSE_FIELD_IDS.get(field, "f-closure-code"), message)
        for field, messages_ in errors.items()
        for message in messages_
    ]
    template = "incidents/incident_detail.html#close-panel" if request.htmx else "incidents/incident_detail.html"
    response = render(request, template, context, status=status)
    if request.htmx:
        # htmx does not swap 4xx answers by default; this one is meant to be shown.
        response["HX-Retarget"] = "#close-panel"
        response["HX-Reswap"] = "outerHTML"
    return response


@require_POST
@role_required("work_incidents")
def incident_note_page(request: HttpRequest, reference: str) -> HttpResponse:
    incident = get_incident_for_user(request.user, reference)
    try:
        incident_note(
            incident=incident,
            actor=request.user,
            text=request.POST.get("text", ""),
            new_information=request.POST.get("new_information") == "yes",
        )
    except ValidationError as exc:
        detail = incident_page_get(reference, request.user)
        context = _detail_context(
            request,
            detail,
            note_errors=exc.message_dict,
            note_value=request.POST.get("text", ""),
            note_new_information=request.POST.get("new_information") == "yes",
        )
        context["errors"] = errors_list(exc.message_dict, {"text": "f-note"})
        return render(request, "incidents/incident_detail.html", context, status=400)
    messages.success(request, "Log entry added.")
    return redirect("incidents:incident-detail", reference=reference)


@require_POST
@role_required("work_incidents")
def incident_grading_page(request: HttpRequest, reference: str) -> HttpResponse:
    incident = get_incident_for_user(request.user, reference)
    try:
        incident_change_grading(
            incident=incident,
            actor=request.user,
            grading=request.POST.get("grading", ""),
            reason=request.POST.get("reason", "")[:500],
            expected_version=posted_row_version(request),
        )
    except ValidationError as exc:
        detail = incident_page_get(reference, request.user)
        context = _detail_context(request, detail)
        context["errors"] = errors_list(exc.message_dict, {"grading": "f-grading"})
        return render(request, "incidents/incident_detail.html", context, status=400)
    except Blocked as exc:
        messages.error(request, exc.message)
        return redirect("incidents:incident-detail", reference=reference)
    messages.success(request, "Grading changed.")
    return redirect("incidents:incident-detail", reference=reference)
