"""markup.Template: values are escaped by construction, markup made here is not escaped twice,
and numbers keep their format specs (the QA charts rely on it)."""

from datetime import date
from decimal import Decimal

import pytest
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

from markup import Template, join, literal

NASTY = 'Tom & "Jo" O\'Brien <script>alert(1)</script>'
ESCAPED = "Tom &amp; &quot;Jo&quot; O&#x27;Brien &lt;script&gt;alert(1)&lt;/script&gt;"
LINK = Template('<a href="{}">{}</a>')


def test_text_values_are_escaped_in_text_and_attributes():
    html = LINK.render(NASTY, NASTY)
    assert html == f'<a href="{ESCAPED}">{ESCAPED}</a>'
    assert isinstance(html, SafeString)


def test_the_escaping_is_djangos():
    from django.utils.html import escape

    assert LINK.render(NASTY, "x") == f'<a href="{escape(NASTY)}">x</a>'


def test_markup_is_kept_and_its_output_is_not_escaped_again_by_a_template():
    inner = Template("<b>{}</b>").render(NASTY)
    outer = Template("<p>{}</p>").render(inner)
    assert outer == f"<p><b>{ESCAPED}</b></p>"
    page = engines["django"].from_string("{{ value }}").render({"value": outer})
    assert page == outer


def test_a_str_subclass_that_is_not_markup_is_escaped():
    class Name(str):
        pass

    assert Template("{}").render(Name("<i>")) == "&lt;i&gt;"


def test_other_objects_are_escaped_as_their_text():
    class Thing:
        def __str__(self) -> str:
            return "<b>"

    assert Template("{}").render(Thing(), None) == "&lt;b&gt;"


def test_numbers_and_dates_keep_their_format_specs():
    assert Template('<circle cx="{:.1f}" r="{}"/>').render(3.14159, 4) == '<circle cx="3.1" r="4"/>'
    assert Template("{:.1f}|{}").render(Decimal("12.345"), Decimal("7.5")) == "12.3|7.5"
    assert Template("{:%b %Y}").render(date(2026, 3, 1)) == "Mar 2026"


def test_text_in_a_numeric_field_is_refused_not_inserted():
    with pytest.raises(ValueError, match="Unknown format code"):
        Template('<rect x="{:.1f}"/>').render("<script>")
    # "c" would turn a number into any character ("<" from 60): such a field is refused.
    with pytest.raises(ValueError, match="No"):
        Template("{:c}")


def test_render_each_escapes_every_row():
    rows = Template("<td>{}</td><td>{:d}</td>\n").render_each([(NASTY, 1), ("ok", 2)])
    assert rows == f"<td>{ESCAPED}</td><td>1</td>\n<td>ok</td><td>2</td>\n"
    assert Template("<i>{}</i>").render_each([[NASTY]], " ") == f"<i>{ESCAPED}</i>"
    assert Template("{:.1f},{:.1f}").render_each([(1, 2), (3.25, 4)], " ") == "1.0,2.0 3.2,4.0"


def test_join_keeps_markup_and_escapes_plain_text():
    assert join([literal("<br>"), NASTY, mark_safe("<hr>")], " ") == f"<br> {ESCAPED} <hr>"


@pytest.mark.parametrize("text", ["<a href='{0}'>", "{name}", "{!r}", "{0!s}"])
def test_only_plain_positional_fields_are_allowed(text):
    with pytest.raises(ValueError, match="Only plain"):
        Template(text)


def test_a_template_cannot_be_built_from_markup():
    with pytest.raises(TypeError):
        Template(mark_safe("<b>{}</b>"))
