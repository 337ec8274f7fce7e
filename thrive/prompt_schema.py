"""The one check a prompt set passes before it is saved or published.

A prompt set is data that every handler's form, autosave and API call is drawn from, so a
set that cannot be drawn stops every assessment in the force. `sections_validate` is the
only gate: the API (create and change a draft), the trainer's editor, the model's `clean`
(and so any admin form) and publishing all call it, and publishing calls it again inside
its transaction on the row it locked.

It works in three steps, each only when the one before found nothing, so that a trainer
reads the first real cause rather than its echoes:

1. the shape, as a JSON Schema (Draft 2020-12, checked by the jsonschema library): which
   attributes exist, their types, lengths and allowed values;
2. the rules a schema cannot say: unique section keys and answer fields, a field that is
   also another field's group, duplicate choice values, a question required while hidden;
3. a smoke test: the form is drawn from the set (thrive/form_html.py), an empty POST read
   back, and the answers checked, as a handler's first request would. Anything that fails
   there is a refusal too, so a bug the first two steps did not foresee still cannot reach
   handlers.

Every problem is reported under a path like `sections[9].prompts[0].choices` (what the API
answers with 400) and a message that names the section by number and title and the
question by number and wording.
"""

import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import QueryDict
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from thrive.form_html import prompt_html, section_html
from thrive.forms import answers_from_post, form_layout
from thrive.prompts import CONDITIONS, PROMPT_TYPES
from thrive.rules import answers_clean, incomplete_sections, section_titles

logger = logging.getLogger(__name__)

MAX_SECTIONS = 40
MAX_PROMPTS_PER_SECTION = 60
MAX_CHOICES = 40

# A NUL cannot be stored in PostgreSQL's jsonb; nothing else is refused in wording.
_NO_NUL = r"^[^\x00]*$"
# Something other than spaces.
_NOT_BLANK = r"\S"


def _text(max_length: int, *, required: bool = False) -> dict[str, Any]:
    rules: list[dict[str, Any]] = [{"pattern": _NO_NUL}]
    if required:
        rules.append({"pattern": _NOT_BLANK})
    return {"type": "string", "maxLength": max_length, "allOf": rules}


NAME_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
# One optional dot: a question's answer sits at the top level or in one named group
# (API.md's nested groups, e.g. prevention.phone).
FIELD_PATTERN = r"^[a-z][a-z0-9_]{0,39}(\.[a-z][a-z0-9_]{0,39})?$"
CHOICE_VALUE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "THRIVE-SP prompt set sections",
    "type": "array",
    "minItems": 1,
    "maxItems": MAX_SECTIONS,
    "items": {"$ref": "#/$defs/section"},
    "$defs": {
        "section": {
            "type": "object",
            "required": ["key", "title", "prompts"],
            "additionalProperties": False,
            "properties": {
                "key": {"type": "string", "pattern": NAME_PATTERN},
                "title": _text(200, required=True),
                "guidance": _text(5000),
                "prompts": {"type": "array", "maxItems": MAX_PROMPTS_PER_SECTION, "items": {"$ref": "#/$defs/prompt"}},
            },
        },
        "prompt": {
            "type": "object",
            "required": ["type", "label"],
            "additionalProperties": False,
            "properties": {
                "type": {"enum": list(PROMPT_TYPES)},
                "field": {"type": "string", "pattern": FIELD_PATTERN},
                "label": _text(500, required=True),
                "hint": _text(2000),
                "error": _text(500),
                "required": {"enum": list(CONDITIONS)},
                "show_when": {"enum": list(CONDITIONS)},
                "choices": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": MAX_CHOICES,
                    "items": {
                        "type": "array",
                        "minItems": 2,
                        "maxItems": 2,
                        "prefixItems": [
                            {"type": "string", "pattern": CHOICE_VALUE_PATTERN},
                            _text(200, required=True),
                        ],
                    },
                },
            },
            "allOf": [
                # A choice question lists its choices; no other type has any.
                {
                    "if": {"properties": {"type": {"const": "choice"}}},
                    "then": {"required": ["choices"]},
                    "else": {"not": {"required": ["choices"]}},
                },
                # Every question stores its answer under a field; a guidance note has none.
                {
                    "if": {"properties": {"type": {"const": "guidance"}}},
                    "then": {"not": {"required": ["field"]}},
                    "else": {"required": ["field"]},
                },
            ],
        },
    },
}
Draft202012Validator.check_schema(SCHEMA)
_VALIDATOR = Draft202012Validator(SCHEMA)

_TYPE_WORDS = {"string": "text", "array": "a list", "object": "an object", "integer": "a whole number"}
_PATTERN_WORDS = {
    "key": "must be a name of lower-case letters, digits and underscores, like 'scene_preservation'",
    "field": "must be a name like 'threat' or 'prevention.advice' (lower-case letters, digits, underscores)",
}

Problems = dict[str, list[str]]


def _path(parts: Iterable[Any]) -> str:
    """sections[3].prompts[0].choices: cut after the prompt's (or section's) attribute,
    which is the field a client edits; deeper detail goes in the message."""
    text = "sections"
    depth = 0
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}"
            depth += 1
            if part != "prompts" or depth > 1:
                break
    return text


def _quoted(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        return ""
    return ' "' + "".join(c for c in value.strip()[:60] if c.isprintable()) + '"'


def _where(sections: Any, parts: list[Any]) -> str:
    """'Section 3 "Harm", question 1 "What harm…"': where a trainer finds it on the page."""
    if not parts or not isinstance(sections, list) or not isinstance(parts[0], int):
        return "The prompt set"
    section = sections[parts[0]] if parts[0] < len(sections) else None
    title = section.get("title") if isinstance(section, dict) else None
    where = f"Section {parts[0] + 1}{_quoted(title)}"
    if len(parts) >= 3 and parts[1] == "prompts" and isinstance(parts[2], int):
        prompts = section.get("prompts") if isinstance(section, dict) else None
        prompt = prompts[parts[2]] if isinstance(prompts, list) and parts[2] < len(prompts) else None
        label = prompt.get("label") if isinstance(prompt, dict) else None
        where += f", question {parts[2] + 1}{_quoted(label)}"
    return where


def _attribute(parts: list[Any]) -> str:
    names = [p for p in parts if isinstance(p, str) and p != "prompts"]
    return names[0] if names else ""


# Attributes as the editor calls them, with the data's own name for API users.
_ATTRIBUTE_WORDS = {
    "label": "the wording (label)",
    "hint": "the hint",
    "error": "the message when it is missing (error)",
    "title": "the title",
    "guidance": "the guidance",
    "show_when": "when it is shown (show_when)",
    "required": "when it is required (required)",
}


def _describe(error: SchemaError) -> tuple[list[Any], str]:
    """A jsonschema error as (path parts, plain words)."""
    parts = list(error.absolute_path)
    name = _attribute(parts)
    attr = _ATTRIBUTE_WORDS.get(name, name)
    deeper = [p for p in parts if isinstance(p, int)]
    choice = f"choice {deeper[2] + 1}: " if name == "choices" and len(deeper) >= 3 else ""
    kind, value = error.validator, error.validator_value
    if kind == "required":
        # One error per missing property; its message names which ("'title' is a required property").
        named = re.match(r"^'([^']+)' is a required property", error.message)
        missing = named.group(1) if named else next((name for name in value if name not in error.instance), value[0])
        return [*parts, missing], f"{missing} is required"
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        known = ", ".join(error.schema.get("properties", {}))
        return [*parts, extra[0]], f"{', '.join(map(str, extra))}: not part of a prompt set (known: {known})"
    if kind == "not" and value == {"required": ["choices"]}:
        return [*parts, "choices"], "only a question of type 'choice' has choices"
    if kind == "not" and value == {"required": ["field"]}:
        return [*parts, "field"], "a guidance note stores no answer, so it has no field"
    if kind == "type":
        if name == "choices":
            return parts, f"{choice}choices must be a list of [value, label] pairs"
        if not attr:
            return parts, f"must be {_TYPE_WORDS.get(value, value)} (a section with key, title and prompts)"
        return parts, f"{choice}{attr} must be {_TYPE_WORDS.get(value, value)}"
    if kind == "enum":
        return parts, f"{attr} must be one of {', '.join(map(str, value))}"
    if kind == "pattern":
        if value == _NO_NUL:
            return parts, f"{choice}{attr} must not contain a null character"
        if value == _NOT_BLANK:
            return parts, f"{choice}{attr} is required" if not choice else f"{choice}its label is required"
        if name == "choices":
            return parts, f"{choice}the value must be lower-case letters, digits, '_' or '-'"
        return parts, _PATTERN_WORDS.get(name, f"{attr} is not in the expected form")
    if kind in {"minItems", "maxItems"} and name == "choices" and choice:
        return parts, f"{choice}must be a [value, label] pair"
    if kind == "minItems":
        return parts, f"{attr} must have at least {value}" if attr else "there must be at least one section"
    if kind == "maxItems":
        return parts, f"{attr} may have at most {value}" if attr else f"there may be at most {value} sections"
    if kind == "maxLength":
        return parts, f"{choice}{attr} must be {value:,} characters or fewer"
    return parts, f"{attr or 'sections'}: {error.message}"


def _add(problems: Problems, sections: Any, parts: list[Any], message: str) -> None:
    listed = problems.setdefault(_path(parts), [])
    text = f"{_where(sections, parts)}: {message}"
    if text not in listed:
        listed.append(text)


def _shape_problems(sections: Any) -> Problems:
    problems: Problems = {}
    if not isinstance(sections, list):
        return {"sections": ["The prompt set: sections must be a list of sections"]}
    for error in sorted(_VALIDATOR.iter_errors(sections), key=lambda e: [str(p) for p in e.absolute_path]):
        parts, message = _describe(error)
        _add(problems, sections, parts, message)
    return problems


def _rule_problems(sections: list[dict[str, Any]]) -> Problems:
    """What the schema cannot say, over a set whose shape is right."""
    problems: Problems = {}
    keys: dict[str, list[list[Any]]] = defaultdict(list)
    uses: dict[str, list[list[Any]]] = defaultdict(list)
    for i, section in enumerate(sections):
        keys[section["key"]].append([i, "key"])
        for j, prompt in enumerate(section["prompts"]):
            where = [i, "prompts", j]
            if prompt.get("field") is not None:
                uses[prompt["field"]].append([*where, "field"])
            values = [value for value, _ in prompt.get("choices", [])]
            twice = sorted({v for v in values if values.count(v) > 1})
            if twice:
                _add(problems, sections, [*where, "choices"], f"choice value {twice[0]!r} is listed twice")
            shown, required = prompt.get("show_when", "always"), prompt.get("required", "optional")
            if prompt["type"] != "guidance" and shown != "always" and required not in {"optional", shown}:
                _add(
                    problems,
                    sections,
                    [*where, "required"],
                    f"required '{CONDITIONS[required][0]}' but shown only '{CONDITIONS[shown][0]}': "
                    "a handler could be asked for an answer they cannot see",
                )
    # Each use of a repeated key or field is reported, so the trainer sees both places.
    for name, places, what in [*((k, p, "key") for k, p in keys.items()), *((f, p, "field") for f, p in uses.items())]:
        if len(places) > 1:
            for parts in places:
                others = "; ".join(_where(sections, other) for other in places if other is not parts)
                _add(problems, sections, parts, f"{what} {name!r} is used more than once (also: {others})")
    fields = {field: places[0][:3] for field, places in uses.items()}
    # An answer cannot be both a value and a group of values ("prevention" and
    # "prevention.advice"): one would overwrite the other in the stored answers.
    groups = defaultdict(list)
    for field, where in fields.items():
        if "." in field:
            groups[field.split(".")[0]].append(where)
    for field, where in fields.items():
        if field in groups:
            _add(
                problems,
                sections,
                [*where, "field"],
                f"field {field!r} is also the group of {len(groups[field])} other question(s), like '{field}.…'",
            )
    return problems


def _render_problems(sections: list[dict[str, Any]]) -> Problems:
    """Draw the form as a handler's first request would, and read an empty answer back."""
    try:
        layout = form_layout(sections, {})
        for section in layout:
            section_html(section, max_length=settings.ASSESSMENT_TEXT_MAX_LENGTH)
            for row in section.prompts:
                prompt_html(row, readonly=True)
        answers, _ = answers_clean(sections, answers_from_post(sections, QueryDict("")))
        incomplete_sections(sections, answers)
        section_titles(sections)
    except Exception as exc:  # a refusal whatever it is: the point is that handlers never meet it
        # A gap in steps 1 and 2: logged in full so that it can be closed there.
        logger.exception("A prompt set passed the schema but could not be drawn")
        return {
            "sections": [
                f"The prompt set: the form could not be drawn from this wording ({type(exc).__name__}). "
                "Nothing was saved; please report this with the wording you tried."
            ]
        }
    return {}


def sections_problems(sections: Any) -> Problems:
    """Every problem, keyed by its path; empty when the set is good to save and publish."""
    return _shape_problems(sections) or _rule_problems(sections) or _render_problems(sections)


def sections_validate(sections: Any) -> None:
    """Raise ValidationError({path: [message, ...]}) unless the set can be saved and drawn."""
    problems = sections_problems(sections)
    if problems:
        raise ValidationError(problems)
