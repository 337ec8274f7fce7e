"""Pages for rule 9: the trainer's wording editor (draft, preview, diff, publish), the
staff's "what changed" page and acknowledgement, and who is trained / not yet."""

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
from thrive.forms import form_layout
from thrive.models import PromptSet, PromptSetStatus
from thrive.prompts import CONDITIONS
from thrive.services import prompt_set_publish
from thrive.wording import (
    current_family,
    current_published,
    editor_choices,
    family_versions,
    previous_published,
    prompt_set_diff,
    prompt_set_draft_start,
    prompt_set_update_draft,
    published_versions,
    sections_from_post,
    trained_by_team,
    wording_acknowledge,
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


def _editor_context(prompt_set: PromptSet, sections: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "prompt_set": prompt_set,
        "sections": sections,
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
        errors = [{"anchor": "sections-error", "message": m} for ms in exc.message_dict.values() for m in ms]
        context = _editor_context(prompt_set, sections, errors=errors)
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
        errors = [{"anchor": "change-summary", "message": m} for ms in exc.message_dict.values() for m in ms]
        context = _diff_context(_draft(pk), errors=errors, summary=summary)
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
        "acknowledged": sum(len(r.acknowledged) for r in rows),
        "not_yet": sum(len(r.not_yet) for r in rows),
    }
    context = {"versions": versions, "chosen": chosen, "rows": rows, "totals": totals}
    return render(request, "thrive/wording/trained.html", context)


@require_POST
@role_required("edit_prompts")
def remind(request: HttpRequest) -> HttpResponse:
    from thrive.tasks import wording_reminder_email

    prompt_set = get_object_or_404(
        PromptSet, pk=whole_number(request.POST.get("prompt_set")) or 0, status=PromptSetStatus.PUBLISHED
    )
    team = None
    if request.POST.get("team"):
        team = whole_number(request.POST["team"])
        if team is None or not Team.objects.filter(pk=team).exists():
            return HttpResponseBadRequest("Choose a team from the list.")
    transaction.on_commit(lambda: wording_reminder_email.delay(prompt_set.pk, team))
    messages.success(request, "Reminder emails are on their way to those who have not yet acknowledged.")
    return redirect(f"{request.path.rsplit('remind/', 1)[0]}?version={prompt_set.version}")
