from typing import Any

from django import template
from django.utils.safestring import SafeString

from thrive.form_html import prompt_html, resend_html, section_html
from thrive.forms import PromptRow, ResendChoice, SectionRow, text_max_length

register = template.Library()


@register.simple_tag
def assessment_section(section: SectionRow) -> SafeString:
    """{% assessment_section section %}: one section of the form (thrive/form_html.py)."""
    return section_html(section, max_length=text_max_length())


@register.simple_tag
def assessment_prompt(row: PromptRow, readonly: Any = False) -> SafeString:
    """{% assessment_prompt row readonly=True %}: one prompt, or its answer read-only."""
    return prompt_html(row, max_length=text_max_length(), readonly=bool(readonly))


@register.simple_tag
def assessment_resend(choice: ResendChoice) -> SafeString:
    """{% assessment_resend section.resend %}: rule 12's "Send again" choice."""
    return resend_html(choice)
