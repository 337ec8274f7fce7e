"""The assessment form pages: writing one (with autosave), submitting it, and revising a
returned version with the supervisor's feedback beside it. They submit through
casework.services and show the prevention text that came of it (victims), so they live in
casework; their URLs and templates are thrive's as before (casework/thrive_urls.py)."""

import copy
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Max, OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required
from casework.dispatch import dispatch_context, incident_dispatch_first
from casework.services import assessment_record, assessment_submit_keeping_draft
from casework.views_call_victim import victim_panel_context
from config.errors import Blocked
from config.pages import redirect_after_post
from config.params import whole_number
from incidents.selectors import get_incident_for_user
from thrive.forms import ResendChoice, answers_from_post, error_summary, form_layout, text_max_length
from thrive.models import Assessment, AssessmentReturn, AssessmentStatus
from thrive.prompts import get_answer, set_answer
from thrive.returns import late_return_for
from thrive.rules import StartingPoint, answers_clean, answers_for_new_version, text_requested
from thrive.selectors import assessment_read_record
from thrive.wording import prompt_set_current
from victims.selectors import texts_sent_before


def _form_context(
    request: HttpRequest,
    incident: Any,
    *,
    answers: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    posted: dict[str, Any] | None = None,
    start_from: Assessment | None = None,
    prefill_phone: str = "",
) -> dict[str, Any]:
    """The form's context. `posted` is what a refused submission sent (to show the "Send
    again" choice as it was); `start_from` is the version a new draft starts from when it
    is not the latest submitted one (a returned version being revised)."""
    # One read gives the author's draft and the last submitted version (at most two rows, however
    # many re-THRIVEs the incident has had), each with the newest version number.
    newest = Assessment.objects.filter(incident=OuterRef("incident")).order_by("-version").values("version")[:1]
    last_submitted = (
        Assessment.objects.filter(incident=incident, status=AssessmentStatus.SUBMITTED)
        .order_by("-version")
        .values("pk")[:1]
    )
    versions = list(
        Assessment.objects.filter(incident=incident)
        .filter(Q(status=AssessmentStatus.DRAFT, author=request.user) | Q(pk=Subquery(last_submitted)))
        .select_related("prompt_set")
        .annotate(newest=Subquery(newest))
    )
    draft = next((v for v in versions if v.status == AssessmentStatus.DRAFT), None)
    previous = next((v for v in versions if v.status == AssessmentStatus.SUBMITTED), None)
    start_from = start_from or previous
    current = prompt_set_current()
    prompt_set = draft.prompt_set if draft is not None else current
    starting: StartingPoint | None = None
    if start_from is not None:
        # A re-THRIVE starts from the last submitted version, matched prompt by prompt, so
        # new wording never blanks it; the text request is asked afresh (rule 12).
        starting = answers_for_new_version(
            previous_answers=start_from.answers,
            previous_sections=start_from.prompt_set.sections,
            sections=prompt_set.sections,
        )
    if answers is None and draft is not None:
        answers = draft.answers
    elif answers is None:
        answers = starting.answers if starting is not None else {}
        if answers and start_from is not None:
            # Another version's answers are shown (perhaps another handler's): a read.
            start_from.incident = incident
            assessment_read_record(user=request.user, assessment=start_from, request=request)
    if prefill_phone and not get_answer(answers, "prevention.phone"):
        # The linked victim's mobile stands in Prevention's number (issue 19), not typed twice;
        # it is saved with the draft's next save, and safe-to-text is still the handler's tick.
        answers = copy.deepcopy(answers)
        set_answer(answers, "prevention.phone", prefill_phone)
    # Which prompts are new or reworded since the version this one starts from: tagged in
    # the form and listed above it, so the handler looks at them rather than skim past.
    changes: dict[str, str] = {}
    if starting is not None and start_from is not None and start_from.prompt_set_id != prompt_set.pk:
        changes = dict.fromkeys(starting.new_fields, "new") | dict.fromkeys(starting.changed_fields, "changed")
    previous_texts = texts_sent_before(incident=incident) if previous is not None else []
    resend = ResendChoice.from_data(previous_texts, posted) if previous_texts else None
    layout = form_layout(prompt_set.sections, answers, errors, resend=resend, changes=changes)
    # The version this page writes: the draft's, or the next number. Posted back with the
    # form (and with every autosave) so that a second arrival of the same submission, or an
    # autosave that lands after the submission, is recognised.
    if draft is not None:
        form_version = draft.version
    elif versions:
        form_version = versions[0].newest + 1
    else:  # nothing submitted and no draft of this author's: perhaps another author's draft
        form_version = (incident.assessments.aggregate(top=Max("version"))["top"] or 0) + 1
    return {
        "incident": incident,
        "form_version": form_version,
        "draft": draft,
        "previous": previous,
        "start_from": start_from,
        "prompt_set": prompt_set,
        "current_prompt_set": current,
        "old_wording": prompt_set.pk != current.pk,
        "wording_changes": [
            {"anchor": row.prompt.html_id, "section": section.title, "label": row.prompt.label, "change": row.change}
            for section in layout
            for row in section.prompts
            if row.change
        ],
        "asks_for_texts": any(row.prompt.field == "prevention.send_link" for s in layout for row in s.prompts),
        "layout": layout,
        "errors": error_summary(layout) if errors else [],
        "max_length": text_max_length(),
    }


@require_GET
@role_required("work_incidents")
def assessment_form(request: HttpRequest, reference: str) -> HttpResponse:
    # The form shows the incident's category, not its people or its closure.
    incident = get_incident_for_user(request.user, reference, related=("category",))
    if not incident.is_open:
        messages.info(request, f"Incident {incident.reference} is closed: its assessment cannot change.")
        return redirect("incidents:incident-detail", reference=reference)
    panel = victim_panel_context(request, incident)
    context = _form_context(request, incident, prefill_phone=_panel_mobile(panel))
    context.update(panel)
    context.update(dispatch_context(incident))
    return render(request, "thrive/assessment_form.html", context)


def _panel_mobile(panel: dict[str, Any]) -> str:
    """The first linked victim's mobile, for Prevention's number while it is empty."""
    return next((v.mobile_for_text for v in panel["victims"] if v.mobile_for_text), "")


@require_POST
@role_required("work_incidents")
def assessment_autosave(request: HttpRequest, reference: str) -> HttpResponse:
    """The htmx autosave: keep the draft, whatever state it is in. Answers a fragment. The
    incident is read alone (no joins): the save locks and reads it again, and the fragment
    shows only the time; a handler's form autosaves every 15 s, so its cost is the peak's."""
    incident = get_incident_for_user(request.user, reference, related=())
    context: dict[str, Any] = {"incident": incident}
    try:
        draft = (
            Assessment.objects.filter(incident=incident, author=request.user, status=AssessmentStatus.DRAFT)
            .select_related("prompt_set")
            .first()
        )
        sections = (draft.prompt_set if draft else prompt_set_current()).sections
        # The version the page was writing: once it is submitted, an autosave that arrives
        # late (it raced the submission) is refused instead of starting a stray draft.
        saved = assessment_record(
            incident=incident,
            author=request.user,
            data=answers_from_post(sections, request.POST),
            submit=False,
            form_version=_posted_form_version(request),
        )
        context["saved_at"] = saved.updated_at
    except ValidationError as exc:
        context["save_errors"] = [m for messages_ in exc.message_dict.values() for m in messages_]
        return render(request, "thrive/assessment_form.html#save-status", context, status=422)
    except Blocked as exc:
        context["save_errors"] = [exc.message]
        if exc.code == "already_submitted":
            context["save_errors"].append("Your answers are in that version; open the form again to start a new one.")
        response = render(request, "thrive/assessment_form.html#save-status", context, status=409)
        # Shown in place of the save status (app.js swaps a 4xx that names its target), and
        # the browser's local copy of this out-of-date form is dropped, not saved again.
        response["HX-Retarget"] = "#save-status"
        return response
    if not request.htmx:
        # The "Save draft" button without JavaScript: back to the form, saved.
        messages.success(request, f"Draft saved at {timezone.localtime(saved.updated_at):%H:%M:%S}.")
        return redirect("thrive:assessment-form", reference=reference)
    return render(request, "thrive/assessment_form.html#save-status", context)


@require_POST
@role_required("work_incidents")
def assessment_submit(request: HttpRequest, reference: str) -> HttpResponse:
    incident = get_incident_for_user(request.user, reference)
    draft = (
        Assessment.objects.filter(incident=incident, author=request.user, status=AssessmentStatus.DRAFT)
        .select_related("prompt_set")
        .first()
    )
    sections = (draft.prompt_set if draft else prompt_set_current()).sections
    data = answers_from_post(sections, request.POST)
    try:
        submitted = assessment_submit_keeping_draft(
            incident=incident,
            author=request.user,
            data=data,
            form_version=_posted_form_version(request),
            request=request,
        )
    except ValidationError as exc:
        answers, _ = answers_clean(sections, data)
        context = _form_context(request, incident, answers=answers, errors=exc.message_dict, posted=data)
        context.update(victim_panel_context(request, incident))
        context.update(dispatch_context(incident))
        return render(request, "thrive/assessment_form.html", context, status=400)
    except Blocked as exc:
        if exc.code == "already_submitted":
            # The same form twice: the first submission stands; say so calmly.
            messages.success(request, exc.message)
        else:
            messages.error(request, exc.message)
        return redirect("incidents:incident-detail", reference=reference)
    if submitted.replayed:
        messages.success(request, f"Version {submitted.version} of the assessment is already submitted.")
        return redirect("incidents:incident-detail", reference=reference)
    messages.success(request, f"Assessment version {submitted.version} submitted for {incident.reference}.")
    _say_what_became_of_the_text(request, submitted)
    return redirect_after_post(request, reverse("incidents:incident-detail", kwargs={"reference": reference}))


@require_POST
@role_required("work_incidents")
def assessment_dispatch_first(request: HttpRequest, reference: str) -> HttpResponse:
    """Immediate first (casework.dispatch): the response goes, the assessment follows."""
    incident = get_incident_for_user(request.user, reference)
    try:
        incident = incident_dispatch_first(incident=incident, actor=request.user, request=request)
    except Blocked as exc:
        messages.error(request, exc.message)
    else:
        due = timezone.localtime(incident.rethrive_due_at)
        messages.success(request, f"Dispatch recorded. The assessment follows: due by {due:%H:%M}.")
    return redirect("thrive:assessment-form", reference=reference)


def _posted_form_version(request: HttpRequest) -> int | None:
    return whole_number(request.POST.get("form_version", ""), minimum=0)


def _say_what_became_of_the_text(request: HttpRequest, submitted: Assessment) -> None:
    """Rule 12 on the page: a text asked for but not made (the number already had one and
    no reason was given) is said plainly, not left for the handler to discover."""
    if text_requested(submitted.answers) and not submitted.texts.exists():
        messages.warning(
            request,
            "No text was sent: this number already had one for this incident. To send it again, revise the "
            'assessment, choose "Send again to the same number" and say why.',
        )


def _own_open_return(request: HttpRequest, pk: int) -> AssessmentReturn:
    return get_object_or_404(
        AssessmentReturn.objects.select_related(
            "assessment", "assessment__incident", "assessment__prompt_set", "returned_by"
        ),
        pk=pk,
        returned_to=request.user,
        resolved_at__isnull=True,
    )


def _revise_context(request: HttpRequest, returned: AssessmentReturn, **kwargs: Any) -> dict[str, Any]:
    incident = returned.assessment.incident
    # Prefilled from the returned version (as a re-THRIVE is from the last: rule 12's text
    # request asked afresh), unless a revision is already in progress.
    context = _form_context(request, incident, start_from=returned.assessment, **kwargs)
    context.update(
        {
            "returned": returned,
            "feedback_sections": set(returned.sections),
            "submit_url": reverse("thrive:returned-revise", kwargs={"pk": returned.pk}),
        }
    )
    return context


@require_GET
@role_required("work_incidents")
def revise_page(request: HttpRequest, pk: int) -> HttpResponse:
    returned = _own_open_return(request, pk)
    incident = returned.assessment.incident
    if not incident.is_open and late_return_for(incident, request.user) is None:
        messages.info(request, f"Incident {incident.reference} is closed.")
        return redirect("thrive:returned-to-me")
    # The form prefilled from the returned version's answers is a read, recorded where the
    # form is built (_form_context, above), once. The victim panel as on the form (issue 19).
    panel = victim_panel_context(request, incident)
    context = _revise_context(request, returned, prefill_phone=_panel_mobile(panel))
    context.update(panel)
    return render(request, "thrive/returns/revise.html", context)


@require_POST
@role_required("work_incidents")
def revise_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit the revision: the same service as every submission, which clears the return."""
    returned = _own_open_return(request, pk)
    incident = returned.assessment.incident
    context = _revise_context(request, returned)
    sections = context["prompt_set"].sections
    data = answers_from_post(sections, request.POST)
    try:
        submitted = assessment_submit_keeping_draft(
            incident=incident,
            author=request.user,
            data=data,
            form_version=_posted_form_version(request),
            request=request,
        )
    except ValidationError as exc:
        answers, _ = answers_clean(sections, data)
        context = _revise_context(request, returned, answers=answers, errors=exc.message_dict, posted=data)
        context.update(victim_panel_context(request, incident))
        return render(request, "thrive/returns/revise.html", context, status=400)
    except Blocked as exc:
        messages.error(request, exc.message)
        return redirect("thrive:returned-to-me")
    # A revision is a submission like any other: recorded as one (by the service), and told
    # plainly when the text it asked for was not made (the number already had one, no "send again").
    messages.success(
        request, f"Revised assessment (version {submitted.version}) submitted for {incident.reference}: return cleared."
    )
    _say_what_became_of_the_text(request, submitted)
    return redirect("incidents:incident-detail", reference=incident.reference)
