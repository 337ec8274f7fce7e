"""thrive.form_html: the assessment form's markup. Every value from the wording or an answer
is escaped, and an answer given is shown as given (a ticked radio, a filled box)."""

from html.parser import HTMLParser
from typing import Any

from thrive.form_html import prompt_html, section_html
from thrive.forms import form_layout

ODD = "a&b<c>\"d'"


def wording(choices: list[list[str]]) -> list[dict[str, Any]]:
    return [
        {
            "key": "decision",
            "title": "Decision <& \"'",
            "guidance": "Think & <decide>",
            "prompts": [
                {
                    "field": "risk_level",
                    "type": "choice",
                    "label": "Risk <level>",
                    "hint": 'Pick "one" & only one',
                    "choices": choices,
                    "required": "always",
                    "show_when": "always",
                    "error": "Choose a risk level",
                },
                {
                    "field": "rationale",
                    "type": "text",
                    "label": "Why & how",
                    "hint": "",
                    "required": "always",
                    "show_when": "always",
                    "error": "Say why",
                },
            ],
        }
    ]


class Inputs(HTMLParser):
    """The form's inputs as a browser reads them: attributes unescaped."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []
        self.textareas: list[str] = []
        self._in_textarea = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "input":
            self.inputs.append(dict(attrs))
        self._in_textarea = tag == "textarea"

    def handle_data(self, data: str) -> None:
        if self._in_textarea:
            self.textareas.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_textarea = False


def parsed(html: str) -> Inputs:
    parser = Inputs()
    parser.feed(html)
    return parser


def test_a_chosen_value_holding_markup_characters_renders_as_checked():
    sections = wording([["high", "High"], [ODD, "Odd & <unusual>"]])
    (section,) = form_layout(sections, {"risk_level": ODD, "rationale": "x"})
    radios = [i for i in parsed(prompt_html(section.prompts[0], max_length=100)).inputs if i["type"] == "radio"]
    assert [(r["value"], "checked" in r) for r in radios] == [("high", False), (ODD, True)]


def test_every_value_from_the_wording_and_the_answers_is_escaped():
    sections = wording([["high", "High"], [ODD, "Odd & <unusual>"]])
    answers = {"risk_level": "high", "rationale": "</textarea><script>alert(1)</script>"}
    (section,) = form_layout(sections, answers, {"decision": ["Decision is <incomplete>"]})
    html = str(section_html(section, max_length=5000))
    assert "<script>" not in html
    for raw in ("<unusual>", "<level>", "<decide>", "<incomplete>"):
        assert raw not in html
    form = parsed(html)
    assert form.textareas == [answers["rationale"]]
    assert [i["id"] for i in form.inputs] == ["f-risk-level", "f-risk-level-a&b<c>\"d'"]
    readonly = str(prompt_html(form_layout(sections, {"risk_level": ODD})[0].prompts[0], readonly=True))
    assert "Odd &amp; &lt;unusual&gt;" in readonly
