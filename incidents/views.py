"""Incident log pages: list and search, create, the log with its timeline, and closing."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import role_required
from accounts.models import Team, User
from audit.models import Action
from audit.services import audit_record
from config.errors import Blocked
from config.params import whole_number
from incidents.models import Category, Channel, ClosureCode, Grading, Incident, Status
from incidents.rules import close_blockers
from incidents.selectors import IncidentFilters, get_incident_for_user, incident_detail, incident_list
from incidents.services import incident_add_note, incident_change_grading, incident_close, incident_create

PAGE_SIZE = 50
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """Counts no further than COUNT_CAP: at millions of incidents an exact count of an
    unfiltered list costs more than the page itself, and nobody pages past 200 pages; the
    page says "more than 10,000" and the filters narrow it."""

    @cached_property
    def count(self) -> int:
        return self.object_list[: COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


def _errors_list(errors: dict[str, list[str]], anchors: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"anchor": anchors.get(field, field), "message": message}
        for field, messages_ in errors.items()
        for message in messages_
    ]


def _version(request: HttpRequest) -> int | None:
    return whole_number(request.POST.get("row_version", ""), minimum=0)


@require_GET
@role_required("view_incidents")
def incident_list_page(request: HttpRequest) -> HttpResponse:
    filters = IncidentFilters.from_params(request.GET)
    now = timezone.now()
    page = CappedPaginator(incident_list(filters, now=now), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "page": page,
        "now": now,
        "teams": Team.objects.all(),
        "handler_options": _handler_options(filters.handler),
        "statuses": Status.choices,
        "querystring": _querystring_without_page(request),
    }
    template = "incidents/incident_list.html#results" if request.htmx else "incidents/incident_list.html"
    return render(request, template, context)


def _handler_options(selected: str) -> str:
    """The handler filter's options, built here: a force has hundreds of handlers, and a
    template loop over them cost more than the rest of the page's filters."""
    staff = (
        User.objects.filter(role__in=["call_handler", "supervisor"], is_active=True)
        .order_by("username")
        .values_list("username", "full_name")
    )
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((name_, mark_safe(" selected") if name_ == selected else "", full or name_) for name_, full in staff),
    )


def _querystring_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@require_http_methods(["GET", "POST"])
@role_required("work_incidents")
def incident_create_page(request: HttpRequest) -> HttpResponse:
    values: dict[str, Any] = {"channel": "", "category": "", "grading": "", "summary": "", "location": ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in values}
        try:
            incident = incident_create(actor=request.user, **values)
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, f"Incident {incident.reference} opened. Now write the THRIVE-SP assessment.")
            return redirect("thrive:assessment-form", reference=incident.reference)
    context = {
        "values": values,
        "field_errors": errors,
        "errors": _errors_list(
            errors,
            {
                "channel": "f-channel",
                "category": "f-category",
                "grading": "f-grading",
                "summary": "f-summary",
                "location": "f-location",
            },
        ),
        "channels": Channel.choices,
        "categories": Category.objects.filter(active=True),
        "gradings": Grading.choices,
    }
    return render(request, "incidents/incident_create.html", context, status=400 if errors else 200)


def _detail_context(request: HttpRequest, incident: Incident, **extra: Any) -> dict[str, Any]:
    assessments = list(incident.assessments.all())
    submitted = [a for a in assessments if a.is_submitted]
    latest = submitted[-1] if submitted else None
    now = timezone.now()
    own_draft = next((a for a in assessments if not a.is_submitted and a.author_id == request.user.pk), None)
    context = {
        "incident": incident,
        "entries": list(incident.entries.all()),
        "assessments": assessments,
        "latest": latest,
        "own_draft": own_draft,
        "overdue": incident.is_overdue(now),
        "closure_codes": ClosureCode.objects.filter(active=True),
        "gradings": Grading.choices,
        "blockers": close_blockers(incident, latest=latest, latest_known=True) if incident.is_open else [],
        "now": now,
    }
    context.update(extra)
    return context


@require_GET
@role_required("view_incidents")
def incident_detail_page(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_detail(reference, request.user)
    audit_record(
        actor=request.user,
        action=Action.CONSULT,
        object_type="incident",
        object_id=incident.pk,
        incident_reference=incident.reference,
        request=request,
    )
    return render(request, "incidents/incident_detail.html", _detail_context(request, incident))


@require_POST
@role_required("work_incidents")
def incident_close_page(request: HttpRequest, reference: str) -> HttpResponse:
    """Close through the one service. A refusal comes back in place: the closure prompt with
    the way straight to the assessment form (htmx swaps the close panel; without
    JavaScript the whole page re-renders with the same panel)."""
    incident = get_incident_for_user(request.user, reference)
    code = request.POST.get("closure_code", "")
    reason = request.POST.get("exemption_reason", "")
    try:
        incident_close(
            incident=incident,
            actor=request.user,
            closure_code=code,
            exemption_reason=reason,
            expected_version=_version(request),
        )
    except ValidationError as exc:
        return _close_panel(
            request,
            reference,
            status=400,
            close_errors=exc.message_dict,
            close_values={"closure_code": code, "exemption_reason": reason},
        )
    except Blocked as exc:
        return _close_panel(
            request,
            reference,
            status=409,
            close_block=exc,
            close_values={"closure_code": code, "exemption_reason": reason},
        )
    messages.success(request, f"Incident {reference} closed.")
    target = reverse("incidents:incident-detail", kwargs={"reference": reference})
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


def _close_panel(request: HttpRequest, reference: str, *, status: int, **extra: Any) -> HttpResponse:
    incident = incident_detail(reference, request.user)
    context = _detail_context(request, incident, **extra)
    errors = extra.get("close_errors") or {}
    context["errors"] = _errors_list(
        errors,
        {"closure_code": "f-closure-code", "exemption_reason": "f-exemption-reason", "closed_at": "f-closure-code"},
    )
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
        incident_add_note(incident=incident, actor=request.user, text=request.POST.get("text", ""))
    except ValidationError as exc:
        detail = incident_detail(reference, request.user)
        context = _detail_context(
            request, detail, note_errors=exc.message_dict, note_value=request.POST.get("text", "")
        )
        context["errors"] = _errors_list(exc.message_dict, {"text": "f-note"})
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
            expected_version=_version(request),
        )
    except ValidationError as exc:
        detail = incident_detail(reference, request.user)
        context = _detail_context(request, detail)
        context["errors"] = _errors_list(exc.message_dict, {"grading": "f-grading"})
        return render(request, "incidents/incident_detail.html", context, status=400)
    except Blocked as exc:
        messages.error(request, exc.message)
        return redirect("incidents:incident-detail", reference=reference)
    messages.success(request, "Grading changed.")
    return redirect("incidents:incident-detail", reference=reference)
