"""Rule 9: drafts of the wording. One service starts a draft for the editor's page and the
API alike (prompt_set_draft_start), with the one-draft rule; a draft changes until it is
published (thrive.wording.publishing)."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import QueryDict

from accounts.models import User
from accounts.roles import role_can
from config.errors import Blocked
from config.text import free_text_errors, free_text_problem
from thrive.models import PromptSet, PromptSetStatus
from thrive.prompt_schema import sections_problems
from thrive.prompts import CONDITIONS, PROMPT_TYPES
from thrive.wording.sets import current_family

NEW_PROMPT_TYPES = ("text", "boolean", "yes_no_unknown", "guidance")
SUMMARY_MAX = 5000
SUMMARY_LABEL = {"change_summary": "The change summary"}


def prompt_set_draft_start(
    *,
    actor: User,
    family: str | None = None,
    sections: Any = None,
    change_summary: str | None = None,
    resume: bool = True,
) -> PromptSet:
    """Start the family's next version as a draft: a copy of the current published wording,
    or, from the API, the `sections` and `change_summary` the client wrote whole.

    One draft at a time per family keeps version numbers in publication order and stops two
    trainers' drafts from overwriting each other at publication. When a draft is open the
    editor's page (`resume=True`) gets that draft to carry on with; a client that posted
    whole wording (`resume=False`) is refused with `draft_open` (409), naming the version to
    change or publish instead, so that its words are neither lost nor merged silently."""
    if not role_can(actor, "edit_prompts"):
        raise PermissionDenied
    errors: dict[str, list[str]] = sections_problems(sections) if sections is not None else {}
    summary = (change_summary or "").strip()
    if sections is not None and not summary:
        errors["change_summary"] = ["Summarise the change for staff"]
    elif len(summary) > SUMMARY_MAX:
        errors["change_summary"] = ["The change summary must be 5,000 characters or fewer"]
    for field, messages in free_text_errors(change_summary=summary, labels=SUMMARY_LABEL).items():
        errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)
    family = family or current_family()
    if free_text_problem(family):
        # PostgreSQL could not even look such a name up: no family has it.
        raise Blocked("no_prompt_set", "There is no wording family of that name.")
    with transaction.atomic():
        # The family's newest row, locked: two starts at once take turns, so the second sees
        # the first's draft.
        top = PromptSet.objects.filter(family=family).order_by("-version").select_for_update().first()
        draft = PromptSet.objects.filter(family=family, status=PromptSetStatus.DRAFT).order_by("-version").first()
        if draft is not None:
            if resume:
                return draft
            raise Blocked(
                "draft_open",
                f"Version {draft.version} of {family!r} is an open draft: change it or publish it "
                "before starting another.",
            )
        if sections is None:
            base = (
                PromptSet.objects.filter(family=family, status=PromptSetStatus.PUBLISHED).order_by("-version").first()
            )
            if base is None:
                raise Blocked("no_prompt_set", f"No published prompt set for {family!r} to start from.")
            name, sections = base.name, base.sections
        else:
            name = top.name if top else family
        return PromptSet.objects.create(
            family=family,
            name=name,
            version=(top.version if top else 0) + 1,
            status=PromptSetStatus.DRAFT,
            sections=sections,
            change_summary=summary,
            created_by=actor,
        )


def prompt_set_update_draft(
    *, prompt_set: PromptSet, actor: User, sections: Any = None, change_summary: str | None = None
) -> PromptSet:
    """Change a draft's wording or summary. A published version never changes (409)."""
    if not role_can(actor, "edit_prompts"):
        raise PermissionDenied
    errors: dict[str, list[str]] = sections_problems(sections) if sections is not None else {}
    if change_summary is not None and len(change_summary) > SUMMARY_MAX:
        errors["change_summary"] = ["The change summary must be 5,000 characters or fewer"]
    if change_summary is not None:
        for field, messages in free_text_errors(change_summary=change_summary, labels=SUMMARY_LABEL).items():
            errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = PromptSet.objects.select_for_update().get(pk=prompt_set.pk)
        if locked.status != PromptSetStatus.DRAFT:
            raise Blocked("already_published", f"Version {locked.version} is published and cannot change.")
        if sections is not None:
            locked.sections = sections
        if change_summary is not None:
            locked.change_summary = change_summary.strip()
        locked.save(update_fields=["sections", "change_summary"])
    return locked


def sections_from_post(base: list[dict[str, Any]], post: QueryDict) -> list[dict[str, Any]]:
    """The structured editor's form read back into sections: each section's title and
    guidance, each question's wording and conditions (or its removal), and at most one new
    question per section. Keys, fields and types of existing questions are not editable
    here: answers already written are read by them."""
    sections: list[dict[str, Any]] = []
    for i, section in enumerate(base):
        prefix = f"s-{i}-"
        prompts = []
        for j, prompt in enumerate(section.get("prompts", [])):
            p = f"{prefix}p-{j}-"
            if post.get(p + "remove") == "true":
                continue
            changed = dict(prompt)
            for attr in ("label", "hint", "error"):
                if p + attr in post:
                    changed[attr] = post.get(p + attr, "").strip()
            for attr in ("required", "show_when"):
                if post.get(p + attr):
                    changed[attr] = post.get(p + attr)
            prompts.append(changed)
        new = f"{prefix}new-"
        if (post.get(new + "label") or "").strip():
            added: dict[str, Any] = {
                "type": post.get(new + "type") or "text",
                "label": post.get(new + "label", "").strip(),
                "hint": post.get(new + "hint", "").strip(),
                "required": post.get(new + "required") or "optional",
                "show_when": post.get(new + "show_when") or "always",
                "error": post.get(new + "error", "").strip(),
            }
            if added["type"] != "guidance":
                added["field"] = post.get(new + "field", "").strip()
            prompts.append(added)
        sections.append(
            {
                **section,
                "title": post.get(prefix + "title", section.get("title", "")).strip(),
                "guidance": post.get(prefix + "guidance", section.get("guidance", "")).strip(),
                "prompts": prompts,
            }
        )
    return sections


def editor_choices() -> dict[str, Any]:
    return {
        "conditions": [(name, label) for name, (label, _) in CONDITIONS.items()],
        "new_types": [(name, PROMPT_TYPES[name]) for name in NEW_PROMPT_TYPES],
    }
