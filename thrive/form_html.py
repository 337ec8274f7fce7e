"""The assessment form's sections and prompts as HTML, built in Python.

The form has about twenty prompts and is the page a call handler opens on every call; as a
Django template (one include per prompt) it cost about 2.7 ms of the page's 12 ms of CPU,
against about 0.3 ms here (docs/BENCHMARKS.md). The markup is the GOV.UK Frontend's, as the
templates had it. It is built from `markup.Template` constants, which escape every value
they are given (issue 14): nothing here escapes by hand or marks text safe, so a value from
a prompt set or an answer cannot reach the page as markup, whatever the next edit adds.
The browser tests run axe over the result. The handler's form, the trainer's preview, the
read-only versions and the supervisor's review all render through these functions.
"""

from functools import lru_cache

from django.utils import timezone
from django.utils.safestring import SafeString

from incidents.gradings import grading_choices, grading_label
from markup import Template, join, literal
from thrive.forms import (
    RESEND_ID,
    RESEND_NAME,
    RESEND_REASON_ID,
    RESEND_REASON_NAME,
    PromptRow,
    ResendChoice,
    SectionRow,
)

EMPTY = literal("")
CHECKED = literal(" checked")
ESCAPED = Template("{}")


@lru_cache(maxsize=8192, typed=True)
def _wording(text: str) -> SafeString:
    """Text of the wording (ids, names, labels, hints, choices, titles) escaped once per
    process: every form draws the same few hundred strings, and a prompt's id goes into its
    markup five or six times. What comes from an answer or a message is escaped where it is
    put in. Bounded: published wording is a few hundred strings per version."""
    return ESCAPED.render(text)


SECTION_OPEN = Template(
    '<section class="app-section{}" id="{}" data-section aria-labelledby="{}-title">\n'
    '  <h2 class="govuk-heading-m" id="{}-title">{}. {}</h2>\n'
)
SECTION_ERROR_CLASS = literal(" app-section--error")
SECTION_ERROR = Template('  <p class="govuk-error-message">{} is incomplete</p>\n')
# A line of plain text, not a disclosure: it is one sentence, and a toggle in each of nine
# sections was nine tab stops on every call (issue 19).
SECTION_GUIDANCE = Template(
    '  <p class="govuk-hint app-section__guidance"><span class="govuk-visually-hidden">Guidance: {}. </span>{}</p>\n'
)
SECTION_CLOSE = literal("</section>\n")

# Part of the label, so a screen reader says it with the question.
CHANGE_TAG = Template('{} <strong class="govuk-tag govuk-tag--blue">{}</strong>')
ERROR = Template(
    '<p class="govuk-error-message" id="{}-error"><span class="govuk-visually-hidden">Error:</span> {}</p>\n'
)
GROUP_OPEN = Template('<div class="{}"{}{}>\n')
# The condition under which the prompt must be answered: the browser marks a section done
# (and folds it) when every prompt it requires has an answer; the server still decides.
REQUIRED_WHEN = Template(' data-required="{}"')
# By (has errors, visible).
GROUP_CLASSES = {
    (False, True): literal("govuk-form-group"),
    (True, True): literal("govuk-form-group govuk-form-group--error"),
    (False, False): literal("govuk-form-group app-conditional--hidden"),
    (True, False): literal("govuk-form-group govuk-form-group--error app-conditional--hidden"),
}
SHOW_WHEN = Template(' data-show-when="{}"')
PROMPT = Template("{}{}</div>\n")

GUIDANCE = Template('<div class="govuk-inset-text govuk-!-margin-top-0"><strong>{}.</strong> {}</div>\n')
READONLY = Template(
    '<h4 class="govuk-heading-s govuk-!-margin-bottom-1">{}</h4>\n<p class="govuk-body app-answer">{}</p>\n'
)
NOT_ANSWERED = literal('<span class="govuk-hint">Not answered</span>')

HINT_THEN_SPACE = Template("{} ")
DESCRIBED_HINT = Template("{}-hint")
DESCRIBED_HINT_ERROR = Template("{}-hint {}-error")
TEXTAREA_ERROR_CLASS = literal(" govuk-textarea--error")
TEXT = Template(
    '<label class="govuk-label govuk-label--s" for="{}">{}</label>\n'
    '<div class="govuk-hint" id="{}-hint">{}Up to {:,} characters.</div>\n'
    "{}"
    '<textarea class="govuk-textarea{}" id="{}" name="{}" rows="4" aria-describedby="{}">{}</textarea>\n'
)

HINT = Template('<div class="govuk-hint" id="{}-hint">{}</div>\n')
INPUT_ERROR_CLASS = literal(" govuk-input--error")
PHONE = Template(
    '<label class="govuk-label govuk-label--s" for="{}">{}</label>\n'
    "{}{}"
    '<input class="govuk-input govuk-input--width-20{}" '
    'id="{}" name="{}" type="tel" autocomplete="off" value="{}"{}>\n'
)

CHECKBOX_HINT = Template('<div class="govuk-hint govuk-checkboxes__hint" id="{}-hint">{}</div>\n')
ARIA_HINT = Template(' aria-describedby="{}-hint"')
ARIA_ERROR = Template(' aria-describedby="{}-error"')
ARIA_HINT_ERROR = Template(' aria-describedby="{}-hint {}-error"')
CONFIRM = Template(
    "{}"
    '<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">\n'
    '<div class="govuk-checkboxes__item">\n'
    '<input class="govuk-checkboxes__input" id="{}" name="{}" type="checkbox" value="true"{}{}>\n'
    '<label class="govuk-label govuk-checkboxes__label" for="{}">{}</label>\n'
    "{}</div>\n</div>\n"
)

OPTION_ID = Template("{}-{}")
RADIO = Template(
    '<div class="govuk-radios__item">\n'
    '<input class="govuk-radios__input" id="{}" name="{}" type="radio" value="{}"{}>\n'
    '<label class="govuk-label govuk-radios__label" for="{}">{}</label>\n'
    "</div>\n"
)
RADIOS = Template(
    '<fieldset class="govuk-fieldset"{}>\n'
    '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{}</legend>\n'
    "{}{}"
    '<div class="govuk-radios govuk-radios--small govuk-radios--inline" data-module="govuk-radios">\n'
    "{}</div>\n</fieldset>\n"
)

SENT_TEXT = Template("{} on {:%d/%m/%Y at %H:%M} (now {})")
RESEND_ERROR_CLASS = literal(" govuk-form-group--error")
RESEND_HIDDEN_CLASS = literal(" govuk-checkboxes__conditional--hidden")
HIDDEN_CLASS = literal(" app-conditional--hidden")
RESEND = Template(
    '<div class="govuk-form-group{}" data-show-when="send_link" data-resend>\n'
    '<fieldset class="govuk-fieldset" aria-describedby="{}-hint">\n'
    '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">'
    "Texts already sent for this incident</legend>\n"
    '<div class="govuk-hint" id="{}-hint">Already texted: {}. The same number gets a '
    "second text only if you choose to send again and say why. A different number does not need this.</div>\n"
    '<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">\n'
    '<div class="govuk-checkboxes__item">\n'
    '<input class="govuk-checkboxes__input" id="{}" name="{}" type="checkbox" value="true"'
    '{} data-aria-controls="conditional-{}">\n'
    '<label class="govuk-label govuk-checkboxes__label" for="{}">Send again to the same number</label>\n'
    "</div>\n"
    '<div class="govuk-checkboxes__conditional{}" id="conditional-{}">\n'
    '<div class="govuk-form-group{}">\n'
    '<label class="govuk-label" for="{}">Why does the victim need the text again?</label>\n'
    '<div class="govuk-hint" id="{}-hint">For example: the first text failed, or the victim '
    "asked for it again. The reason is written in the incident log.</div>\n"
    "{}"
    '<textarea class="govuk-textarea{}" '
    'id="{}" name="{}" rows="2" '
    'aria-describedby="{}">{}</textarea>\n'
    "</div>\n</div>\n</div>\n</fieldset>\n</div>\n"
)


def section_html(section: SectionRow, *, max_length: int) -> SafeString:
    """One section of the form: heading, guidance, and each prompt."""
    anchor, title = _wording(section.anchor), _wording(section.title)
    parts = [
        SECTION_OPEN.render(
            SECTION_ERROR_CLASS if section.errors else EMPTY, anchor, anchor, anchor, section.number, title
        )
    ]
    if section.errors:
        parts.append(SECTION_ERROR.render(title))
    if section.guidance:
        parts.append(SECTION_GUIDANCE.render(title, _wording(section.guidance)))
    resend_done = False
    for row in section.prompts:
        parts.append(prompt_html(row, max_length=max_length))
        if section.resend is not None and row.prompt.field == "prevention.safe_to_text_confirmed":
            parts.append(resend_html(section.resend))
            resend_done = True
    if section.resend is not None and not resend_done:
        parts.append(resend_html(section.resend))
    parts.append(SECTION_CLOSE)
    return join(parts)


def prompt_html(row: PromptRow, *, max_length: int = 0, readonly: bool = False) -> SafeString:
    """One prompt: an input for its type, its hint and errors; or, read-only, the answer."""
    p = row.prompt
    pid, name, label, hint = _wording(p.html_id), _wording(p.html_name), _wording(p.label), _wording(p.hint)
    if row.change and not readonly:
        label = CHANGE_TAG.render(label, "New" if row.change == "new" else "Changed")
    errors = ERROR.render_each((pid, message) for message in row.errors) if row.errors else EMPTY
    head = GROUP_OPEN.render(
        GROUP_CLASSES[bool(row.errors), row.visible],
        SHOW_WHEN.render(_wording(p.show_when)) if p.show_when != "always" else EMPTY,
        REQUIRED_WHEN.render(_wording(p.required)) if p.required != "optional" and not readonly else EMPTY,
    )

    if p.type == "guidance":
        body = GUIDANCE.render(label, hint)
    elif readonly:
        body = READONLY.render(label, _answer(row))
    elif p.type == "text":
        body = TEXT.render(
            pid,
            label,
            pid,
            HINT_THEN_SPACE.render(hint) if hint else EMPTY,
            max_length,
            errors,
            TEXTAREA_ERROR_CLASS if row.errors else EMPTY,
            pid,
            name,
            DESCRIBED_HINT_ERROR.render(pid, pid) if row.errors else DESCRIBED_HINT.render(pid),
            row.value_str,
        )
    elif p.type == "phone":
        body = PHONE.render(
            pid,
            label,
            HINT.render(pid, hint) if hint else EMPTY,
            errors,
            INPUT_ERROR_CLASS if row.errors else EMPTY,
            pid,
            name,
            row.value_str,
            _described_by(pid, bool(hint), bool(row.errors)),
        )
    elif p.type == "confirm":
        body = CONFIRM.render(
            errors,
            pid,
            name,
            CHECKED if row.value is True else EMPTY,
            ARIA_HINT.render(pid) if hint else EMPTY,
            pid,
            label,
            CHECKBOX_HINT.render(pid, hint) if hint else EMPTY,
        )
    else:
        if p.type == "boolean":
            no_id = OPTION_ID.render(pid, "no")
            options = [
                (pid, name, "true", CHECKED if row.value is True else EMPTY, pid, "Yes"),
                (no_id, name, "false", CHECKED if row.value is False else EMPTY, no_id, "No"),
            ]
        else:
            options = []
            # The grading's choices are the force's active gradings by its names (issue 15),
            # whatever the wording lists; its validity is the service's (grading_problem).
            choices = grading_choices() if p.field == "grading" else p.choices
            for i, (value, text) in enumerate(choices):
                # The answer is compared with the choice's own value, never with its markup.
                escaped = _wording(value)
                option_id = pid if i == 0 else OPTION_ID.render(pid, escaped)
                checked = CHECKED if row.value == value else EMPTY
                options.append((option_id, name, escaped, checked, option_id, _wording(text)))
        body = RADIOS.render(
            _described_by(pid, bool(hint), bool(row.errors)),
            label,
            HINT.render(pid, hint) if hint else EMPTY,
            errors,
            RADIO.render_each(options),
        )
    return PROMPT.render(head, body)


def resend_html(choice: ResendChoice) -> SafeString:
    """Rule 12's "Send again" choice: which numbers this incident has texted, and a ticked
    box with a reason to text one of them again. GOV.UK checkboxes with a conditional
    reveal; shown with the text request's other questions (when a text is to be sent)."""
    sent = SENT_TEXT.render_each(
        ((t["masked"], timezone.localtime(t["created_at"]), t["status"]) for t in choice.previous_texts), "; "
    )
    errors = ERROR.render_each((RESEND_REASON_ID, message) for message in choice.errors)
    return RESEND.render(
        EMPTY if choice.visible else HIDDEN_CLASS,
        RESEND_ID,
        RESEND_ID,
        sent,
        RESEND_ID,
        RESEND_NAME,
        CHECKED if choice.checked else EMPTY,
        RESEND_ID,
        RESEND_ID,
        EMPTY if choice.checked or choice.errors else RESEND_HIDDEN_CLASS,
        RESEND_ID,
        RESEND_ERROR_CLASS if choice.errors else EMPTY,
        RESEND_REASON_ID,
        RESEND_REASON_ID,
        errors,
        TEXTAREA_ERROR_CLASS if choice.errors else EMPTY,
        RESEND_REASON_ID,
        RESEND_REASON_NAME,
        DESCRIBED_HINT_ERROR.render(RESEND_REASON_ID, RESEND_REASON_ID)
        if choice.errors
        else DESCRIBED_HINT.render(RESEND_REASON_ID),
        choice.reason,
    )


def _described_by(pid: SafeString, hint: bool, error: bool) -> SafeString:
    if hint and error:
        return ARIA_HINT_ERROR.render(pid, pid)
    if hint:
        return ARIA_HINT.render(pid)
    if error:
        return ARIA_ERROR.render(pid)
    return EMPTY


def _answer(row: PromptRow) -> str | SafeString:
    """A read-only answer as words: Yes, No, Not known, a choice's label, or the text. Plain
    text: the template it goes into escapes it."""
    value = row.value
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if value == "not_known":
        return "Not known"
    if not value:
        return NOT_ANSWERED
    if row.prompt.field == "grading":
        return grading_label(value)  # the force's name for it (issue 15)
    labels = dict(row.prompt.choices)
    return labels.get(value, value) if labels else value
