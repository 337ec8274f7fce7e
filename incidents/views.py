"""Incident log pages that touch only incidents: the list and search, and opening a new one.
The log page with its timeline, closing, notes and the grading change show the assessments
too: casework/views.py."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import role_required
from accounts.models import Team, User
from config.pages import errors_list
from incidents.gradings import grading_choices
from incidents.models import Category, Channel, Status
from incidents.rows_html import incident_list_rows_html, incident_list_values
from incidents.selectors import IncidentFilters, incident_list
from incidents.services import incident_create
from markup import Template, literal

PAGE_SIZE = 50
OPTION = Template('<option value="{}"{}>{}</option>')
SELECTED = literal(" selected")
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


@require_GET
@role_required("view_incidents")
def incident_list_page(request: HttpRequest) -> HttpResponse:
    filters = IncidentFilters.from_params(request.GET)
    now = timezone.now()
    # Rows as value tuples built in Python (incidents/rows_html.py), not model instances.
    rows = incident_list_values(incident_list(filters, now=now), now)
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "page": page,
        "rows": incident_list_rows_html(page.object_list),
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
    return OPTION.render_each((name_, SELECTED if name_ == selected else "", full or name_) for name_, full in staff)


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
        "errors": errors_list(
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
        "gradings": grading_choices(),
    }
    return render(request, "incidents/incident_create.html", context, status=400 if errors else 200)
