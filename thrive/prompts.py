"""The shape of a prompt set, and reading answers against one.

A prompt set's `sections` is a list of sections in the order a handler works:

    {"key": "scene_preservation", "title": "Scene preservation",
     "guidance": "...",
     "prompts": [
        {"field": "scene_preservation.forensic_opportunities", "type": "yes_no_unknown",
         "label": "Are there forensic opportunities?", "hint": "...",
         "required": "always", "show_when": "always"},
        ...]}

`error` is the message when a required answer is missing ("Enter the threat").
`field` is where the answer lives in an assessment's answers (a dot for the nested groups
of API.md); its first part is the key an error is reported under. `required` and
`show_when` name a condition from CONDITIONS: trainers choose among them, and the code
knows what each means. Types are those in PROMPT_TYPES.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

PROMPT_TYPES = {
    "text": "Free text",
    "yes_no_unknown": "Yes / No / Not known",
    "boolean": "Yes or no",
    "confirm": "A confirmation that must be ticked",
    "choice": "One of a list",
    "phone": "A UK mobile number",
    "guidance": "Guidance shown in the form (no answer)",
}

PRESERVATION_QUESTIONS = (
    "scene_preservation.forensic_opportunities",
    "scene_preservation.evidence_retainable",
    "scene_preservation.csi_required",
)

YES_NO_UNKNOWN = (("yes", "Yes"), ("no", "No"), ("not_known", "Not known"))


def get_answer(answers: dict[str, Any], field: str) -> Any:
    value: Any = answers
    for part in field.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def set_answer(answers: dict[str, Any], field: str, value: Any) -> None:
    parts = field.split(".")
    node = answers
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def _children_involved(answers: dict[str, Any]) -> bool:
    return get_answer(answers, "children_involved") is True


def _any_preservation_yes(answers: dict[str, Any]) -> bool:
    return any(get_answer(answers, field) == "yes" for field in PRESERVATION_QUESTIONS)


def _send_link(answers: dict[str, Any]) -> bool:
    return get_answer(answers, "prevention.send_link") is True


def _no_link(answers: dict[str, Any]) -> bool:
    return get_answer(answers, "prevention.send_link") is False


# Each condition: (what trainers read in the editor, the test, the attribute the browser
# watches to show or hide the prompt without a round trip).
CONDITIONS: dict[str, tuple[str, Callable[[dict[str, Any]], bool]]] = {
    "always": ("Always", lambda answers: True),
    "optional": ("Never required", lambda answers: False),
    "children_involved": ("When children are involved", _children_involved),
    "any_preservation_yes": ("When any scene preservation answer is yes", _any_preservation_yes),
    "send_link": ("When a link text is to be sent", _send_link),
    "no_link": ("When no link text is sent", _no_link),
}


def condition_holds(name: str, answers: dict[str, Any]) -> bool:
    return CONDITIONS[name][1](answers)


@dataclass(frozen=True)
class Prompt:
    section: str
    field: str
    type: str
    label: str
    hint: str
    required: str
    show_when: str
    error: str
    choices: tuple[tuple[str, str], ...]

    @property
    def error_key(self) -> str:
        return self.field.split(".")[0]

    @property
    def html_name(self) -> str:
        return self.field.replace(".", "__")

    @property
    def html_id(self) -> str:
        return "f-" + self.field.replace(".", "-").replace("_", "-")


def iter_prompts(sections: list[dict[str, Any]]) -> Iterator[Prompt]:
    for section in sections:
        for raw in section.get("prompts", []):
            choices: tuple[tuple[str, str], ...]
            if raw["type"] == "yes_no_unknown":
                choices = YES_NO_UNKNOWN
            else:
                choices = tuple((str(v), str(label)) for v, label in raw.get("choices", []))
            yield Prompt(
                section=section["key"],
                field=raw.get("field", ""),
                type=raw["type"],
                label=raw.get("label", ""),
                hint=raw.get("hint", ""),
                required=raw.get("required", "optional"),
                show_when=raw.get("show_when", "always"),
                error=raw.get("error", ""),
                choices=choices,
            )
