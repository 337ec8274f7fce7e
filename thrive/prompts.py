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


def validate_sections(sections: Any) -> list[str]:
    """Problems with a prompt set's structure, for the trainer's editor and the API."""
    problems: list[str] = []
    if not isinstance(sections, list) or not sections:
        return ["sections must be a non-empty list"]
    seen_keys: set[str] = set()
    seen_fields: set[str] = set()
    for index, section in enumerate(sections, start=1):
        where = f"section {index}"
        if not isinstance(section, dict):
            problems.append(f"{where}: must be an object")
            continue
        key = section.get("key")
        if not isinstance(key, str) or not key.isidentifier():
            problems.append(f"{where}: key must be a name of letters, digits and underscores")
        elif key in seen_keys:
            problems.append(f"{where}: key {key!r} is used twice")
        else:
            seen_keys.add(key)
        if not isinstance(section.get("title"), str) or not section.get("title", "").strip():
            problems.append(f"{where}: title is required")
        if not isinstance(section.get("guidance", ""), str):
            problems.append(f"{where}: guidance must be text")
        prompts = section.get("prompts")
        if not isinstance(prompts, list):
            problems.append(f"{where}: prompts must be a list")
            continue
        for p_index, prompt in enumerate(prompts, start=1):
            p_where = f"{where}, prompt {p_index}"
            if not isinstance(prompt, dict):
                problems.append(f"{p_where}: must be an object")
                continue
            ptype = prompt.get("type")
            if ptype not in PROMPT_TYPES:
                problems.append(f"{p_where}: type must be one of {', '.join(PROMPT_TYPES)}")
                continue
            if not isinstance(prompt.get("label"), str) or not prompt.get("label", "").strip():
                problems.append(f"{p_where}: label is required")
            for attr in ("required", "show_when"):
                if prompt.get(attr, "always") not in CONDITIONS:
                    problems.append(f"{p_where}: {attr} must be one of {', '.join(CONDITIONS)}")
            if ptype == "guidance":
                continue
            field = prompt.get("field")
            if not isinstance(field, str) or not all(p.isidentifier() for p in field.split(".")):
                problems.append(f"{p_where}: field must be a name like 'threat' or 'prevention.advice'")
            elif field in seen_fields:
                problems.append(f"{p_where}: field {field!r} is used twice")
            else:
                seen_fields.add(field)
            if ptype == "choice" and not prompt.get("choices"):
                problems.append(f"{p_where}: a choice needs its choices")
    return problems
