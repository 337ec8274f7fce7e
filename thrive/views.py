"""Reading one assessment version, and the prompt wording. The form that writes and submits
an assessment is in casework/views_assessment.py."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.decorators import role_required
from incidents.selectors import get_incident_for_user
from thrive.forms import form_layout
from thrive.selectors import DraftPrivate, get_assessment_for_user
from thrive.services import prompt_set_current


@require_GET
@role_required("work_incidents")
def assessment_version(request: HttpRequest, reference: str, version: int) -> HttpResponse:
    """One version read-only, with the wording it was answered against (rule 4)."""
    incident = get_incident_for_user(request.user, reference)
    try:
        assessment = get_assessment_for_user(request.user, incident=incident, version=version, request=request)
    except DraftPrivate as private:
        return render(request, "thrive/draft_private.html", {"incident": incident, "assessment": private.assessment})
    layout = form_layout(assessment.prompt_set.sections, assessment.answers)
    return render(
        request,
        "thrive/assessment_version.html",
        {"incident": incident, "assessment": assessment, "layout": layout, "now": timezone.now()},
    )


@require_GET
@role_required("view_prompts")
def prompt_set_current_page(request: HttpRequest) -> HttpResponse:
    prompt_set = prompt_set_current()
    layout = form_layout(prompt_set.sections, {})
    return render(request, "thrive/prompt_set.html", {"prompt_set": prompt_set, "layout": layout})
