"""QA page for supervisors: the exemption audit of one drawn exempt closure (issue 15).
The finding is written by qa.exemptions.exemption_check_record, as the API writes it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.decorators import role_required
from config.errors import Blocked
from qa.exemptions import exemption_check_record
from qa.models import ExemptionCheck
from qa.selectors import may_grade_team


def _check_for_user(request: HttpRequest, check_id: int) -> ExemptionCheck:
    """A supervisor of the closure's team (or an administrator); anyone else: not found."""
    check = (
        ExemptionCheck.objects.select_related(
            "sample", "incident__closure_code", "incident__category", "handler", "reviewer"
        )
        .filter(pk=check_id)
        .first()
    )
    if check is None or not may_grade_team(request.user, check.team_id):
        raise Http404
    return check


@require_http_methods(["GET", "POST"])
@role_required("qa_grade")
def exemption_audit(request: HttpRequest, check_id: int) -> HttpResponse:
    check = _check_for_user(request, check_id)
    context = {"check": check, "incident": check.incident, "own_work": check.handler_id == request.user.pk}
    if request.method == "GET":
        return render(request, "qa/exemption_audit.html", {**context, "values": {}, "errors": {}})
    raw = request.POST.get("justified", "")
    justified = {"yes": True, "no": False}.get(raw)
    values = {"justified": raw, "feedback": request.POST.get("feedback", "")}
    try:
        exemption_check_record(check=check, reviewer=request.user, justified=justified, feedback=values["feedback"])
    except ValidationError as exc:
        errors = exc.message_dict
    except Blocked as exc:
        if exc.code != "own_work":
            messages.error(request, exc.message)
            return redirect("qa:exemption-audit", check_id=check.pk)
        errors = {"justified": [exc.message]}
    else:
        messages.success(request, f"Exemption audit of {check.incident.reference} recorded.")
        return redirect("qa:sample-detail", sample_id=check.sample_id)
    return render(request, "qa/exemption_audit.html", {**context, "values": values, "errors": errors}, status=400)
