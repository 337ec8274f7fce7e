"""The assessment form: read a browser's POST into answers, and lay a prompt set out for the
page. Hand-written markup (thrive/form_html.py), not Django widgets: the form has dozens of
fields and is the page a call handler opens on every call."""

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import QueryDict

from thrive.prompts import CONDITIONS, Prompt, condition_holds, get_answer, iter_prompts, set_answer
from thrive.rules import is_resend_message

# The page's "Send again" choice (rule 12): not prompts of the wording, the same for every
# force, sent to the service as API.md's prevention.resend_reason.
RESEND_NAME = "prevention__resend"
RESEND_REASON_NAME = "prevention__resend_reason"
RESEND_ID = "f-prevention-resend"
RESEND_REASON_ID = "f-prevention-resend-reason"


def answers_from_post(sections: list[dict[str, Any]], post: QueryDict) -> dict[str, Any]:
    """The raw answers from the form; thrive.rules.answers_clean does the checking."""
    data: dict[str, Any] = {}
    asks_for_texts = False
    for prompt in iter_prompts(sections):
        if prompt.type == "guidance":
            continue
        raw = post.get(prompt.html_name)
        if prompt.type == "confirm":
            value: Any = raw == "true"
        else:
            value = raw
        set_answer(data, prompt.field, value)
        asks_for_texts = asks_for_texts or prompt.field == "prevention.send_link"
    if asks_for_texts and post.get(RESEND_NAME) == "true":
        # Only a ticked choice sends its reason: words left in the box after unticking
        # it are not a request to text again.
        set_answer(data, "prevention.resend", True)
        set_answer(data, "prevention.resend_reason", post.get(RESEND_REASON_NAME, ""))
    return data


@dataclass
class ResendChoice:
    """The "Send again" choice, shown in Prevention once this incident has had a text."""

    previous_texts: list[dict[str, Any]]
    checked: bool = False
    reason: str = ""
    errors: list[str] = field(default_factory=list)
    # Shown with the text request's other questions: when a text is to be sent.
    visible: bool = False

    @classmethod
    def from_data(cls, previous_texts: list[dict[str, Any]], data: dict[str, Any] | None) -> "ResendChoice":
        return cls(
            previous_texts=previous_texts,
            checked=get_answer(data or {}, "prevention.resend") is True,
            reason=get_answer(data or {}, "prevention.resend_reason") or "",
        )


@dataclass
class PromptRow:
    prompt: Prompt
    value: Any
    errors: list[str]
    visible: bool
    required_now: bool
    # "new" or "changed" when the wording moved on since the version this form started
    # from (thrive.rules.answers_for_new_version); the handler is told to look again.
    change: str = ""

    @property
    def show_when_label(self) -> str:
        return CONDITIONS[self.prompt.show_when][0]

    @property
    def value_str(self) -> str:
        if self.value is True:
            return "true"
        if self.value is False:
            return "false"
        return "" if self.value is None else str(self.value)


@dataclass
class SectionRow:
    key: str
    title: str
    guidance: str
    number: int
    prompts: list[PromptRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # The section holding the text request carries the "Send again" choice, when there is one.
    resend: ResendChoice | None = None

    @property
    def anchor(self) -> str:
        return f"section-{self.key.replace('_', '-')}"


def form_layout(
    sections: list[dict[str, Any]],
    answers: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    *,
    resend: ResendChoice | None = None,
    changes: dict[str, str] | None = None,
) -> list[SectionRow]:
    """Sections in order, each with its prompts, current answers and errors. An error keyed
    by a field (e.g. voice_of_child) is shown on the section that holds that field; an
    error about the reason to text again is shown at the "Send again" choice."""
    errors = dict(errors or {})
    changes = changes or {}
    if resend is not None and errors.get("prevention"):
        resend.errors = [m for m in errors["prevention"] if is_resend_message(m)]
        errors["prevention"] = [m for m in errors["prevention"] if not is_resend_message(m)]
    rows: list[SectionRow] = []
    by_key: dict[str, SectionRow] = {}
    for number, section in enumerate(sections, start=1):
        row = SectionRow(section["key"], section["title"], section.get("guidance", ""), number)
        rows.append(row)
        by_key[row.key] = row
    shown_errors: set[str] = set()
    for prompt in iter_prompts(sections):
        row = by_key[prompt.section]
        own = errors.get(prompt.error_key, []) if prompt.error_key not in shown_errors else []
        if own and prompt.type != "guidance":
            shown_errors.add(prompt.error_key)
            row.errors.extend(own)
        row.prompts.append(
            PromptRow(
                prompt=prompt,
                value=get_answer(answers, prompt.field) if prompt.field else None,
                errors=own if prompt.type != "guidance" else [],
                visible=condition_holds(prompt.show_when, answers),
                required_now=condition_holds(prompt.required, answers),
                change=changes.get(prompt.field, "") if prompt.field else "",
            )
        )
        if resend is not None and prompt.field == "prevention.send_link":
            resend.visible = condition_holds("send_link", answers)
            row.resend = resend
            row.errors.extend(resend.errors)
    return rows


def error_summary(layout: list[SectionRow]) -> list[dict[str, str]]:
    """The error summary's links: each message, naming its section, to the first field."""
    items = []
    for section in layout:
        for row in section.prompts:
            for message in row.errors:
                items.append({"anchor": row.prompt.html_id, "message": f"{section.title}: {message}"})
        if section.resend is not None:
            for message in section.resend.errors:
                items.append({"anchor": RESEND_REASON_ID, "message": f"{section.title}: {message}"})
    return items


def text_max_length() -> int:
    return settings.ASSESSMENT_TEXT_MAX_LENGTH
