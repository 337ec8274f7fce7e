"""QA pages: each handler's own feedback (acknowledge, dispute) and the supervisors' dispute queue."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required
from config.errors import Blocked
from config.pages import errors_list
from qa.exemptions import exemption_checks_for_handler
from qa.feedback_html import CardOptions, cards_html, exemption_cards_html
from qa.models import Check, Dispute, DisputeOutcome, Review
from qa.selectors import feedback_extras, feedback_for_handler, grade_scale
from qa.services import (
    dispute_raise,
    dispute_resolve,
    review_acknowledge,
)
from qa.views.common import is_admin
from qa.views.grading import review_data

# --- Feedback to handlers ----------------------------------------------------------------


# A page of feedback cards: a handler's reviews over the years have no end (issue 18).
FEEDBACK_PAGE = 20


@require_GET
@role_required("qa_feedback")
def feedback_list(request: HttpRequest) -> HttpResponse:
    return render(request, "qa/feedback_list.html", _feedback_context(request))


def _page_number(request: HttpRequest) -> int:
    try:
        return max(int(request.GET.get("page") or 1), 1)
    except ValueError:
        return 1


def _feedback_context(request: HttpRequest, refused: dict | None = None) -> dict:
    """The page of cards asked for, newest first (one more row read tells whether older
    ones follow), built in Python from values() rows (qa/feedback_html.py). `refused`: the
    card whose dispute was refused, its errors and what was typed."""
    number = _page_number(request)
    start = (number - 1) * FEEDBACK_PAGE
    rows = list(feedback_for_handler(request.user)[start : start + FEEDBACK_PAGE + 1])
    older = len(rows) > FEEDBACK_PAGE
    rows = rows[:FEEDBACK_PAGE]
    suffix = f"?page={number}" if number > 1 else ""
    options = CardOptions(
        acknowledge_url=reverse("qa:feedback-acknowledge", args=[0]) + suffix,
        dispute_url=reverse("qa:feedback-dispute", args=[0]) + suffix,
        csrf_token=get_token(request),
        **(refused or {}),
    )
    return {
        "cards": cards_html(rows, feedback_extras([row[0] for row in rows]), options) if rows else "",
        "page_number": number,
        "older_page": number + 1 if older else None,
        "newer_page": number - 1 if number > 1 else None,
        # The audits of the handler's exempt closures: on the first page, below the newest feedback.
        "exemption_cards": exemption_cards_html(exemption_checks_for_handler(request.user)) if number == 1 else "",
    }


def _back_to_list(request: HttpRequest) -> HttpResponse:
    """Back to the page of feedback the form was sent from."""
    number = _page_number(request)
    return redirect(reverse("qa:feedback-list") + (f"?page={number}" if number > 1 else ""))


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
    return _back_to_list(request)


@require_POST
@role_required("qa_feedback")
def feedback_dispute(request: HttpRequest, review_id: int) -> HttpResponse:
    review = _own_review(request, review_id)
    try:
        dispute_raise(review=review, actor=request.user, comment=request.POST.get("comment", ""))
    except ValidationError as exc:
        problems = exc.message_dict.get("comment", [])
        # The card whose dispute form failed: its error beside the box, the box kept open.
        refused = {
            "dispute_review": review.pk,
            "dispute_errors": problems,
            "dispute_comment": request.POST.get("comment", "")[:2000],
        }
        context = {
            **_feedback_context(request, refused),
            "errors": errors_list({"comment": problems}, {"comment": f"dispute-{review.pk}"}),
        }
        return render(request, "qa/feedback_list.html", context, status=400)
    except Blocked as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Your dispute of the review of {review.item.incident.reference} has been sent.")
    return _back_to_list(request)


@require_GET
@role_required("qa_grade")
def dispute_list(request: HttpRequest) -> HttpResponse:
    disputes = Dispute.objects.select_related(
        "review__item__incident",
        "raised_by",
        "resolved_by",
        "review__team",
        "review__vulnerability",
        "review__prevention",
        "review__preservation",
    ).prefetch_related("review__themes")
    if not is_admin(request.user):
        disputes = disputes.filter(review__team_id=request.user.team_id)
    context = {
        "disputes": list(disputes.order_by("outcome", "-raised_at")[:100]),
        "grades": [(level.code, level.label) for level in grade_scale()],
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
            data=review_data(request.POST),
        )
    except ValidationError as exc:
        # The messages name what is wrong in words; the field names are not for people.
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    except Blocked as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Grade changed; the corrected review counts from now on.")
    return redirect("qa:dispute-list")
