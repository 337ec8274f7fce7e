"""The assessment form: read a browser's POST into answers, and lay a prompt set out for the
page. Hand-written markup (thrive/form_html.py), not Django widgets: the form has dozens of
fields and is the page a call handler opens on every call."""

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import QueryDict

from thrive.prompts import CONDITIONS, Prompt, condition_holds, get_answer, iter_prompts, set_answer


def answers_from_post(sections: list[dict[str, Any]], post: QueryDict) -> dict[str, Any]:
    """The raw answers from the form; thrive.rules.answers_clean does the checking."""
    data: dict[str, Any] = {}
    for prompt in iter_prompts(sections):
        if prompt.type == "guidance":
            continue
        raw = post.get(prompt.html_name)
        if prompt.type == "confirm":
            value: Any = raw == "true"
        else:
            value = raw
        set_answer(data, prompt.field, value)
    return data


@dataclass
class PromptRow:
    prompt: Prompt
    value: Any
    errors: list[str]
    visible: bool
    required_now: bool

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

    @property
    def anchor(self) -> str:
        return f"section-{self.key.replace('_', '-')}"


def form_layout(
    sections: list[dict[str, Any]], answers: dict[str, Any], errors: dict[str, list[str]] | None = None
) -> list[SectionRow]:
    """Sections in order, each with its prompts, current answers and errors. An error keyed
    by a field (e.g. voice_of_child) is shown on the section that holds that field."""
    errors = errors or {}
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
            )
        )
    return rows


def error_summary(layout: list[SectionRow]) -> list[dict[str, str]]:
    """The error summary's links: each message, naming its section, to the first field."""
    items = []
    for section in layout:
        for row in section.prompts:
            for message in row.errors:
                items.append({"anchor": row.prompt.html_id, "message": f"{section.title}: {message}"})
    return items


def text_max_length() -> int:
    return settings.ASSESSMENT_TEXT_MAX_LENGTH
