"""Rule 9: the word-level diff between two versions of the wording, for the preview page and
the staff email."""

import difflib
from dataclasses import dataclass, field
from typing import Any

from thrive.prompts import CONDITIONS


@dataclass
class Segment:
    op: str  # "same", "removed" or "added"
    text: str


@dataclass
class DiffRow:
    what: str
    status: str  # "same", "changed", "added" or "removed"
    segments: list[Segment]


@dataclass
class SectionDiff:
    title: str
    status: str
    rows: list[DiffRow] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.status != "same" or any(row.status != "same" for row in self.rows)


def word_diff(old: str, new: str) -> list[Segment]:
    """Word by word, as a reader compares them: runs of unchanged, removed and added words."""
    a, b = (old or "").split(), (new or "").split()
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(Segment("same", " ".join(a[i1:i2])))
            continue
        if op in {"replace", "delete"}:
            segments.append(Segment("removed", " ".join(a[i1:i2])))
        if op in {"replace", "insert"}:
            segments.append(Segment("added", " ".join(b[j1:j2])))
    return segments


def _row(what: str, old: str, new: str) -> DiffRow:
    if old == new:
        return DiffRow(what, "same", [Segment("same", new)] if new else [])
    if not old:
        return DiffRow(what, "added", [Segment("added", new)])
    if not new:
        return DiffRow(what, "removed", [Segment("removed", old)])
    return DiffRow(what, "changed", word_diff(old, new))


def _prompt_key(prompt: dict[str, Any], index: int) -> str:
    return prompt.get("field") or f"guidance:{prompt.get('label', index)}"


def _prompt_rows(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[DiffRow]:
    old, new = old or {}, new or {}
    what = "Guidance note" if (new or old).get("type") == "guidance" else "Question"
    rows = [
        _row(what, old.get("label", ""), new.get("label", "")),
        _row("Hint", old.get("hint", ""), new.get("hint", "")),
        _row("Message when missing", old.get("error", ""), new.get("error", "")),
    ]
    conditions = (
        (("show_when", "Shown"),) if what == "Guidance note" else (("required", "Required"), ("show_when", "Shown"))
    )
    for attr, label in conditions:
        before = CONDITIONS.get(old.get(attr, ""), ("",))[0] if old else ""
        after = CONDITIONS.get(new.get(attr, ""), ("",))[0] if new else ""
        rows.append(_row(label, before, after))
    return [row for row in rows if row.segments]


def prompt_set_diff(old_sections: list[dict[str, Any]], new_sections: list[dict[str, Any]]) -> list[SectionDiff]:
    """Section by section (matched by key) and question by question (matched by field)."""
    old_by_key = {s["key"]: s for s in old_sections}
    new_keys = {s["key"] for s in new_sections}
    ordered = [(s["key"], old_by_key.get(s["key"]), s) for s in new_sections]
    ordered += [(s["key"], s, None) for s in old_sections if s["key"] not in new_keys]
    result = []
    for _key, old, new in ordered:
        status = "same" if old and new else ("added" if new else "removed")
        diff = SectionDiff(title=(new or old or {}).get("title", ""), status=status)
        diff.rows.append(_row("Section title", (old or {}).get("title", ""), (new or {}).get("title", "")))
        diff.rows.append(_row("Guidance", (old or {}).get("guidance", ""), (new or {}).get("guidance", "")))
        old_prompts = {_prompt_key(p, i): p for i, p in enumerate((old or {}).get("prompts", []))}
        new_prompts = [(_prompt_key(p, i), p) for i, p in enumerate((new or {}).get("prompts", []))]
        seen = set()
        for key, prompt in new_prompts:
            seen.add(key)
            diff.rows.extend(_prompt_rows(old_prompts.get(key), prompt))
        for key, prompt in old_prompts.items():
            if key not in seen:
                diff.rows.extend(_prompt_rows(prompt, None))
        result.append(diff)
    return result


def diff_as_text(diff: list[SectionDiff]) -> str:
    """The changes only, for the email: [-removed words-] {+added words+}."""
    lines: list[str] = []
    for section in diff:
        if not section.changed:
            continue
        lines.append(
            f"{section.title}{' (new section)' if section.status == 'added' else ''}"
            f"{' (section removed)' if section.status == 'removed' else ''}"
        )
        for row in section.rows:
            if row.status == "same":
                continue
            text = " ".join(
                s.text if s.op == "same" else (f"[-{s.text}-]" if s.op == "removed" else f"{{+{s.text}+}}")
                for s in row.segments
            )
            lines.append(f"  {row.what}: {text}")
        lines.append("")
    return "\n".join(lines).strip() or "No change to the wording."
