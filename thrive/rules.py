"""The assessment rules: pure checks over loaded data, no writes.

- `answers_clean`: what a handler or a client sent, read against the prompt set (types,
  choices, lengths). Applies to drafts too: bad input is refused even before submitting.
- `incomplete_sections`: rule 2, the completeness of an assessment, by section.
- `text_requested`: rule 3, whether this assessment asks for a prevention-link text that
  may be sent (the handler confirmed the number is the victim's own and safe to use).
- `answers_for_new_version`: where a new version starts from (rule 12: the text request
  and the safe-to-text confirmation are never carried over), across wording changes.
- `resend_reason_clean`: the reason for a second text to the same number (rule 12).
- `submission_digest`: what makes two submissions "the same" (a repeat is not a new version).
"""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings

from config.choices import labels_listed
from config.phones import MOBILE_ERROR, normalise_uk_mobile
from config.text import free_text_problem, unstorable_removed
from thrive.prompts import Prompt, condition_holds, get_answer, iter_prompts, set_answer

TRUE_STRINGS = {"true", "yes", "on", "1"}
FALSE_STRINGS = {"false", "no", "off", "0"}


def _coerce(prompt: Prompt, raw: Any) -> tuple[Any, str | None]:
    """(value, error) for one answer. Empty answers become "" or None, never an error."""
    max_length = settings.ASSESSMENT_TEXT_MAX_LENGTH
    if prompt.type in {"text", "phone"}:
        if raw is None:
            return "", None
        if not isinstance(raw, str):
            return "", f"{prompt.label}: must be text"
        if len(raw) > max_length:
            return raw, f"{prompt.label}: must be {max_length:,} characters or fewer (it has {len(raw):,})"
        problem = free_text_problem(raw)
        if problem:
            # Refused (config/text.py); what goes back to the form must itself be showable.
            return unstorable_removed(raw), f"{prompt.label}: {problem}"
        if prompt.type == "phone" and raw.strip() and normalise_uk_mobile(raw) is None:
            return raw, f"{prompt.label}: {MOBILE_ERROR}"
        return raw, None
    if prompt.type in {"boolean", "confirm"}:
        if raw is None or raw == "":
            return None, None
        if isinstance(raw, bool):
            return raw, None
        if isinstance(raw, str) and raw.lower() in TRUE_STRINGS:
            return True, None
        if isinstance(raw, str) and raw.lower() in FALSE_STRINGS:
            return False, None
        return None, f"{prompt.label}: must be true or false"
    if prompt.type in {"choice", "yes_no_unknown"}:
        if raw is None or raw == "":
            return "", None
        if raw not in [value for value, _ in prompt.choices]:
            return "", f"{prompt.label}: choose {labels_listed(prompt.choices)}"
        return raw, None
    return None, None


def answers_clean(sections: list[dict[str, Any]], data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Read the answers the prompt set asks for out of `data`; drop everything else."""
    answers: dict[str, Any] = {}
    errors: dict[str, list[str]] = defaultdict(list)
    for prompt in iter_prompts(sections):
        if prompt.type == "guidance":
            continue
        group = prompt.field.split(".")[0]
        # A group (scene_preservation, prevention) sent as a string or a list is refused,
        # not silently dropped: the client would believe its answers were kept.
        if "." in prompt.field and data.get(group) is not None and not isinstance(data.get(group), dict):
            if not errors.get(group):
                errors[group].append(f"{group}: must be an object with its answers")
            set_answer(answers, prompt.field, None)
            continue
        value, error = _coerce(prompt, get_answer(data, prompt.field))
        if error:
            errors[prompt.error_key].append(error)
        set_answer(answers, prompt.field, value)
    return answers, dict(errors)


def _is_answered(prompt: Prompt, value: Any) -> bool:
    if prompt.type == "confirm":
        return value is True
    if prompt.type == "boolean":
        return isinstance(value, bool)
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None


def incomplete_sections(sections: list[dict[str, Any]], answers: dict[str, Any]) -> dict[str, list[str]]:
    """Rule 2. Every incomplete part of the assessment at once, keyed by the section (the
    first part of the answer's field, as API.md names them). Empty when complete."""
    errors: dict[str, list[str]] = defaultdict(list)
    for prompt in iter_prompts(sections):
        if prompt.type == "guidance":
            continue
        if not condition_holds(prompt.required, answers):
            continue
        if not _is_answered(prompt, get_answer(answers, prompt.field)):
            errors[prompt.error_key].append(prompt.error or f"Answer: {prompt.label}")
    return dict(errors)


def section_titles(sections: list[dict[str, Any]]) -> dict[str, str]:
    """Error key -> the title of the section holding it, for messages that name sections."""
    titles: dict[str, str] = {}
    for prompt in iter_prompts(sections):
        titles.setdefault(prompt.error_key, next(s["title"] for s in sections if s["key"] == prompt.section))
    return titles


def text_requested(answers: dict[str, Any]) -> bool:
    """Rule 3: a prevention text goes only when asked for, with the number confirmed as the
    victim's own and safe to use (with their agreement), and the number is a UK mobile."""
    return (
        get_answer(answers, "prevention.send_link") is True
        and get_answer(answers, "prevention.safe_to_text_confirmed") is True
        and normalise_uk_mobile(get_answer(answers, "prevention.phone") or "") is not None
    )


# Rule 12: asked afresh on every version, never carried over from the last one. The phone
# number is carried (it rarely changes); the decision to text and the confirmation that the
# number is safe to use today are the handler's, each time (a domestic-abuse victim's
# circumstances change between calls).
ASKED_AFRESH = ("prevention.send_link", "prevention.safe_to_text_confirmed")
RESEND_REASON_MAX = 500


def _prompt_wording(prompt: Prompt) -> tuple[Any, ...]:
    return (prompt.type, prompt.label, prompt.hint, prompt.choices)


@dataclass
class StartingPoint:
    """What a new version's form opens with, and what changed in the wording since."""

    answers: dict[str, Any]
    new_fields: list[str] = field(default_factory=list)
    changed_fields: list[str] = field(default_factory=list)
    # A prompt whose wording changed keeps its old answer only when its type did not change.
    dropped_fields: list[str] = field(default_factory=list)


def answers_for_new_version(
    *, previous_answers: dict[str, Any], previous_sections: list[dict[str, Any]], sections: list[dict[str, Any]]
) -> StartingPoint:
    """A re-THRIVE starts from the last submitted answers, matched by each prompt's field
    (its key), so that new wording never blanks the form. Prompts that are new in `sections`,
    or whose wording (label, hint, type, choices) changed, are listed for the handler to
    look at. The text request and the safe-to-text confirmation start unanswered (rule 12).
    """
    old = {p.field: p for p in iter_prompts(previous_sections) if p.type != "guidance"}
    carried: dict[str, Any] = {}
    point = StartingPoint(answers=carried)
    for prompt in iter_prompts(sections):
        if prompt.type == "guidance":
            continue
        before = old.get(prompt.field)
        if before is None:
            point.new_fields.append(prompt.field)
            continue
        if _prompt_wording(before) != _prompt_wording(prompt):
            point.changed_fields.append(prompt.field)
        if prompt.field in ASKED_AFRESH:
            continue
        if before.type != prompt.type:
            point.dropped_fields.append(prompt.field)
            continue
        value = get_answer(previous_answers, prompt.field)
        if value is None:
            continue
        checked, error = _coerce(prompt, value)
        if error:  # e.g. a choice the new wording no longer offers
            point.dropped_fields.append(prompt.field)
            continue
        set_answer(carried, prompt.field, checked)
    return point


RESEND_REASON_MISSING = "Say why the text should go again to a number that has already had one"


def resend_reason_clean(data: dict[str, Any], *, submitting: bool) -> tuple[str, dict[str, list[str]]]:
    """Rule 12: `prevention.resend_reason` as API.md sends it. A blank reason is no reason
    (the version is saved and no second text is made); anything but text, or too long, is
    refused, so a client never believes a reason was recorded when it was not. The page's
    "Send again" choice also sends `prevention.resend: true`: ticked, it needs the reason
    before the submission goes (a draft may wait for it)."""
    group = data.get("prevention")
    if not isinstance(group, dict):
        return "", {}
    raw = group.get("resend_reason")
    asked = group.get("resend") is True
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        return "", {"prevention": ["The reason for sending the text again must be text"]}
    if "\x00" in raw:
        return "", {"prevention": ["The reason for sending the text again must not contain null characters"]}
    reason = " ".join(raw.split())
    if len(reason) > RESEND_REASON_MAX:
        return "", {
            "prevention": [f"The reason for sending the text again must be {RESEND_REASON_MAX} characters or fewer"]
        }
    if asked and not reason and submitting:
        return "", {"prevention": [RESEND_REASON_MISSING]}
    return reason, {}


def is_resend_message(message: str) -> bool:
    """Is this error about the reason to text again (the page shows it at that choice)?"""
    return message == RESEND_REASON_MISSING or message.startswith("The reason for sending the text again")


def submission_digest(
    *, prompt_set_id: int, answers: dict[str, Any], resend_reason: str, submitted_at: datetime | None
) -> str:
    """A fingerprint of a submission as the author sent it: the same answers (after
    cleaning), the same resend reason and the same client time give the same digest."""
    payload = {
        "prompt_set": prompt_set_id,
        "answers": answers,
        "resend_reason": resend_reason,
        "submitted_at": submitted_at.isoformat() if submitted_at else None,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
