"""Review finding 7: a prompt set that cannot be drawn as a form is refused wherever it could
be saved or published (the API, the editor, the model's clean, publishing), with errors
that name the section, the prompt and the field."""

import copy
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thrive.form_html import prompt_html, section_html
from thrive.forms import answers_from_post, form_layout
from thrive.models import PromptSet, PromptSetStatus
from thrive.prompt_schema import sections_problems, sections_validate
from thrive.prompts import CONDITIONS, PROMPT_TYPES
from thrive.rules import answers_clean, incomplete_sections
from thrive.wording import prompt_set_draft_start, prompt_set_publish

pytestmark = pytest.mark.django_db


def _decision(sections: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    index = next(i for i, s in enumerate(sections) if s["key"] == "decision")
    return index, sections[index]


def broken(v1_sections: list[dict[str, Any]], **prompt_changes: Any) -> list[dict[str, Any]]:
    """The current wording with the risk level question (decision, prompt 1) changed."""
    sections = copy.deepcopy(v1_sections)
    _, decision = _decision(sections)
    decision["prompts"][0].update(prompt_changes)
    return sections


# --- The API: 400 with a field path, and nothing saved ----------------------------------


def test_the_api_refuses_choices_given_as_a_string_naming_the_field(api_client_for, trainer, v1):
    client = api_client_for(trainer)
    index, _ = _decision(v1.sections)
    response = client.post(
        "/api/prompt-sets/",
        {"change_summary": "Risk levels.", "sections": broken(v1.sections, choices="high,medium,standard")},
        format="json",
    )
    assert response.status_code == 400
    path = f"sections[{index}].prompts[0].choices"
    assert path in response.json()
    message = response.json()[path][0]
    assert "Risk level and grading" in message  # the section, by its title
    assert "Risk level" in message  # the prompt, by its wording
    assert not PromptSet.objects.filter(version__gt=v1.version, family=v1.family).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"choices": "abc"}, "choices"),
        ({"choices": [["high"]]}, "choices"),
        ({"choices": [["high", "High"], ["high", "High again"]]}, "choices"),
        ({"choices": [[1, 2]]}, "choices"),
        ({"choices": []}, "choices"),
        ({"type": "boolean", "choices": "abc"}, "choices"),
        ({"type": "radio"}, "type"),
        ({"label": ["not", "text"]}, "label"),
        ({"label": "   "}, "label"),
        ({"hint": {"a": 1}}, "hint"),
        ({"required": "sometimes"}, "required"),
        ({"show_when": None}, "show_when"),
        ({"field": 7}, "field"),
        ({"field": "risk level"}, "field"),
        ({"field": "grading"}, "field"),  # used twice
        ({"label": "Risk\u0000level"}, "label"),  # PostgreSQL refuses a NUL in JSON text
        ({"colour": "red"}, "colour"),
        ({"required": "always", "show_when": "children_involved"}, "required"),  # required while hidden
    ],
)
def test_a_malformed_prompt_is_refused_at_its_path(api_client_for, trainer, v1, changes, field):
    index, _ = _decision(v1.sections)
    response = api_client_for(trainer).post(
        "/api/prompt-sets/", {"change_summary": "x", "sections": broken(v1.sections, **changes)}, format="json"
    )
    assert response.status_code == 400, response.json()
    assert f"sections[{index}].prompts[0].{field}" in response.json(), response.json()


@pytest.mark.parametrize(
    "sections",
    [
        "not a list",
        [],
        [1],
        [{"key": "threat", "title": "Threat", "prompts": "none"}],
        [{"key": "threat", "title": "Threat", "prompts": [1]}],
        [{"key": "threat", "title": "", "prompts": []}],
        [{"key": "bad key", "title": "Threat", "prompts": []}],
        [{"key": "a", "title": "A", "prompts": []}, {"key": "a", "title": "A again", "prompts": []}],
        [
            {
                "key": "a",
                "title": "A",
                "prompts": [
                    {"type": "text", "field": "prevention", "label": "Prevention"},
                    {"type": "text", "field": "prevention.advice", "label": "Advice"},
                ],
            }
        ],
    ],
)
def test_a_malformed_section_is_refused(api_client_for, trainer, v1, sections):
    response = api_client_for(trainer).post(
        "/api/prompt-sets/", {"change_summary": "x", "sections": sections}, format="json"
    )
    assert response.status_code == 400
    assert all(key.startswith("sections") for key in response.json()), response.json()


def test_patching_a_draft_refuses_broken_sections_with_a_path(api_client_for, trainer, v1):
    client = api_client_for(trainer)
    client.post("/api/prompt-sets/", {"change_summary": "x", "sections": v1.sections}, format="json")
    index, _ = _decision(v1.sections)
    bad = client.patch("/api/prompt-sets/2/", {"sections": broken(v1.sections, choices="abc")}, format="json")
    assert bad.status_code == 400
    assert f"sections[{index}].prompts[0].choices" in bad.json()
    assert PromptSet.objects.get(version=2).sections == v1.sections


# --- Publishing: re-validated and drawn inside its transaction ---------------------------


def test_publishing_refuses_a_draft_that_cannot_be_drawn_and_it_stays_a_draft(trainer, v1, handler_client):
    draft = prompt_set_draft_start(actor=trainer)
    # Written behind the services' back (a shell, an old row): publishing still refuses it.
    PromptSet.objects.filter(pk=draft.pk).update(
        sections=broken(v1.sections, choices="abc"), change_summary="Risk levels."
    )
    draft.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        prompt_set_publish(prompt_set=draft, actor=trainer)
    index, _ = _decision(v1.sections)
    assert f"sections[{index}].prompts[0].choices" in exc.value.message_dict
    draft.refresh_from_db()
    assert draft.status == PromptSetStatus.DRAFT
    assert handler_client.get("/thrive/prompt-wording/").status_code == 200


def test_the_publish_page_shows_why_it_refused(trainer_client, trainer, v1):
    draft = prompt_set_draft_start(actor=trainer)
    PromptSet.objects.filter(pk=draft.pk).update(sections=broken(v1.sections, choices="abc"))
    page = trainer_client.post(f"/thrive/wording/drafts/{draft.pk}/publish/", {"change_summary": "Risk levels."})
    assert page.status_code == 400
    html = page.content.decode()
    assert "There is a problem" in html
    assert "Risk level and grading" in html
    draft.refresh_from_db()
    assert draft.status == PromptSetStatus.DRAFT


def test_the_api_publish_of_a_broken_draft_is_400(api_client_for, trainer, v1):
    draft = prompt_set_draft_start(actor=trainer)
    PromptSet.objects.filter(pk=draft.pk).update(sections=broken(v1.sections, choices="abc"), change_summary="x")
    response = api_client_for(trainer).post(f"/api/prompt-sets/{draft.version}/publish/")
    assert response.status_code == 400
    assert any(".choices" in key for key in response.json())


def test_the_render_smoke_check_catches_what_the_schema_does_not(trainer, v1, monkeypatch):
    """Publishing draws the form; if drawing fails for a reason the schema did not foresee,
    the version is refused rather than published."""
    import thrive.prompt_schema as schema

    def explode(*args: Any, **kwargs: Any) -> None:
        raise KeyError("unforeseen")

    monkeypatch.setattr(schema, "section_html", explode)
    draft = prompt_set_draft_start(actor=trainer)
    PromptSet.objects.filter(pk=draft.pk).update(change_summary="Same wording.")
    draft.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        prompt_set_publish(prompt_set=draft, actor=trainer)
    assert "could not be drawn" in " ".join(exc.value.messages)
    draft.refresh_from_db()
    assert draft.status == PromptSetStatus.DRAFT


def test_the_model_clean_uses_the_same_check(v1):
    bad = PromptSet(family="thrive_sp", name="x", version=9, sections=broken(v1.sections, choices="abc"))
    with pytest.raises(ValidationError) as exc:
        bad.full_clean()
    assert any(".choices: " in message for message in exc.value.message_dict["sections"])


def test_the_shipped_wording_is_valid(v1):
    assert sections_problems(v1.sections) == {}
    thriives = PromptSet.objects.get(family="thriives")
    assert sections_problems(thriives.sections) == {}


def test_create_draft_still_accepts_valid_sections(trainer, v1):
    created = prompt_set_draft_start(actor=trainer, sections=v1.sections, change_summary="Same.", resume=False)
    assert created.status == PromptSetStatus.DRAFT


# --- Any set that validates can be drawn, saved and checked ------------------------------

names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
conditions = st.sampled_from(sorted(CONDITIONS))
anything = st.recursive(
    st.none() | st.booleans() | st.integers() | words,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(words, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def prompts(draw: Any) -> dict[str, Any]:
    prompt: dict[str, Any] = {
        "type": draw(st.sampled_from(sorted(PROMPT_TYPES)) | anything),
        "label": draw(words | anything),
    }
    if draw(st.booleans()):
        prompt["field"] = draw(names | st.builds(lambda a, b: f"{a}.{b}", names, names) | anything)
    for attr in ("hint", "error"):
        if draw(st.booleans()):
            prompt[attr] = draw(words | anything)
    for attr in ("required", "show_when"):
        if draw(st.booleans()):
            prompt[attr] = draw(conditions | anything)
    if draw(st.booleans()):
        prompt["choices"] = draw(
            st.lists(st.tuples(names, words).map(list), max_size=4) | st.lists(anything, max_size=3) | anything
        )
    return prompt


@st.composite
def section_lists(draw: Any) -> Any:
    sections = draw(
        st.lists(
            st.fixed_dictionaries(
                {"key": names | anything, "title": words | anything, "prompts": st.lists(prompts(), max_size=4)},
                optional={"guidance": words | anything},
            ),
            min_size=1,
            max_size=3,
        )
    )
    return draw(st.just(sections) | anything)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sections=section_lists(), answers=st.dictionaries(names, anything, max_size=4))
def test_any_set_that_validates_is_drawn_and_checked_without_error(sections: Any, answers: dict[str, Any]) -> None:
    problems = sections_problems(sections)
    if problems:
        # Every refusal names where: a path under "sections".
        assert all(key.startswith("sections") for key in problems)
        with pytest.raises(ValidationError):
            sections_validate(sections)
        return
    layout = form_layout(sections, answers)
    for section in layout:
        section_html(section, max_length=100)
        for row in section.prompts:
            prompt_html(row, readonly=True)
    answers_from_post(sections, QueryDict(""))
    cleaned, _ = answers_clean(sections, answers)
    incomplete_sections(sections, cleaned)


@st.composite
def plausible_sets(draw: Any) -> list[dict[str, Any]]:
    """Mostly valid sets: unique keys and fields, known types and conditions, so that many
    examples get past validation and are drawn."""
    keys = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    fields = iter(draw(st.lists(names, min_size=12, max_size=12, unique=True).map(lambda f: [f"q_{x}" for x in f])))
    sections = []
    for key in keys:
        section_prompts = []
        for _ in range(draw(st.integers(0, 4))):
            kind = draw(st.sampled_from(sorted(PROMPT_TYPES)))
            show_when = draw(conditions)
            prompt: dict[str, Any] = {
                "type": kind,
                "label": draw(words.filter(str.strip)),
                "hint": draw(words),
                "error": draw(words),
                "show_when": show_when,
                "required": draw(st.sampled_from(["optional", show_when])),
            }
            if kind != "guidance":
                prompt["field"] = next(fields)
            if kind == "choice":
                prompt["choices"] = draw(
                    st.lists(
                        st.tuples(names, words.filter(str.strip)).map(list),
                        min_size=1,
                        max_size=4,
                        unique_by=lambda c: c[0],
                    )
                )
            section_prompts.append(prompt)
        sections.append(
            {"key": key, "title": draw(words.filter(str.strip)), "guidance": draw(words), "prompts": section_prompts}
        )
    return sections


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sections=plausible_sets(), answers=st.dictionaries(names, anything, max_size=4))
def test_plausible_sets_validate_and_draw(sections: list[dict[str, Any]], answers: dict[str, Any]) -> None:
    test_any_set_that_validates_is_drawn_and_checked_without_error.hypothesis.inner_test(sections, answers)


# --- The editor: each problem beside the input it is about -------------------------------


def test_the_editor_shows_a_problem_beside_its_question_and_opens_it(trainer_client, trainer, v1):
    draft = prompt_set_draft_start(actor=trainer)
    harm = next(i for i, s in enumerate(draft.sections) if s["key"] == "harm")
    page = trainer_client.post(
        f"/thrive/wording/drafts/{draft.pk}/",
        {f"s-{harm}-p-0-label": "   ", f"s-{harm}-p-0-required": "always", f"s-{harm}-p-0-show_when": "send_link"},
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert f'href="#s-{harm}-p-0-label"' in html  # the summary links to the question's wording
    assert "wording (label) is required" in html
    assert "data-wording-prompt open" in html
    # The shape is checked first; once it is right, the rules between attributes.
    page = trainer_client.post(
        f"/thrive/wording/drafts/{draft.pk}/",
        {f"s-{harm}-p-0-required": "always", f"s-{harm}-p-0-show_when": "send_link"},
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert f'href="#s-{harm}-p-0-required"' in html
    assert "a handler could be asked for an answer they cannot see" in html
    draft.refresh_from_db()
    assert draft.sections == v1.sections  # nothing half-saved
