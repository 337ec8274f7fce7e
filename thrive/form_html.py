"""The assessment form's sections and prompts as HTML, built in Python.

The form has about twenty prompts and is the page a call handler opens on every call; as a
Django template (one include per prompt) it cost about 2.7 ms of the page's 12 ms of CPU,
against about 0.3 ms here (docs/BENCHMARKS.md). The markup is the GOV.UK Frontend's, as the
templates had it; every value that comes from a prompt set or an answer is escaped here, and
the browser tests run axe over the result. The handler's form, the trainer's preview, the
read-only versions and the supervisor's review all render through these two functions.
"""

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from thrive.forms import (
    RESEND_ID,
    RESEND_NAME,
    RESEND_REASON_ID,
    RESEND_REASON_NAME,
    PromptRow,
    ResendChoice,
    SectionRow,
)


def section_html(section: SectionRow, *, max_length: int) -> SafeString:
    """One section of the form: heading, guidance, and each prompt."""
    anchor = escape(section.anchor)
    title = escape(section.title)
    parts = [
        f'<section class="app-section{" app-section--error" if section.errors else ""}" id="{anchor}" '
        f'data-section aria-labelledby="{anchor}-title">\n'
        f'  <h2 class="govuk-heading-m" id="{anchor}-title">{section.number}. {title}</h2>\n'
    ]
    if section.errors:
        parts.append(f'  <p class="govuk-error-message">{title} is incomplete</p>\n')
    if section.guidance:
        parts.append(
            '  <details class="govuk-details govuk-!-margin-bottom-3">\n'
            '    <summary class="govuk-details__summary"><span class="govuk-details__summary-text">'
            f"Guidance: {title}</span></summary>\n"
            f'    <div class="govuk-details__text">{escape(section.guidance)}</div>\n'
            "  </details>\n"
        )
    resend_done = False
    for row in section.prompts:
        parts.append(prompt_html(row, max_length=max_length))
        if section.resend is not None and row.prompt.field == "prevention.safe_to_text_confirmed":
            parts.append(resend_html(section.resend))
            resend_done = True
    if section.resend is not None and not resend_done:
        parts.append(resend_html(section.resend))
    parts.append("</section>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def prompt_html(row: PromptRow, *, max_length: int = 0, readonly: bool = False) -> SafeString:
    """One prompt: an input for its type, its hint and errors; or, read-only, the answer."""
    p = row.prompt
    pid, name, label, hint = escape(p.html_id), escape(p.html_name), escape(p.label), escape(p.hint)
    if row.change and not readonly:
        # Part of the label, so a screen reader says it with the question.
        tag = "New" if row.change == "new" else "Changed"
        label = mark_safe(f'{label} <strong class="govuk-tag govuk-tag--blue">{tag}</strong>')  # noqa: S308 - escaped
    errors = "".join(
        f'<p class="govuk-error-message" id="{pid}-error"><span class="govuk-visually-hidden">Error:</span> '
        f"{escape(message)}</p>\n"
        for message in row.errors
    )
    group = "govuk-form-group"
    if row.errors:
        group += " govuk-form-group--error"
    if not row.visible:
        group += " app-conditional--hidden"
    show_when = f' data-show-when="{escape(p.show_when)}"' if p.show_when != "always" else ""
    head = f'<div class="{group}"{show_when}>\n'

    if p.type == "guidance":
        body = f'<div class="govuk-inset-text govuk-!-margin-top-0"><strong>{label}.</strong> {hint}</div>\n'
    elif readonly:
        body = (
            f'<h4 class="govuk-heading-s govuk-!-margin-bottom-1">{label}</h4>\n'
            f'<p class="govuk-body app-answer">{_answer(row)}</p>\n'
        )
    elif p.type == "text":
        hint_text = f"{hint} " if p.hint else ""
        described = f"{pid}-hint" + (f" {pid}-error" if row.errors else "")
        body = (
            f'<label class="govuk-label govuk-label--s" for="{pid}">{label}</label>\n'
            f'<div class="govuk-hint" id="{pid}-hint">{hint_text}Up to {max_length:,} characters.</div>\n'
            f"{errors}"
            f'<textarea class="govuk-textarea{" govuk-textarea--error" if row.errors else ""}" id="{pid}" '
            f'name="{name}" rows="4" aria-describedby="{described}">{escape(row.value_str)}</textarea>\n'
        )
    elif p.type == "phone":
        hint_div = f'<div class="govuk-hint" id="{pid}-hint">{hint}</div>\n' if p.hint else ""
        body = (
            f'<label class="govuk-label govuk-label--s" for="{pid}">{label}</label>\n'
            f"{hint_div}{errors}"
            f'<input class="govuk-input govuk-input--width-20{" govuk-input--error" if row.errors else ""}" '
            f'id="{pid}" name="{name}" type="tel" autocomplete="off" value="{escape(row.value_str)}"'
            f"{_described_by(pid, bool(p.hint), bool(row.errors))}>\n"
        )
    elif p.type == "confirm":
        checked = " checked" if row.value is True else ""
        described = f' aria-describedby="{pid}-hint"' if p.hint else ""
        hint_div = f'<div class="govuk-hint govuk-checkboxes__hint" id="{pid}-hint">{hint}</div>\n' if p.hint else ""
        body = (
            f"{errors}"
            '<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">\n'
            '<div class="govuk-checkboxes__item">\n'
            f'<input class="govuk-checkboxes__input" id="{pid}" name="{name}" type="checkbox" value="true"'
            f"{checked}{described}>\n"
            f'<label class="govuk-label govuk-checkboxes__label" for="{pid}">{label}</label>\n'
            f"{hint_div}</div>\n</div>\n"
        )
    else:
        if p.type == "boolean":
            options = [("true", "Yes", pid, row.value is True), ("false", "No", f"{pid}-no", row.value is False)]
        else:
            options = [
                (escape(value), escape(text), pid if i == 0 else f"{pid}-{escape(value)}", row.value == value)
                for i, (value, text) in enumerate(p.choices)
            ]
        radios = "".join(
            '<div class="govuk-radios__item">\n'
            f'<input class="govuk-radios__input" id="{option_id}" name="{name}" type="radio" value="{value}"'
            f"{' checked' if checked else ''}>\n"
            f'<label class="govuk-label govuk-radios__label" for="{option_id}">{text}</label>\n'
            "</div>\n"
            for value, text, option_id, checked in options
        )
        hint_div = f'<div class="govuk-hint" id="{pid}-hint">{hint}</div>\n' if p.hint else ""
        body = (
            f'<fieldset class="govuk-fieldset"{_described_by(pid, bool(p.hint), bool(row.errors))}>\n'
            f'<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{label}</legend>\n'
            f"{hint_div}{errors}"
            '<div class="govuk-radios govuk-radios--small govuk-radios--inline" data-module="govuk-radios">\n'
            f"{radios}</div>\n</fieldset>\n"
        )
    return mark_safe(f"{head}{body}</div>\n")  # noqa: S308 - every value above is escaped


def resend_html(choice: ResendChoice) -> SafeString:
    """Rule 12's "Send again" choice: which numbers this incident has texted, and a ticked
    box with a reason to text one of them again. GOV.UK checkboxes with a conditional
    reveal; shown with the text request's other questions (when a text is to be sent)."""
    sent = "; ".join(
        f"{escape(t['masked'])} on {timezone.localtime(t['created_at']):%d/%m/%Y at %H:%M} (now {escape(t['status'])})"
        for t in choice.previous_texts
    )
    errors = "".join(
        f'<p class="govuk-error-message" id="{RESEND_REASON_ID}-error">'
        f'<span class="govuk-visually-hidden">Error:</span> {escape(message)}</p>\n'
        for message in choice.errors
    )
    group = "govuk-form-group" + (" govuk-form-group--error" if choice.errors else "")
    hidden = "" if choice.checked or choice.errors else " govuk-checkboxes__conditional--hidden"
    shown = "" if choice.visible else " app-conditional--hidden"
    reason_described = f"{RESEND_REASON_ID}-hint" + (f" {RESEND_REASON_ID}-error" if choice.errors else "")
    html = (
        f'<div class="govuk-form-group{shown}" data-show-when="send_link" data-resend>\n'
        f'<fieldset class="govuk-fieldset" aria-describedby="{RESEND_ID}-hint">\n'
        '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">'
        "Texts already sent for this incident</legend>\n"
        f'<div class="govuk-hint" id="{RESEND_ID}-hint">Already texted: {sent}. The same number gets a '
        "second text only if you choose to send again and say why. A different number does not need this.</div>\n"
        '<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">\n'
        '<div class="govuk-checkboxes__item">\n'
        f'<input class="govuk-checkboxes__input" id="{RESEND_ID}" name="{RESEND_NAME}" type="checkbox" value="true"'
        f'{" checked" if choice.checked else ""} data-aria-controls="conditional-{RESEND_ID}">\n'
        f'<label class="govuk-label govuk-checkboxes__label" for="{RESEND_ID}">Send again to the same number</label>\n'
        "</div>\n"
        f'<div class="govuk-checkboxes__conditional{hidden}" id="conditional-{RESEND_ID}">\n'
        f'<div class="{group}">\n'
        f'<label class="govuk-label" for="{RESEND_REASON_ID}">Why does the victim need the text again?</label>\n'
        f'<div class="govuk-hint" id="{RESEND_REASON_ID}-hint">For example: the first text failed, or the victim '
        "asked for it again. The reason is written in the incident log.</div>\n"
        f"{errors}"
        f'<textarea class="govuk-textarea{" govuk-textarea--error" if choice.errors else ""}" '
        f'id="{RESEND_REASON_ID}" name="{RESEND_REASON_NAME}" rows="2" '
        f'aria-describedby="{reason_described}">{escape(choice.reason)}</textarea>\n'
        "</div>\n</div>\n</div>\n</fieldset>\n</div>\n"
    )
    return mark_safe(html)  # noqa: S308 - every value above is escaped


def _described_by(pid: str, hint: bool, error: bool) -> str:
    ids = ([f"{pid}-hint"] if hint else []) + ([f"{pid}-error"] if error else [])
    return f' aria-describedby="{" ".join(ids)}"' if ids else ""


def _answer(row: PromptRow) -> str:
    """A read-only answer as words: Yes, No, Not known, a choice's label, or the text."""
    value = row.value
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if value == "not_known":
        return "Not known"
    if not value:
        return '<span class="govuk-hint">Not answered</span>'
    labels = dict(row.prompt.choices)
    return escape(labels.get(value, value)) if labels else escape(value)
