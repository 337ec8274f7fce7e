"""QA pages for supervisors and analysts: the dashboard, the compliance figures and the drill-down to reviews."""

import contextlib

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from accounts.decorators import role_required
from accounts.models import Role, Team, User
from markup import options_html
from qa import charts
from qa.compliance import COMPLIANCE_COLUMNS, PAGE_ORDER, compliance_monthly
from qa.exemptions import EXEMPTION_COLUMNS, exemption_audit_monthly
from qa.rules import COLUMNS, month_parse
from qa.selectors import (
    MEASURES,
    QaFilters,
    drilldown_reviews,
    month_highlights,
    qa_monthly,
)
from qa.tables_html import compliance_table, exemption_table, qa_monthly_table
from qa.victims_code import victims_code_context

MEASURE_LABELS = dict(COLUMNS)


# --- Dashboard ---------------------------------------------------------------------------


def _dashboard_filters(request: HttpRequest) -> QaFilters:
    return QaFilters.from_params(request.GET, today=timezone.localdate())


def _exemption_context(filters: QaFilters) -> dict:
    """The exemption audit's own table (qa.exemptions), shown apart from the QA measures on
    the dashboard and the compliance page."""
    rows = [] if filters.errors else exemption_audit_monthly(filters)
    table = [(label, [row.as_api()[key] for row in rows]) for key, label in EXEMPTION_COLUMNS if key != "month"]
    return {"exemption_rows": rows, "exemption_table": exemption_table(rows, table) if rows else ""}


def _query(filters: QaFilters) -> str:
    """The filters as a query string, for the links that keep them (downloads, drill-downs)."""
    return urlencode(filters.as_params())


def _render_filtered(request: HttpRequest, template: str, filters: QaFilters, context: dict) -> HttpResponse:
    """The dashboard's and the compliance page's common tail: the filter form (its teams,
    handlers and what was typed) and a 400 naming the filter when one is wrong."""
    context = {
        "filters": filters,
        "errors": filters.errors,
        "query": _query(filters),
        # The filters' options as markup (markup.options_html): a force's few hundred handlers
        # as model instances in a template loop were most of these pages' CPU.
        "team_options": options_html(
            ((name, name) for name in Team.objects.values_list("name", flat=True)),
            filters.team.name if filters.team else None,
        ),
        "handler_options": options_html(
            (
                (username, f"{full_name or username} ({username})")
                for username, full_name in User.objects.filter(role__in=[Role.CALL_HANDLER, Role.SUPERVISOR])
                .order_by("username")
                .values_list("username", "full_name")
            ),
            filters.handler.username if filters.handler else None,
        ),
        "raw": {"from": request.GET.get("from", ""), "to": request.GET.get("to", "")},
        **_exemption_context(filters),
        **context,
    }
    return render(request, template, context, status=400 if filters.errors else 200)


@require_GET
@role_required("view_dashboards")
def dashboard(request: HttpRequest) -> HttpResponse:
    """Rule 11 as the force's published table reads: measures down, months across."""
    filters = _dashboard_filters(request)
    rows = [] if filters.errors else qa_monthly(filters)
    highlight_month = rows[-1].month if rows else None
    if request.GET.get("month"):
        with contextlib.suppress(ValueError):  # a bad month keeps the default
            highlight_month = month_parse(request.GET["month"])
    context = {
        "rows": rows,
        "qa_table": qa_monthly_table(rows, "Performance trends", drill=_query(filters)) if rows else "",
        "trend_svg": charts.trend(rows) if rows else "",
        "bars_svg": charts.bars(rows) if rows else "",
        "highlights": month_highlights(filters, month=highlight_month) if highlight_month and rows else None,
    }
    return _render_filtered(request, "qa/dashboard.html", filters, context)


@require_GET
@role_required("view_dashboards")
def compliance(request: HttpRequest) -> HttpResponse:
    """Compliance over every incident (qa.compliance), with the dashboard's filters."""
    filters = _dashboard_filters(request)
    rows = [] if filters.errors else compliance_monthly(filters)
    # Each exempt closure code by its name (a person reads names, not codes), in name order.
    names = rows[0].exempt_names if rows else {}
    codes = sorted({code for row in rows for code in row.exempt_by_code}, key=lambda code: names.get(code, code))
    labels = dict(COMPLIANCE_COLUMNS)
    # (label, cells, a breakdown line?): each exempt code's count right under the exempt share.
    table = []
    for key in PAGE_ORDER:
        table.append((labels[key], [row.as_api()[key] for row in rows], False))
        if key == "closed_exempt_pct":
            table.extend(
                (f"Exempt: {names.get(code, code)}", [row.exempt_by_code.get(code, 0) for row in rows], True)
                for code in codes
            )
    context = {
        "rows": rows,
        "compliance_table": compliance_table(rows, table) if rows else "",
    }
    # Rule 14, in its own block of the page (qa.victims_code).
    context.update(victims_code_context(filters))
    return _render_filtered(request, "qa/compliance.html", filters, context)


@require_GET
@role_required("view_dashboards")
def drilldown(request: HttpRequest) -> HttpResponse:
    """The reviews behind one figure of the dashboard."""
    filters = _dashboard_filters(request)
    try:
        month = month_parse(request.GET.get("month", ""))
    except ValueError as exc:
        raise Http404 from exc
    measure = request.GET.get("measure", "")
    if filters.errors or (measure and measure not in MEASURES):
        raise Http404
    outcome = "good" if request.GET.get("outcome") == "good" else "counted"
    reviews = list(drilldown_reviews(filters, month=month, measure=measure, outcome=outcome)[:500])
    return render(
        request,
        "qa/drilldown.html",
        {
            "filters": filters,
            "month": month,
            "measure": measure,
            "measure_label": MEASURE_LABELS.get(f"{measure}_pct", "Calls assessed"),
            "outcome": outcome,
            "reviews": reviews,
            "back": reverse("qa:dashboard") + "?" + urlencode(filters.as_params()),
        },
    )
