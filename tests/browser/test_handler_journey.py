"""The call handler's journey with the keyboard alone: open an incident, try to close it, get the
closure prompt, write the THRIVE-SP assessment (conditional prompts, a reload mid-form, a
missing section), submit it and close the incident.

No .click() or .fill() on form controls: only Tab, Shift+Tab, Space, Enter, the arrow keys,
the Alt+Shift shortcuts, and typing into the focused field.
"""

import re

from playwright.sync_api import Page, expect

from incidents.models import Incident, Status
from tests.browser.support import BROWSER, focused, run_axe, tab_to
from thrive.models import Assessment, AssessmentStatus

pytestmark = BROWSER

SECTIONS = [
    "section-threat",
    "section-harm",
    "section-risk",
    "section-investigation",
    "section-vulnerability",
    "section-engagement",
    "section-scene-preservation",
    "section-prevention",
    "section-decision",
]

# What the handler types before the reload, by field id; every word must survive it.
TYPED = {
    "f-threat": "Ex-partner to come back",
    "f-harm": "Bruised arm",
    "f-voice-of-child": "Ben, 6, hid upstairs",
    "f-risk": "Likely tonight",
    "f-investigation": "Neighbour saw it",
    "f-vulnerability": "Pregnant, alone",
    "f-scene-preservation-advice": "Leave the glass",
    "f-prevention-advice": "Lock the doors",
    "f-prevention-phone": "07700900123",
}
RADIOS = {
    "children_involved": "true",
    "scene_preservation__forensic_opportunities": "yes",
    "scene_preservation__evidence_retainable": "no",
    "scene_preservation__csi_required": "not_known",
    "prevention__send_link": "true",
}


def press(page: Page, *keys: str) -> None:
    for key in keys:
        page.keyboard.press(key)


def type_into(page: Page, field_id: str, text: str) -> None:
    assert focused(page)["id"] == field_id, f"expected focus on #{field_id}, got {focused(page)}"
    page.keyboard.type(text)


def radio_value(page: Page, name: str) -> str | None:
    return page.evaluate("(n) => document.querySelector(`input[name='${n}']:checked`)?.value ?? null", name)


def choose_non_exempt_closure_code(page: Page) -> None:
    tab_to(page, "#f-closure-code")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#f-closure-code")).not_to_have_value("")
    assert page.locator("#f-closure-code option:checked").get_attribute("data-exempt") == "false"


def walk_form_tab_order(page: Page) -> list[str]:
    """Tab from the first field past the Submit button; the sections in the order focus met
    them before reaching Submit. The browser logs each focus, so the walk is one press a stop."""
    tab_to(page, "#f-threat")
    page.evaluate(
        """() => {
            window.__focusLog = [];
            document.addEventListener("focusin", (event) => {
                const section = event.target.closest("[data-section]");
                window.__focusLog.push(section ? section.id : event.target.textContent.trim());
            });
        }"""
    )
    for _ in range(40):
        page.keyboard.press("Tab")
    log = ["section-threat", *page.evaluate("() => window.__focusLog")]
    assert "Submit assessment" in log, f"40 presses of Tab never reached Submit: {log}"
    order: list[str] = []
    for stop in log[: log.index("Submit assessment")]:
        assert stop.startswith("section-"), f"focus left the sections before Submit, at {stop!r}"
        if not order or order[-1] != stop:
            order.append(stop)
    return order


def test_handler_assesses_and_closes_an_incident_by_keyboard_alone(signed_in, handler):
    page = signed_in(handler)

    # Home: Alt+Shift+N opens a new incident.
    press(page, "Alt+Shift+N")
    page.wait_for_url(re.compile(r"/incidents/new/$"))
    run_axe(page)
    expect(page.locator("#f-channel")).to_be_focused()  # autofocus
    press(page, "ArrowDown", "Tab", "ArrowDown", "Tab", "ArrowDown", "Tab")
    type_into(page, "f-summary", "Assault by ex-partner")
    press(page, "Tab")
    type_into(page, "f-location", "1 High Street")
    press(page, "Enter")

    # Opening the incident goes straight to the assessment; the handler goes back to it.
    page.wait_for_url(re.compile(r"/thrive/incidents/[^/]+/assessment/$"))
    run_axe(page)
    incident = Incident.objects.get(handler=handler)
    tab_to(page, "a.govuk-back-link")
    press(page, "Enter")
    page.wait_for_url(re.compile(rf"/incidents/{incident.reference}/$"))
    run_axe(page)

    # Close without an assessment: the prompt comes in place, focused, with the way to the form.
    choose_non_exempt_closure_code(page)
    press(page, "Alt+Shift+C")
    prompt = page.locator("#close-panel [role=alert]")
    expect(prompt).to_contain_text("has no completed THRIVE-SP assessment")
    expect(prompt).to_be_focused()
    run_axe(page)
    press(page, "Tab")
    expect(page.get_by_role("link", name="Write the THRIVE-SP assessment now")).to_be_focused()
    press(page, "Enter")
    page.wait_for_url(re.compile(r"/assessment/$"))
    run_axe(page)

    # Tab order follows the sections, in order (hidden conditional prompts are skipped).
    assert walk_form_tab_order(page) == SECTIONS

    # Answer by keyboard; each condition reveals its prompt.
    voice_of_child = page.locator("#f-voice-of-child")
    preservation_advice = page.locator("#f-scene-preservation-advice")
    phone = page.locator("#f-prevention-phone")
    safe_to_text = page.locator("#f-prevention-safe-to-text-confirmed")
    for hidden in (voice_of_child, preservation_advice, phone, safe_to_text):
        expect(hidden).to_be_hidden()

    press(page, "Alt+Shift+K")  # from outside the sections: straight to the first field
    type_into(page, "f-threat", TYPED["f-threat"])
    press(page, "Tab")
    if focused(page)["tag"] == "summary":  # a section's guidance toggle comes first
        press(page, "Tab")
    type_into(page, "f-harm", TYPED["f-harm"])
    tab_to(page, "[name=children_involved]")
    press(page, "Space")  # Yes
    expect(voice_of_child).to_be_visible()
    press(page, "Tab")
    type_into(page, "f-voice-of-child", TYPED["f-voice-of-child"])
    for field in ("f-risk", "f-investigation", "f-vulnerability"):
        tab_to(page, f"#{field}")
        type_into(page, field, TYPED[field])
    expect(page.get_by_text("Voice of the child: vulnerability.")).to_be_visible()
    # Engagement is left empty: the missing section at the first submission.

    tab_to(page, "[name=scene_preservation__forensic_opportunities]")
    press(page, "Space")  # Yes
    expect(preservation_advice).to_be_visible()
    press(page, "Tab", "ArrowRight")  # evidence retainable: No
    press(page, "Tab", "ArrowRight", "ArrowRight")  # CSI to attend: Not known
    press(page, "Tab")
    type_into(page, "f-scene-preservation-advice", TYPED["f-scene-preservation-advice"])

    tab_to(page, "#f-prevention-advice")
    type_into(page, "f-prevention-advice", TYPED["f-prevention-advice"])
    press(page, "Tab", "Space")  # send the link text: Yes
    expect(phone).to_be_visible()
    expect(safe_to_text).to_be_visible()
    press(page, "Tab")
    type_into(page, "f-prevention-phone", TYPED["f-prevention-phone"])
    press(page, "Tab", "Space")
    expect(safe_to_text).to_be_checked()
    run_axe(page)

    # Reload straight away (the last words not yet autosaved): nothing typed is lost.
    page.reload()
    run_axe(page)
    for field_id, text in TYPED.items():
        expect(page.locator(f"#{field_id}")).to_have_value(text)
    for name, value in RADIOS.items():
        assert radio_value(page, name) == value, name
    expect(safe_to_text).to_be_checked()
    for shown in (voice_of_child, preservation_advice, phone, safe_to_text):
        expect(shown).to_be_visible()

    # The decision section, by the next-section shortcut.
    for _ in SECTIONS:
        press(page, "Alt+Shift+J")
    assert focused(page)["section"] == "section-decision"
    press(page, "Space")  # Risk level: High
    press(page, "Tab", "ArrowRight")  # Grading: Priority
    press(page, "Tab")
    type_into(page, "f-rationale", "Further violence likely")

    # Submit with Engagement missing: the summary names it and takes the focus.
    press(page, "Alt+Shift+S")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Engagement")
    expect(page).to_have_title(re.compile(r"^Error: "))
    run_axe(page)
    assert radio_value(page, "grading") == "priority"

    # Its link goes to the field; complete it and submit.
    press(page, "Tab")
    expect(summary.get_by_role("link", name=re.compile("Engagement"))).to_be_focused()
    press(page, "Enter")
    expect(page.locator("#f-engagement")).to_be_focused()
    page.keyboard.type("Officer within the hour")
    press(page, "Alt+Shift+S")
    page.wait_for_url(re.compile(rf"/incidents/{incident.reference}/$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("submitted")
    run_axe(page)
    submitted = Assessment.objects.get(incident=incident, status=AssessmentStatus.SUBMITTED)
    assert submitted.answers["voice_of_child"] == TYPED["f-voice-of-child"]
    assert submitted.answers["prevention"]["safe_to_text_confirmed"] is True

    # Close it, by keyboard: the log shows it closed.
    choose_non_exempt_closure_code(page)
    tab_to(page, "#close-panel button[type=submit]")
    press(page, "Enter")
    expect(page.locator("h1")).to_contain_text("Closed")
    run_axe(page)
    expect(page.locator(".app-timeline")).to_contain_text("Closed")
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED
