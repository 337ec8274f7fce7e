"""Pages for rule 9: the trainer's wording editor (draft, preview, diff, publish), the
staff's "what changed" page and acknowledgement, and who is trained / not yet."""

import re
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import role_required
from accounts.models import Team
from config.errors import Blocked
from config.params import whole_number
from emails.services import email_counts
from thrive.forms import form_layout
from thrive.models import PromptSet, PromptSetStatus
from thrive.prompts import CONDITIONS
from thrive.wording import (
    current_family,
    current_published,
    editor_choices,
    family_versions,
    previous_published,
    prompt_set_diff,
    prompt_set_draft_start,
    prompt_set_publish,
    prompt_set_update_draft,
    published_versions,
    sections_from_post,
    trained_by_team,
    wording_acknowledge,
    wording_remind,
)


def _draft(pk: int) -> PromptSet:
    return get_object_or_404(PromptSet, pk=pk)


@require_GET
@role_required("edit_prompts")
def wording_home(request: HttpRequest) -> HttpResponse:
    family = current_family()
    context = {
        "family": family,
        "current": current_published(family),
        "drafts": PromptSet.objects.filter(status=PromptSetStatus.DRAFT).order_by("family", "-version"),
        "published": PromptSet.objects.filter(status=PromptSetStatus.PUBLISHED).order_by("family", "-version"),
        "families": family_versions(),
    }
    return render(request, "thrive/wording/home.html", context)


@require_POST
@role_required("edit_prompts")
def draft_start(request: HttpRequest) -> HttpResponse:
    try:
        draft = prompt_set_draft_start(actor=request.user, family=request.POST.get("family") or None)
    except Blocked as exc:
        messages.error(request, exc.message)
        return redirect("thrive:wording-home")
    return redirect("thrive:wording-draft", pk=draft.pk)


_PATH = re.compile(r"^sections\[(\d+)\](?:\.prompts\[(\d+)\](?:\.(\w+))?|\.(\w+))?$")
# The editor's inputs for a prompt's attributes; any other attribute (choices, type, field)
# is not editable here, so its error points at the question's wording.
_PROMPT_INPUTS = {"label", "hint", "error", "required", "show_when"}


def _editor_errors(message_dict: dict[str, list[str]]) -> tuple[list[dict[str, str]], dict[str, list[str]]]:
    """The error summary's links, and each message keyed by the editor's input id: a
    problem at sections[2].prompts[1].label links to, and shows beside, s-2-p-1-label."""
    summary, by_input = [], {}
    for path, messages_ in message_dict.items():
        match = _PATH.match(path)
        if path == "change_summary":
            anchor = "change-summary"
        elif match and match.group(2) is not None:
            attr = match.group(3) if match.group(3) in _PROMPT_INPUTS else "label"
            anchor = f"s-{match.group(1)}-p-{match.group(2)}-{attr}"
        elif match and match.group(4) in {"title", "guidance"}:
            anchor = f"s-{match.group(1)}-{match.group(4)}"
        elif match and match.group(1) is not None:
            anchor = f"s-{match.group(1)}-title"
        else:
            anchor = "sections-error"
        for message in messages_:
            summary.append({"anchor": anchor, "message": message})
            by_input.setdefault(anchor, []).append(message)
    return summary, by_input


def _editor_context(
    prompt_set: PromptSet,
    sections: list[dict[str, Any]],
    *,
    input_errors: dict[str, list[str]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    input_errors = input_errors or {}
    # Each section and prompt with the errors that belong beside its inputs; a prompt with
    # an error is shown open.
    rows = [
        {
            "section": section,
            "errors": {k: v for k, v in input_errors.items() if k in {f"s-{i}-title", f"s-{i}-guidance"}},
            "prompts": [
                {
                    "p": prompt,
                    "errors": {
                        attr: input_errors[f"s-{i}-p-{j}-{attr}"]
                        for attr in _PROMPT_INPUTS
                        if f"s-{i}-p-{j}-{attr}" in input_errors
                    },
                }
                for j, prompt in enumerate(section.get("prompts", []) if isinstance(section, dict) else [])
            ],
        }
        for i, section in enumerate(sections)
    ]
    return {
        "prompt_set": prompt_set,
        "sections": sections,
        "rows": rows,
        "general_errors": input_errors.get("sections-error", []),
        "condition_labels": {name: label for name, (label, _) in CONDITIONS.items()},
        **editor_choices(),
        **extra,
    }


@require_http_methods(["GET", "POST"])
@role_required("edit_prompts")
def draft_edit(request: HttpRequest, pk: int) -> HttpResponse:
    prompt_set = _draft(pk)
    if prompt_set.status != PromptSetStatus.DRAFT:
        if request.method == "POST":
            messages.error(request, f"Version {prompt_set.version} is published and cannot change.")
            return redirect("thrive:wording-home")
        return redirect("thrive:wording-changes", pk=pk)
    if request.method == "GET":
        return render(request, "thrive/wording/edit.html", _editor_context(prompt_set, prompt_set.sections))
    sections = sections_from_post(prompt_set.sections, request.POST)
    try:
        prompt_set_update_draft(
            prompt_set=prompt_set,
            actor=request.user,
            sections=sections,
            change_summary=request.POST.get("change_summary", prompt_set.change_summary),
        )
    except ValidationError as exc:
        errors, input_errors = _editor_errors(exc.message_dict)
        context = _editor_context(prompt_set, sections, errors=errors, input_errors=input_errors)
        return render(request, "thrive/wording/edit.html", context, status=400)
    except Blocked as exc:
        messages.error(request, exc.message)
        return redirect("thrive:wording-home")
    messages.success(request, f"Draft version {prompt_set.version} saved.")
    if request.POST.get("then") == "preview":
        return redirect("thrive:wording-preview", pk=pk)
    return redirect("thrive:wording-draft", pk=pk)


@require_GET
@role_required("edit_prompts")
def draft_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The form exactly as a handler will see it: the same layout and prompt partial."""
    prompt_set = _draft(pk)
    layout = form_layout(prompt_set.sections, {})
    return render(request, "thrive/wording/preview.html", {"prompt_set": prompt_set, "layout": layout})


def _diff_context(prompt_set: PromptSet, **extra: Any) -> dict[str, Any]:
    base = current_published(prompt_set.family) if prompt_set.status == PromptSetStatus.DRAFT else None
    if prompt_set.status == PromptSetStatus.PUBLISHED:
        base = previous_published(prompt_set)
    diff = prompt_set_diff(base.sections if base else [], prompt_set.sections)
    return {"prompt_set": prompt_set, "base": base, "diff": diff, "any_change": any(s.changed for s in diff), **extra}


@require_GET
@role_required("edit_prompts")
def draft_diff(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "thrive/wording/diff.html", _diff_context(_draft(pk)))


@require_POST
@role_required("edit_prompts")
def draft_publish(request: HttpRequest, pk: int) -> HttpResponse:
    prompt_set = _draft(pk)
    summary = request.POST.get("change_summary", "")
    try:
        with transaction.atomic():
            prompt_set = prompt_set_update_draft(prompt_set=prompt_set, actor=request.user, change_summary=summary)
            published = prompt_set_publish(prompt_set=prompt_set, actor=request.user)
    except ValidationError as exc:
        # The change summary's error sits beside its box; a problem in the wording itself is
        # listed above the form, with the way back to the editor.
        summary_errors = exc.message_dict.get("change_summary", [])
        wording_errors = [m for key, ms in exc.message_dict.items() if key != "change_summary" for m in ms]
        errors = [{"anchor": "change-summary", "message": m} for m in summary_errors]
        errors += [{"anchor": "wording-errors", "message": m} for m in wording_errors]
        context = _diff_context(
            _draft(pk), errors=errors, summary_errors=summary_errors, wording_errors=wording_errors, summary=summary
        )
        return render(request, "thrive/wording/diff.html", context, status=400)
    except Blocked as exc:
        messages.error(request, exc.message)
        return redirect("thrive:wording-home")
    messages.success(
        request, f"{published.name} version {published.version} published. Staff are being emailed the change."
    )
    return redirect("thrive:wording-home")


@require_GET
@role_required("view_prompts")
def version_changes(request: HttpRequest, pk: int) -> HttpResponse:
    """What a published version changed, for every member of staff (the banner links here)."""
    prompt_set = get_object_or_404(PromptSet, pk=pk, status=PromptSetStatus.PUBLISHED)
    return render(request, "thrive/wording/changes.html", _diff_context(prompt_set))


@require_POST
@role_required("view_prompts")
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    prompt_set = get_object_or_404(PromptSet, pk=pk, status=PromptSetStatus.PUBLISHED)
    wording_acknowledge(user=request.user, prompt_set=prompt_set)
    if request.htmx:
        return render(request, "thrive/wording/_acknowledged.html", {"prompt_set": prompt_set})
    messages.success(request, f"Thank you: you have acknowledged {prompt_set.name} version {prompt_set.version}.")
    return redirect("accounts:home")


@require_GET
@role_required("edit_prompts")
def trained(request: HttpRequest) -> HttpResponse:
    family = current_family()
    versions = list(published_versions(family))
    chosen = versions[0] if versions else None
    wanted = whole_number(request.GET.get("version"))
    if wanted is not None:
        chosen = next((v for v in versions if v.version == wanted), chosen)
    rows = trained_by_team(chosen) if chosen else []
    totals = {
        "trained": sum(len(r.trained) for r in rows),
        "not_yet": sum(len(r.not_yet) for r in rows),
        "acknowledged": sum(len(r.acknowledged) for r in rows),
    }
    emails = email_counts(topic=f"prompt_set:{chosen.pk}") if chosen else {}
    context = {"versions": versions, "chosen": chosen, "rows": rows, "totals": totals, "emails": emails}
    return render(request, "thrive/wording/trained.html", context)


@require_POST
@role_required("edit_prompts")
def remind(request: HttpRequest) -> HttpResponse:
    # Not a number is bad input (400 naming the field, like the team below); a number that
    # names no published version is "not found".
    prompt_set_id = whole_number(request.POST.get("prompt_set"))
    if prompt_set_id is None:
        return HttpResponseBadRequest("prompt_set: choose a published version of the wording.")
    prompt_set = get_object_or_404(PromptSet, pk=prompt_set_id, status=PromptSetStatus.PUBLISHED)
    team = None
    if request.POST.get("team"):
        team = whole_number(request.POST["team"])
        if team is None or not Team.objects.filter(pk=team).exists():
            return HttpResponseBadRequest("Choose a team from the list.")
    # Written to the outbox now and sent after commit: a broker outage delays, never loses.
    wording_remind(prompt_set_id=prompt_set.pk, team_id=team)
    messages.success(request, "Reminder emails are on their way to those who have not yet acknowledged.")
    return redirect(f"{request.path.rsplit('remind/', 1)[0]}?version={prompt_set.version}")
