"""QA pages for supervisors: dip samples (draw, list, open, withdraw). Writes go through qa.services."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required
from accounts.models import Team
from config.errors import Blocked
from config.params import whole_number
from config.text import free_text_problem
from markup import Template, literal
from qa.exemptions import DEFAULT_EXEMPT_PER_HANDLER
from qa.models import ExemptionCheck, Review, SampleItem
from qa.rules import local_month, month_add, month_parse
from qa.selectors import (
    get_sample_for_user,
    sample_list_for_user,
)
from qa.services import (
    DEFAULT_PER_HANDLER,
    sample_draw,
    sample_withdraw,
)
from qa.views.common import is_admin

# --- Dip samples -------------------------------------------------------------------------

# The samples table's rows, built in Python (issue 18): sixty rows of template tags, date and
# number filters and a reverse() each were most of the page's CPU. Every value is escaped.
SAMPLE_ROW = Template(
    '<tr class="govuk-table__row">\n'
    '    <td class="govuk-table__cell"><a class="govuk-link" href="{}">{:%B %Y}</a></td>\n'
    '    <td class="govuk-table__cell">{}</td>\n'
    '    <td class="govuk-table__cell govuk-table__cell--numeric">{}</td>\n'
    '    <td class="govuk-table__cell govuk-table__cell--numeric">{}</td>\n'
    '    <td class="govuk-table__cell">{} of {} graded</td>\n'
    '    <td class="govuk-table__cell">{}</td>\n'
    "  </tr>"
)
WITHDRAWN = literal('<strong class="govuk-tag govuk-tag--grey">Withdrawn</strong>')
COMPLETE = literal('<strong class="govuk-tag govuk-tag--green">Complete</strong>')
IN_PROGRESS = literal('<strong class="govuk-tag govuk-tag--blue">In progress</strong>')
_PK = 918273645  # stands for each sample's id in the one reverse() below


def _sample_rows_html(samples: list[Any]) -> SafeString:
    """Each sample (sample_list_for_user's, with `graded` and `total`): its month linking to
    it, whose work it samples, per handler, the seed, the progress and its state."""
    detail = reverse("qa:sample-detail", args=[_PK]).replace(str(_PK), "{}")
    return SAMPLE_ROW.render_each(
        (
            detail.format(s.pk),
            s.month,
            s.scope_label,
            s.per_handler,
            s.seed,
            s.graded,
            s.total,
            WITHDRAWN if s.withdrawn_at else COMPLETE if s.graded == s.total else IN_PROGRESS,
        )
        for s in samples
    )


def _sample_page(request: HttpRequest, *, form: dict[str, Any], errors: dict[str, list[str]], status: int = 200):
    return render(
        request,
        "qa/sample_list.html",
        {
            "sample_rows": _sample_rows_html(list(sample_list_for_user(request.user)[:60])),
            "form": form,
            "errors": errors,
            "teams": list(Team.objects.all()) if is_admin(request.user) else [],
            "default_month": f"{local_month(timezone.now()):%Y-%m}",
        },
        status=status,
    )


@require_GET
@role_required("qa_grade")
def sample_list(request: HttpRequest) -> HttpResponse:
    last_month = month_add(local_month(timezone.now()), -1)  # the usual job: grade last month
    form = {
        "month": f"{last_month:%Y-%m}",
        "per_handler": DEFAULT_PER_HANDLER,
        "exempt_per_handler": DEFAULT_EXEMPT_PER_HANDLER,
        "seed": "",
        "team": "",
    }
    return _sample_page(request, form=form, errors={})


@require_POST
@role_required("qa_grade")
def sample_create(request: HttpRequest) -> HttpResponse:
    form = {
        key: request.POST.get(key, "").strip() for key in ("month", "per_handler", "exempt_per_handler", "seed", "team")
    }
    errors: dict[str, list[str]] = {}
    month = per_handler = seed = team = None
    try:
        month = month_parse(form["month"])
    except ValueError as exc:
        errors["month"] = [str(exc)]
    per_handler = whole_number(form["per_handler"] or str(DEFAULT_PER_HANDLER), minimum=0)
    if per_handler is None:
        errors["per_handler"] = ["Enter a whole number, for example 3"]
    exempt_per_handler = whole_number(form["exempt_per_handler"] or str(DEFAULT_EXEMPT_PER_HANDLER), minimum=0)
    if exempt_per_handler is None:
        errors["exempt_per_handler"] = ["Enter a whole number, for example 1"]
    if form["seed"]:
        seed = whole_number(form["seed"], minimum=0)
        if seed is None:
            errors["seed"] = ["Enter the seed as a whole number, or leave it empty for a random one"]
    form["overseers"] = is_admin(request.user) and request.POST.get("overseers") == "true"
    if form["team"] and is_admin(request.user) and not form["overseers"]:
        # A name PostgreSQL cannot even compare (a NUL) names no team either.
        team = None if free_text_problem(form["team"]) else Team.objects.filter(name=form["team"]).first()
        if team is None:
            errors["team"] = ["Choose a team from the list"]
    if not errors:
        try:
            sample = sample_draw(
                actor=request.user,
                month=month,
                per_handler=per_handler,
                seed=seed,
                team=team,
                exempt_per_handler=exempt_per_handler,
                overseers=form["overseers"],
            )
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
    if not is_admin(request.user):
        items = items.filter(team_id=request.user.team_id)
    items = list(
        items.prefetch_related(Prefetch("reviews", queryset=Review.objects.filter(current=True), to_attr="now"))
    )
    graded = sum(1 for item in items if item.now)
    checks = ExemptionCheck.objects.filter(sample=sample).select_related("incident__closure_code", "handler")
    if not is_admin(request.user):
        checks = checks.filter(team_id=request.user.team_id)
    checks = list(checks)
    return render(
        request,
        "qa/sample_detail.html",
        {
            "sample": sample,
            "items": items,
            "graded": graded,
            "total": len(items),
            "checks": checks,
            "audited": sum(1 for check in checks if check.reviewed_at),
        },
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
