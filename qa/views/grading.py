"""QA pages for supervisors: grading one sampled assessment against the checklist."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.decorators import role_required
from config.errors import Blocked
from config.params import whole_number
from qa.models import Check, LearningTheme, Review, SampleItem
from qa.selectors import (
    GRADED_MEASURES,
    MEASURES,
    get_item_for_user,
    grade_scale,
)
from qa.services import (
    repeat_check_prefill,
    review_correct,
    review_record,
)
from thrive.forms import form_layout
from thrive.selectors import get_assessment_for_user

# --- Grading -----------------------------------------------------------------------------


def review_data(post: Any) -> dict[str, Any]:
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
        Review.objects.filter(item=item)
        .select_related("reviewer", "vulnerability", "prevention", "preservation")
        .prefetch_related("themes")
        .order_by("-version")
    )
    current = next((r for r in history if r.current), None)
    held = [getattr(current, f"{f}_id") for f in GRADED_MEASURES] if current else []
    return {
        "item": item,
        "incident": item.incident,
        "assessment": assessment,
        "layout": form_layout(assessment.prompt_set.sections, assessment.answers),
        "current": current,
        "history": history,
        "values": values,
        "errors": errors,
        "grades": [(level.code, level.label) for level in grade_scale(include=held)],
        "own_work": item.handler_id == request.user.pk,
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
                **{f: getattr(current, f"{f}_id" if f in GRADED_MEASURES else f) for f in MEASURES},
                "feedback": current.feedback,
                "good_practice": current.good_practice,
                "themes": [t.pk for t in current.themes.all()],
            }
        else:
            prefill = repeat_check_prefill(item.incident)
            values = {"repeat_victim_check": prefill, "themes": [], "_prefilled": bool(prefill)}
        return render(request, "qa/item_review.html", _grading_context(request, item, values=values, errors={}))
    data = review_data(request.POST)
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
        if exc.code == "own_work":  # a form error: the page says why and nothing is saved
            values = {**data, "correction_reason": request.POST.get("correction_reason", "")}
            context = _grading_context(request, item, values=values, errors={"vulnerability": [exc.message]})
            return render(request, "qa/item_review.html", context, status=400)
        messages.error(request, exc.message)
        return redirect("qa:item-review", item_id=item.pk)
    messages.success(request, f"Review of {item.incident.reference} saved.")
    return redirect("qa:sample-detail", sample_id=item.sample_id)
