"""QA pages: dip samples and grading (supervisors), the dashboard (supervisors, analysts),
and each handler's own feedback. Every write goes through qa.services."""

import contextlib
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import role_required
from accounts.models import Role, Team, User
from config.errors import Blocked
from config.params import whole_number
from qa import charts
from qa.compliance import COMPLIANCE_COLUMNS, compliance_monthly
from qa.models import Check, Dispute, DisputeOutcome, Grade, LearningTheme, Review, SampleItem
from qa.rules import COLUMNS, local_month, month_add, month_parse
from qa.selectors import (
    MEASURES,
    QaFilters,
    drilldown_reviews,
    feedback_for_handler,
    get_item_for_user,
    get_sample_for_user,
    month_highlights,
    qa_monthly,
    sample_list_for_user,
)
from qa.services import (
    DEFAULT_PER_HANDLER,
    dispute_raise,
    dispute_resolve,
    repeat_check_prefill,
    review_acknowledge,
    review_correct,
    review_record,
    sample_draw,
    sample_withdraw,
)
from thrive.forms import form_layout
from thrive.selectors import get_assessment_for_user

MEASURE_LABELS = dict(COLUMNS)


def _is_admin(user: Any) -> bool:
    return user.is_superuser or user.role == Role.ADMIN


# --- Dip samples -------------------------------------------------------------------------


def _sample_page(request: HttpRequest, *, form: dict[str, Any], errors: dict[str, list[str]], status: int = 200):
    return render(
        request,
        "qa/sample_list.html",
        {
            "samples": list(sample_list_for_user(request.user)[:60]),
            "form": form,
            "errors": errors,
            "teams": list(Team.objects.all()) if _is_admin(request.user) else [],
            "default_month": f"{local_month(timezone.now()):%Y-%m}",
        },
        status=status,
    )


@require_GET
@role_required("qa_grade")
def sample_list(request: HttpRequest) -> HttpResponse:
    last_month = month_add(local_month(timezone.now()), -1)  # the usual job: grade last month
    form = {"month": f"{last_month:%Y-%m}", "per_handler": DEFAULT_PER_HANDLER, "seed": "", "team": ""}
    return _sample_page(request, form=form, errors={})


@require_POST
@role_required("qa_grade")
def sample_create(request: HttpRequest) -> HttpResponse:
    form = {key: request.POST.get(key, "").strip() for key in ("month", "per_handler", "seed", "team")}
    errors: dict[str, list[str]] = {}
    month = per_handler = seed = team = None
    try:
        month = month_parse(form["month"])
    except ValueError as exc:
        errors["month"] = [str(exc)]
    per_handler = whole_number(form["per_handler"] or str(DEFAULT_PER_HANDLER), minimum=0)
    if per_handler is None:
        errors["per_handler"] = ["Enter a whole number, for example 3"]
    if form["seed"]:
        seed = whole_number(form["seed"], minimum=0)
        if seed is None:
            errors["seed"] = ["Enter the seed as a whole number, or leave it empty for a random one"]
    if form["team"] and _is_admin(request.user):
        team = Team.objects.filter(name=form["team"]).first()
        if team is None:
            errors["team"] = ["Choose a team from the list"]
    if not errors:
        try:
            sample = sample_draw(actor=request.user, month=month, per_handler=per_handler, seed=seed, team=team)
        except ValidationError as exc:
            errors = exc.message_dict
        except Blocked as exc:
            errors = {"month": [exc.message]}
        else:
            messages.success(request, f"Dip sample for {sample.month:%B %Y} drawn (seed {sample.seed}).")
            return redirect("qa:sample-detail", sample_id=sample.pk)
    return _sample_page(request, form=form, errors=errors, status=400)


@require_GET
@role_required("qa_grade")
def sample_detail(request: HttpRequest, sample_id: int) -> HttpResponse:
    sample = get_sample_for_user(request.user, sample_id)
    items = SampleItem.objects.filter(sample=sample).select_related("incident", "handler", "team")
    if not _is_admin(request.user):
        items = items.filter(team_id=request.user.team_id)
    items = list(
        items.prefetch_related(Prefetch("reviews", queryset=Review.objects.filter(current=True), to_attr="now"))
    )
    graded = sum(1 for item in items if item.now)
    return render(
        request,
        "qa/sample_detail.html",
        {"sample": sample, "items": items, "graded": graded, "total": len(items)},
    )


@require_POST
@role_required("qa_grade")
def sample_withdraw_page(request: HttpRequest, sample_id: int) -> HttpResponse:
    sample = get_sample_for_user(request.user, sample_id)
    try:
        sample_withdraw(sample=sample, actor=request.user)
    except Blocked as exc:
        messages.error(request, exc.message)
        return redirect("qa:sample-detail", sample_id=sample.pk)
    messages.success(request, f"Dip sample for {sample.month:%B %Y} withdrawn: you can draw it again.")
    return redirect("qa:sample-list")


# --- Grading -----------------------------------------------------------------------------


def _review_data(post: Any) -> dict[str, Any]:
    themes = []
    for value in post.getlist("themes"):
        number = whole_number(value)
        themes.append(-1 if number is None else number)  # review_clean refuses -1 by name
    return {
        "vulnerability": post.get("vulnerability", ""),
        "prevention": post.get("prevention", ""),
        "preservation": post.get("preservation", ""),
        "repeat_victim_check": post.get("repeat_victim_check", ""),
        "feedback": post.get("feedback", ""),
        "good_practice": post.get("good_practice") == "true",
        "themes": themes,
    }


def _grading_context(
    request: HttpRequest, item: SampleItem, *, values: dict[str, Any], errors: dict[str, list[str]]
) -> dict[str, Any]:
    # The page shows the graded version's answers: read through the one helper, which
    # records the read (get_item_for_user has already checked the grader's team).
    assessment = get_assessment_for_user(request.user, pk=item.assessment_id, request=request)
    history = list(
        Review.objects.filter(item=item).select_related("reviewer").prefetch_related("themes").order_by("-version")
    )
    return {
        "item": item,
        "incident": item.incident,
        "assessment": assessment,
        "layout": form_layout(assessment.prompt_set.sections, assessment.answers),
        "current": next((r for r in history if r.current), None),
        "history": history,
        "values": values,
        "errors": errors,
        "grades": Grade.choices,
        "checks": Check.choices,
        "themes": list(LearningTheme.objects.filter(active=True)),
        "prefill_from_incident": values.get("_prefilled", False),
    }


@require_http_methods(["GET", "POST"])
@role_required("qa_grade")
def item_review(request: HttpRequest, item_id: int) -> HttpResponse:
    """The grading form beside the read-only assessment. Grading an already graded item is a
    correction: a new review version, with a reason, the old one kept."""
    item = get_item_for_user(request.user, item_id)
    current = Review.objects.filter(item=item, current=True).prefetch_related("themes").first()
    if request.method == "GET":
        if current is not None:
            values: dict[str, Any] = {
                **{f: getattr(current, f) for f in MEASURES},
                "feedback": current.feedback,
                "good_practice": current.good_practice,
                "themes": [t.pk for t in current.themes.all()],
            }
        else:
            prefill = repeat_check_prefill(item.incident)
            values = {"repeat_victim_check": prefill, "themes": [], "_prefilled": bool(prefill)}
        return render(request, "qa/item_review.html", _grading_context(request, item, values=values, errors={}))
    data = _review_data(request.POST)
    try:
        if current is None:
            review_record(item=item, reviewer=request.user, data=data)
        else:
            review_correct(
                review=current, reviewer=request.user, data=data, reason=request.POST.get("correction_reason", "")
            )
    except ValidationError as exc:
        values = {**data, "correction_reason": request.POST.get("correction_reason", "")}
        context = _grading_context(request, item, values=values, errors=exc.message_dict)
        return render(request, "qa/item_review.html", context, status=400)
    except Blocked as exc:
        messages.error(request, exc.message)
        return redirect("qa:item-review", item_id=item.pk)
    messages.success(request, f"Review of {item.incident.reference} saved.")
    return redirect("qa:sample-detail", sample_id=item.sample_id)


# --- Dashboard ---------------------------------------------------------------------------


def _dashboard_filters(request: HttpRequest) -> QaFilters:
    return QaFilters.from_params(request.GET, today=timezone.localdate())


@require_GET
@role_required("view_dashboards")
def dashboard(request: HttpRequest) -> HttpResponse:
    """Rule 11 as the force's published table reads: measures down, months across."""
    filters = _dashboard_filters(request)
    rows = [] if filters.errors else qa_monthly(filters)
    query = urlencode(filters.as_params())
    highlight_month = rows[-1].month if rows else None
    if request.GET.get("month"):
        with contextlib.suppress(ValueError):  # a bad month keeps the default
            highlight_month = month_parse(request.GET["month"])
    context = {
        "filters": filters,
        "errors": filters.errors,
        "rows": rows,
        "table": [(key, label, [(row, row.as_api()[key]) for row in rows]) for key, label in COLUMNS if key != "month"],
        "query": query,
        "teams": list(Team.objects.all()),
        "handlers": list(User.objects.filter(role__in=[Role.CALL_HANDLER, Role.SUPERVISOR]).order_by("username")),
        "trend_svg": charts.trend(rows) if rows else "",
        "bars_svg": charts.bars(rows) if rows else "",
        "highlights": month_highlights(filters, month=highlight_month) if highlight_month and rows else None,
        "raw": {"from": request.GET.get("from", ""), "to": request.GET.get("to", "")},
    }
    return render(request, "qa/dashboard.html", context, status=400 if filters.errors else 200)


@require_GET
@role_required("view_dashboards")
def compliance(request: HttpRequest) -> HttpResponse:
    """Compliance over every incident (qa.compliance), with the dashboard's filters."""
    filters = _dashboard_filters(request)
    rows = [] if filters.errors else compliance_monthly(filters)
    codes = sorted({code for row in rows for code in row.exempt_by_code})
    context = {
        "filters": filters,
        "errors": filters.errors,
        "rows": rows,
        "table": [(label, [row.as_api()[key] for row in rows]) for key, label in COMPLIANCE_COLUMNS if key != "month"],
        "exempt_rows": [(code, [row.exempt_by_code.get(code, 0) for row in rows]) for code in codes],
        "query": urlencode(filters.as_params()),
        "teams": list(Team.objects.all()),
        "handlers": list(User.objects.filter(role__in=[Role.CALL_HANDLER, Role.SUPERVISOR]).order_by("username")),
        "raw": {"from": request.GET.get("from", ""), "to": request.GET.get("to", "")},
    }
    return render(request, "qa/compliance.html", context, status=400 if filters.errors else 200)


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


# --- Feedback to handlers ----------------------------------------------------------------


@require_GET
@role_required("qa_feedback")
def feedback_list(request: HttpRequest) -> HttpResponse:
    return render(request, "qa/feedback_list.html", {"reviews": list(feedback_for_handler(request.user)[:100])})


def _own_review(request: HttpRequest, review_id: int) -> Review:
    # A handler sees only their own reviews: anyone else's is "not found".
    return get_object_or_404(Review.objects.select_related("item__incident"), pk=review_id, handler=request.user)


@require_POST
@role_required("qa_feedback")
def feedback_acknowledge(request: HttpRequest, review_id: int) -> HttpResponse:
    review = _own_review(request, review_id)
    try:
        review_acknowledge(review=review, actor=request.user)
    except Blocked as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Feedback on {review.item.incident.reference} acknowledged.")
    return redirect("qa:feedback-list")


@require_POST
@role_required("qa_feedback")
def feedback_dispute(request: HttpRequest, review_id: int) -> HttpResponse:
    review = _own_review(request, review_id)
    try:
        dispute_raise(review=review, actor=request.user, comment=request.POST.get("comment", ""))
    except ValidationError as exc:
        context = {
            "reviews": list(feedback_for_handler(request.user)[:100]),
            "dispute_errors": {review.pk: exc.message_dict.get("comment", [])},
        }
        return render(request, "qa/feedback_list.html", context, status=400)
    except Blocked as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Your dispute of the review of {review.item.incident.reference} has been sent.")
    return redirect("qa:feedback-list")


@require_GET
@role_required("qa_grade")
def dispute_list(request: HttpRequest) -> HttpResponse:
    disputes = Dispute.objects.select_related(
        "review__item__incident", "raised_by", "resolved_by", "review__team"
    ).prefetch_related("review__themes")
    if not _is_admin(request.user):
        disputes = disputes.filter(review__team_id=request.user.team_id)
    context = {
        "disputes": list(disputes.order_by("outcome", "-raised_at")[:100]),
        "grades": Grade.choices,
        "checks": Check.choices,
    }
    return render(request, "qa/dispute_list.html", context)


@require_POST
@role_required("qa_grade")
def dispute_uphold(request: HttpRequest, dispute_id: int) -> HttpResponse:
    """Upholding needs only an answer; changing the grade goes through the grading form."""
    dispute = get_object_or_404(Dispute.objects.select_related("review"), pk=dispute_id)
    try:
        dispute_resolve(
            dispute=dispute, actor=request.user, outcome=DisputeOutcome.UPHELD, response=request.POST.get("response")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    except Blocked as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Grade upheld; the handler can read your answer.")
    return redirect("qa:dispute-list")


@require_POST
@role_required("qa_grade")
def dispute_change(request: HttpRequest, dispute_id: int) -> HttpResponse:
    dispute = get_object_or_404(Dispute.objects.select_related("review__item"), pk=dispute_id)
    try:
        dispute_resolve(
            dispute=dispute,
            actor=request.user,
            outcome=DisputeOutcome.CHANGED,
            response=request.POST.get("response"),
            data=_review_data(request.POST),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()))
    except Blocked as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Grade changed; the corrected review counts from now on.")
    return redirect("qa:dispute-list")
