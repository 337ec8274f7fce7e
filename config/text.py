"""The one rule for free text a person types (notes, summaries, feedback, answers, names).

Every service that stores free text asks `free_text_errors` (or a form or serializer uses
`validate_free_text`), so the page, the API and the admin refuse the same things with the same
message, naming the field:

- NUL (U+0000): PostgreSQL text cannot hold it.
- Text that was not valid UTF-8. A JSON body that is not UTF-8 is refused whole by the parser
  (config/parsers.py); a form body is decoded by Django with the bad bytes replaced by U+FFFD,
  and a JSON string can carry lone surrogates (`"\\ud800"`), which cannot be encoded at all.
  Either is refused here rather than stored as a garbled note.
- Bidirectional override and isolate controls (U+202A-U+202E, U+2066-U+2069): they make text
  display in a different order from the order it is stored and read aloud in, so a note or
  feedback could show a supervisor something other than what was written ("Trojan Source").
  No English or Welsh note needs them; right-to-left scripts display correctly without them.
- Other control characters (C0 but tab, line feed and carriage return; DEL; C1): nothing a
  person types, and a terminal escape or a bell in a note acts on whatever shows an export.
"""

import re

from django.core.exceptions import ValidationError

NUL = "\x00"
REPLACEMENT = "\ufffd"
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROLS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

NUL_MESSAGE = "must not contain null characters"
NOT_UTF8_MESSAGE = "contains characters that could not be read (it was not valid UTF-8): type it again"
BIDI_MESSAGE = (
    "must not contain bidirectional control characters (U+202A to U+202E, U+2066 to U+2069), "
    "which make text show in a different order from how it was written"
)
CONTROL_MESSAGE = "must not contain control characters (only letters, spaces, tabs and new lines)"


def free_text_problem(value: object) -> str | None:
    """What is wrong with `value` as free text, as the end of a sentence, or None."""
    if not isinstance(value, str):
        return None  # the caller's type check says "must be text"
    if NUL in value:
        return NUL_MESSAGE
    if REPLACEMENT in value or _SURROGATES.search(value):
        return NOT_UTF8_MESSAGE
    if _BIDI_CONTROLS.search(value):
        return BIDI_MESSAGE
    if _CONTROLS.search(value):
        return CONTROL_MESSAGE
    return None


def free_text_errors(labels: dict[str, str] | None = None, **fields: object) -> dict[str, list[str]]:
    """{field: [message]} for each free-text field given that breaks the rule; `labels` names
    a field for people ("Summary ..."), by default its name with the first letter capitalised."""
    errors: dict[str, list[str]] = {}
    for name, value in fields.items():
        problem = free_text_problem(value)
        if problem:
            label = (labels or {}).get(name) or name.replace("_", " ").capitalize()
            errors[name] = [f"{label} {problem}"]
    return errors


def validate_free_text(value: object) -> None:
    """The same rule as a Django or DRF validator."""
    problem = free_text_problem(value)
    if problem:
        raise ValidationError(f"This text {problem}.", code="free_text")


def unstorable_removed(value: str) -> str:
    """`value` without the characters no page or column can carry (NUL, lone surrogates), to
    show back in a form beside the error that refused it."""
    return _SURROGATES.sub("", value.replace(NUL, ""))


# What erased personal details are replaced with, wherever a copy of them was kept.
ERASED = "[erased]"
