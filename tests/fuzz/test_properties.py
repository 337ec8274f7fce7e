"""Property tests (issue 9): the completeness rule (PRODUCT.md rule 2, thrive/rules.py) and the
QA percentage (rule 11, qa/rules.py), over the prompt sets the migrations ship. No database:
these are the pure rules every interface goes through."""

import importlib
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.rules import percentage
from thrive.prompts import iter_prompts
from thrive.rules import answers_clean, incomplete_sections

_shipped = importlib.import_module("thrive.migrations.0002_default_prompt_sets")
PROMPT_SETS = {"THRIVE-SP": _shipped.THRIVE_SP, "THRIIVES": _shipped.THRIIVES}
BOUNDED = settings(max_examples=150, deadline=None, derandomize=True, database=None)

YES_NO_UNKNOWN = ["yes", "no", "not_known"]


def _get(answers: dict[str, Any], field: str) -> Any:
    head, _, tail = field.partition(".")
    value = answers.get(head)
    if tail:
        return value.get(tail) if isinstance(value, dict) else None
    return value


# The oracle: rule 2 written out again from PRODUCT.md, independently of thrive/prompts.py's
# CONDITIONS, keyed by the condition names the prompt sets use.
REQUIRED_WHEN = {
    "always": lambda a: True,
    "optional": lambda a: False,
    "children_involved": lambda a: _get(a, "children_involved") is True,
    "any_preservation_yes": lambda a: (
        "yes"
        in [
            _get(a, f"scene_preservation.{q}")
            for q in ("forensic_opportunities", "evidence_retainable", "csi_required")
        ]
    ),
    "send_link": lambda a: _get(a, "prevention.send_link") is True,
    "no_link": lambda a: _get(a, "prevention.send_link") is False,
}


def _answered(kind: str, value: Any) -> bool:
    if kind == "confirm":
        return value is True
    if kind == "boolean":
        return value is True or value is False
    return isinstance(value, str) and value.strip() != ""


# What a person can type into a text answer: config.text refuses control characters, the
# replacement character of undecodable input, and the bidirectional controls (a refusal, not
# an incomplete answer, so they are not what this property is about).
TYPED = st.characters(
    exclude_categories=("Cc", "Cs"), exclude_characters="\ufffd\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def _value_for(prompt: Any) -> st.SearchStrategy[Any]:
    """Well-formed answers, answered or not, for one prompt."""
    blank = st.sampled_from(["", "   ", None])
    if prompt.type == "text":
        return st.one_of(blank, st.text(TYPED, min_size=1, max_size=20))
    if prompt.type == "phone":
        return st.one_of(blank, st.sampled_from(["07700 900123", "+447700900456"]))
    if prompt.type in {"boolean", "confirm"}:
        return st.sampled_from([True, False, None, "true", "no"])
    if prompt.type in {"choice", "yes_no_unknown"}:
        return st.one_of(st.sampled_from(["", None]), st.sampled_from([value for value, _ in prompt.choices]))
    return st.none()


@st.composite
def posted(draw: st.DrawFn, sections: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for prompt in iter_prompts(sections):
        if prompt.type == "guidance" or draw(st.integers(0, 9)) == 0:  # sometimes left out altogether
            continue
        value = draw(_value_for(prompt))
        head, _, tail = prompt.field.partition(".")
        if tail:
            data.setdefault(head, {})[tail] = value
        else:
            data[head] = value
    return data


@pytest.mark.parametrize("name", PROMPT_SETS)
def test_complete_iff_every_prompt_required_now_is_answered(name: str) -> None:
    sections = PROMPT_SETS[name]
    prompts = [p for p in iter_prompts(sections) if p.type != "guidance"]
    assert {p.required for p in prompts} <= set(REQUIRED_WHEN)

    @BOUNDED
    @given(data=posted(sections))
    def check(data: dict[str, Any]) -> None:
        answers, errors = answers_clean(sections, data)
        assert errors == {}, errors  # well-formed input: cleaning refuses nothing
        missing = {
            p.field.split(".")[0]
            for p in prompts
            if REQUIRED_WHEN[p.required](answers) and not _answered(p.type, _get(answers, p.field))
        }
        incomplete = incomplete_sections(sections, answers)
        assert set(incomplete) == missing
        assert (incomplete == {}) == (not missing)
        for messages in incomplete.values():
            assert messages
            assert all(isinstance(m, str) and m for m in messages)

    check()


JSON_JUNK = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["\x00", "yes", "true", "<script>alert(1)</script>", "=1+1", "x" * 20_001]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=8,
)


@st.composite
def junk(draw: st.DrawFn, sections: list[dict[str, Any]]) -> dict[str, Any]:
    keys = sorted({p.field.split(".")[0] for p in iter_prompts(sections) if p.field})
    data = draw(st.dictionaries(st.sampled_from(keys) | st.text(max_size=10), JSON_JUNK, max_size=12))
    for group, fields in (
        ("scene_preservation", ["forensic_opportunities", "csi_required", "advice"]),
        ("prevention", ["send_link", "phone", "safe_to_text_confirmed", "advice"]),
    ):
        if draw(st.booleans()):
            data[group] = draw(st.dictionaries(st.sampled_from(fields), JSON_JUNK, max_size=4))
    return data


@pytest.mark.parametrize("name", PROMPT_SETS)
def test_answers_clean_never_raises_on_junk(name: str) -> None:
    sections = PROMPT_SETS[name]
    fields = {p.field for p in iter_prompts(sections) if p.type != "guidance"}

    @BOUNDED
    @given(data=junk(sections))
    def check(data: dict[str, Any]) -> None:
        answers, errors = answers_clean(sections, data)
        for key, messages in errors.items():
            assert key in {f.split(".")[0] for f in fields}
            assert messages
            assert all(isinstance(m, str) for m in messages)
        # Only the prompt set's answers are kept, and none of them can break storage.
        kept = {f"{k}.{sub}" for k, v in answers.items() if isinstance(v, dict) for sub in v}
        kept |= {k for k, v in answers.items() if not isinstance(v, dict)}
        assert kept <= fields
        for field in fields:
            value = _get(answers, field)
            assert value is None or isinstance(value, str | bool)
            assert "\x00" not in (value if isinstance(value, str) else "")
        incomplete_sections(sections, answers)  # never raises either

    check()


GRADES = ["outstanding", "good", "requires_improvement", "inadequate", "not_applicable"]


@BOUNDED
@given(grades=st.lists(st.sampled_from(GRADES), max_size=400))
def test_qa_percentage_is_good_over_graded_less_not_applicable_rounded_half_up(grades: list[str]) -> None:
    good = sum(g in {"outstanding", "good"} for g in grades)
    denominator = len(grades) - grades.count("not_applicable")
    result = percentage(good, denominator)
    if denominator == 0:
        assert result is None
        return
    expected = (Decimal(100) * good / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert result == expected
    assert Decimal(0) <= result <= Decimal(100)
    assert result.as_tuple().exponent == -1  # one decimal place, as API.md shows


@BOUNDED
@given(denominator=st.integers(1, 10**9), data=st.data())
def test_qa_percentage_on_large_counts(denominator: int, data: st.DataObject) -> None:
    good = data.draw(st.integers(0, denominator))
    expected = (Decimal(100) * good / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert percentage(good, denominator) == expected


@pytest.mark.parametrize(("good", "of", "expected"), [(1, 8, "12.5"), (1, 16, "6.3"), (3, 16, "18.8"), (1, 3, "33.3")])
def test_qa_percentage_half_way_cases_round_up(good: int, of: int, expected: str) -> None:
    assert percentage(good, of) == Decimal(expected)


@pytest.mark.parametrize("denominator", [0, -1])
def test_qa_percentage_without_a_denominator_is_none(denominator: int) -> None:
    assert percentage(0, denominator) is None
