"""The assessment rules: pure checks over loaded data, no writes.

- `answers_clean`: what a handler or a client sent, read against the prompt set (types,
  choices, lengths). Applies to drafts too: bad input is refused even before submitting.
- `incomplete_sections`: rule 2, the completeness of an assessment, by section.
- `text_requested`: rule 3, whether this assessment asks for a prevention-link text that
  may be sent (the handler confirmed the number is the victim's own and safe to use).
- `rethrive_due_at`, `rethrive_on_time`: rule 5, when the next assessment falls due, and
  whether one came in by then. Elapsed time, so both work in UTC.
"""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings

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
        allowed = [value for value, _ in prompt.choices]
        if raw not in allowed:
            return "", f"{prompt.label}: must be one of {', '.join(allowed)}"
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


def rethrive_interval(grading: str) -> timedelta:
    minutes = settings.RETHRIVE_MINUTES_BY_GRADING.get(grading, settings.RETHRIVE_DEFAULT_MINUTES)
    return timedelta(minutes=minutes)


def rethrive_due_at(*, grading: str, last_assessed_at: datetime) -> datetime:
    """Rule 5: the next assessment falls due this long after the last (or after opening).

    The only place the interval is added to a time. It is elapsed time, so the sum is taken
    in UTC: Python adds a timedelta to a Europe/London datetime on the wall clock, and across
    a clock change that is an hour out (01:30 BST + 3 h 30 min gives 05:00 GMT, which is
    4 h 30 min later). A client's time arrives with whatever offset it was sent in.
    """
    if last_assessed_at.utcoffset() is None:
        raise ValueError("rethrive_due_at needs an aware datetime")
    return last_assessed_at.astimezone(UTC) + rethrive_interval(grading)


def rethrive_on_time(*, submitted_at: datetime, due_at: datetime) -> bool:
    """Rule 5's compliance record: a re-THRIVE is on time when it came in by the due time.
    Compared in UTC: two datetimes in the same zone compare by their wall clocks."""
    return submitted_at.astimezone(UTC) <= due_at.astimezone(UTC)
