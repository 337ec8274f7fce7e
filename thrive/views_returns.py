"""Pages for rule 8: the supervisor's review queue and return form, the author's
"Returned to me" list. Revising a returned version submits an assessment:
casework/views_assessment.py."""

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required
from config.errors import Blocked
from incidents.models import Category
from incidents.selectors import log_entries
from markup import options_html
from thrive.forms import form_layout
from thrive.models import RISK_LEVELS, AssessmentReturn, ReturnReason
from thrive.queue_html import (
    OPEN_RETURN_FIELDS,
    QUEUE_FIELDS,
    by_handler_rows_html,
    open_return_rows_html,
    queue_rows_html,
)
from thrive.returns import (
    QueueFilters,
    assessment_mark_reviewed,
    assessment_return,
    can_review,
    returned_to_me,
    review_queue,
    team_open_returns,
    team_open_returns_by_handler,
)
from thrive.selectors import get_assessment_for_user

QUEUE_PAGE = 50


def _reviewer_required(request: HttpRequest) -> None:
    if not can_review(request.user):
        raise PermissionDenied


@require_GET
def review_queue_page(request: HttpRequest) -> HttpResponse:
    _reviewer_required(request)
    filters = QueueFilters.from_params(request.GET)
    # The rows as values() tuples and their markup built in Python (thrive/queue_html.py):
    # no model instances with their related instances per row, no template look-ups (issue 18).
    page = _queue_page(review_queue(request.user, filters).values_list(*QUEUE_FIELDS), request.GET.get("page"))
    rows = page.object_list
    context = {
        "page": page,
        "filters": filters,
        "queue_rows": queue_rows_html(rows) if rows else "",
        # The filters, kept by the pagination links.
        "querystring": "&".join(f"{k}={quote(v)}" for k, v in request.GET.items() if k != "page" and v),
    }
    if request.htmx:
        return render(request, "thrive/returns/queue.html#queue-results", context)
    team_members = request.user.team.members.filter(is_active=True).order_by("username")
    handlers = [(u, f or u) for u, f in team_members.values_list("username", "full_name")]
    open_by_handler = team_open_returns_by_handler(request.user)
    context |= {
        "handler_options": options_html(handlers, filters.handler),
        "category_options": options_html(
            Category.objects.filter(active=True).values_list("code", "name"), filters.category
        ),
        "risk_options": options_html(RISK_LEVELS.items(), filters.risk_level),
        "open_by_handler": by_handler_rows_html(open_by_handler) if open_by_handler else "",
        "open_returns": open_return_rows_html(
            team_open_returns(request.user).values_list(*OPEN_RETURN_FIELDS)[:QUEUE_PAGE]
        ),
    }
    return render(request, "thrive/returns/queue.html", context)


def _queue_page(queue: QuerySet, number: str | None) -> Page:
    """The page of the queue asked for, its rows read with the queue's length in one query (a
    window count beside each row, instead of Paginator's count and then the page). A page past
    the end (or none left on it) is the last page, as Paginator.get_page gives it."""
    try:
        wanted = int(number or 1)
    except ValueError:
        wanted = 1
    start = (wanted - 1) * QUEUE_PAGE
    rows = list(queue.annotate(total=Window(Count("pk")))[start : start + QUEUE_PAGE]) if wanted > 0 else []
    if not rows and wanted != 1:
        return Paginator(queue, QUEUE_PAGE).get_page(wanted)
    paginator = Paginator(queue, QUEUE_PAGE)
    paginator.count = rows[0][-1] if rows else 0  # Paginator's cached_property, known already
    return Page([row[:-1] for row in rows], wanted, paginator)


def _review_context(request: HttpRequest, pk: int, **extra: Any) -> dict[str, Any]:
    # The page shows the answers: someone else's draft is 404 and the read is audited.
    assessment = get_assessment_for_user(request.user, pk=pk, review=True, request=request)
    sections = assessment.prompt_set.sections
    # The latest log entries, the rest a link away on the log's own pages (issue 18).
    log = log_entries(assessment.incident)
    return {
        "assessment": assessment,
        "incident": assessment.incident,
        "layout": form_layout(sections, assessment.answers),
        "entries": log.entries,
        "older_than": log.older_than,
        "reasons": ReturnReason.choices,
        "section_choices": [(s["key"], s["title"]) for s in sections],
        "open_return": AssessmentReturn.objects.filter(assessment=assessment, resolved_at__isnull=True).first(),
        "posted": {"reason": "", "sections": [], "feedback": ""},
        **extra,
    }


@require_GET
def review_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One version beside its incident, with the return form."""
    return render(request, "thrive/returns/review.html", _review_context(request, pk))


@require_POST
def return_submit(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, pk=pk, review=True, read=False)
    posted = {
        "reason": request.POST.get("reason", ""),
        "sections": request.POST.getlist("sections"),
        "feedback": request.POST.get("feedback", ""),
    }
    try:
        assessment_return(assessment=assessment, actor=request.user, **posted)
    except ValidationError as exc:
        anchors = {"reason": "reason", "sections": "sections", "feedback": "feedback"}
        errors = [
            {"anchor": anchors.get(key, "reason"), "message": message}
            for key, messages_ in exc.message_dict.items()
            for message in messages_
        ]
        context = _review_context(request, pk, posted=posted, errors=errors, field_errors=exc.message_dict)
        return render(request, "thrive/returns/review.html", context, status=400)
    except Blocked as exc:
        messages.error(request, exc.message)
        return redirect("thrive:review-detail", pk=pk)
    messages.success(
        request,
        f"Version {assessment.version} of {assessment.incident.reference} returned to "
        f"{assessment.author.display_name}.",
    )
    return redirect("thrive:review-queue")


@require_POST
def mark_reviewed(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, pk=pk, review=True, read=False)
    try:
        assessment_mark_reviewed(assessment=assessment, actor=request.user)
    except Blocked as exc:
        messages.error(request, exc.message)
        return redirect("thrive:review-detail", pk=pk)
    messages.success(request, f"Version {assessment.version} of {assessment.incident.reference} marked as reviewed.")
    return redirect("thrive:review-queue")


@require_GET
@role_required("work_incidents")
def returned_to_me_page(request: HttpRequest) -> HttpResponse:
    returns = list(returned_to_me(request.user))
    return render(request, "thrive/returns/returned_to_me.html", {"returns": returns})
