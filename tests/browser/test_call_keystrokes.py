"""A standard call, timed in keys: a burglary whose victim has called before (found by their
phone number: phone first), with the prevention text sent, done by keyboard alone from the
opened incident's assessment form (where opening an incident lands the handler) to the
incident page after the submission, at 1280x900. A new victim's call (their details typed) is
timed and pinned too.

Counted as the handler would feel them: every key press (a typed character is one), the presses
of Tab and Shift+Tab (tab stops walked), the pages the browser loaded after the form, and how
far the page scrolled (focus moving down a long form scrolls it). The figures are pinned: a
change that adds a tab stop or a key to this call fails here. docs/ACCESSIBILITY.md has them.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.support import BROWSER, run_axe
from tests.browser.test_screenshots import SCREENSHOTS
from tests.factories import make_incident
from victims.models import RepeatOutcome, Victim
from victims.services import victim_link

pytestmark = BROWSER

# Scroll distance per document, kept in sessionStorage so that it survives page loads.
TRACK_SCROLL = """
(() => {
  if (window !== window.top) return;
  let last = window.scrollY;
  window.addEventListener("scroll", () => {
    const moved = Math.abs(window.scrollY - last);
    last = window.scrollY;
    const total = Number(sessionStorage.getItem("__scrolled") || "0") + moved;
    sessionStorage.setItem("__scrolled", String(total));
  }, {passive: true});
})();
"""

PHONE = "07700 900123"
BORN = date(1990, 11, 4)
# Short answers: what a handler types is the caller's story, the same before and after; the
# figures are about what the form costs on top of it.
ANSWERS = {
    "f-threat": "Burglar may return",
    "f-harm": "None, shaken",
    "f-risk": "Repeat target",
    "f-investigation": "Door forced",
    "f-vulnerability": "Lives alone",
    "f-engagement": "Officer today",
    "f-prevention-advice": "Lock windows",
    "f-rationale": "Repeat victim",
}


# The figures (docs/ACCESSIBILITY.md): a change that costs the handler more fails here. Before
# issue 19 (the victim on pages of its own after the assessment, the mobile typed twice) the
# same call took 219 keys, 63 tab stops and 4 page loads, and scrolled 5,065 px. Measured:
# phone first, 145 keys (115 typed: the answers' 103 and the 12 of the number; 30 moving),
# 17 tab stops, 1 page load, about 690 px scrolled; a new victim, 165 keys (131 typed: the
# number, the name and the date of birth too), 21 tab stops, 1 page load.
PINNED = {"keystrokes": 145, "tab_stops": 17, "page_loads": 1}
PINNED_NEW_VICTIM = {"keystrokes": 165, "tab_stops": 21, "page_loads": 1}


@dataclass
class Keys:
    """The keyboard, counting."""

    page: Page
    keystrokes: int = 0
    typed: int = 0
    tab_stops: int = 0
    log: list[str] = field(default_factory=list)

    def press(self, *keys: str) -> None:
        for key in keys:
            self.page.keyboard.press(key)
            self.keystrokes += 1
            if key in ("Tab", "Shift+Tab"):
                self.tab_stops += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.keystrokes += len(text)
        self.typed += len(text)

    def tab_to(self, selector: str, *, backwards: bool = False, limit: int = 120) -> None:
        for _ in range(limit):
            if self.page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
                return
            self.press("Shift+Tab" if backwards else "Tab")
        raise AssertionError(f"{limit} presses never reached {selector}")

    def answer(self, field_id: str) -> None:
        self.tab_to(f"#{field_id}")
        self.type(ANSWERS[field_id])


def snap(page: Page, name: str) -> None:
    """The screen as the handler sees it at 1280x900 (focus left where it is: the journey
    goes on from it). Into docs/screenshots/ under `make screenshots`."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", animations="disabled", caret="hide")


def loads(page: Page) -> list[str]:
    return [d["url"] for d in page.evaluate("() => JSON.parse(sessionStorage.getItem('__docs') || '[]')")]


def answer_the_assessment(page: Page, keys: Keys) -> None:
    """The assessment, top to bottom: one Tab a question, from the victim panel."""
    keys.press("Alt+Shift+J")  # from the panel to the first section
    expect(page.locator("#f-threat")).to_be_focused()
    keys.type(ANSWERS["f-threat"])
    keys.answer("f-harm")
    keys.tab_to("[name=children_involved]")
    keys.press("ArrowRight")  # No
    for field_id in ("f-risk", "f-investigation", "f-vulnerability", "f-engagement"):
        keys.answer(field_id)
    for name in ("forensic_opportunities", "evidence_retainable", "csi_required"):
        keys.tab_to(f"[name=scene_preservation__{name}]")
        keys.press("ArrowRight")  # No
    keys.answer("f-prevention-advice")
    keys.tab_to("[name=prevention__send_link]")
    keys.press("Space")  # Yes
    keys.tab_to("#f-prevention-safe-to-text-confirmed")
    keys.press("Space")  # safe to text, confirmed with the caller: still a deliberate act
    keys.tab_to("[name=risk_level]")
    keys.press("ArrowRight")  # Medium
    keys.tab_to("[name=grading]")
    keys.press("ArrowRight")
    keys.answer("f-rationale")
    # Done sections have folded; the progress list says every one is done.
    expect(page.locator("[data-progress-count]")).to_have_text("(9 of 9 done)")
    expect(page.locator("#section-threat")).to_have_class(re.compile("app-section--folded"))


def figures_of(page: Page, keys: Keys, before: int) -> dict[str, int]:
    figures = {
        "keystrokes": keys.keystrokes,
        "typed": keys.typed,
        "moving": keys.keystrokes - keys.typed,
        "tab_stops": keys.tab_stops,
        "page_loads": len(loads(page)) - before,
        "scrolled": round(float(page.evaluate("() => sessionStorage.getItem('__scrolled')"))),
    }
    print("call figures:", figures)
    return figures


def open_the_form(page: Page, incident) -> int:
    page.goto(f"/thrive/incidents/{incident.reference}/assessment/")
    run_axe(page)
    page.evaluate("() => sessionStorage.setItem('__scrolled', '0')")
    return len(loads(page))


def test_a_standard_call_by_keyboard(signed_in, handler, context):
    """Phone first: the caller has called before, so their number finds them."""
    context.add_init_script(TRACK_SCROLL)
    earlier = make_incident(handler=handler)
    victim_link(incident=earlier, actor=handler, name="Ann Smith", date_of_birth=BORN, phone="+44 7700 900123")
    incident = make_incident(handler=handler)
    page = signed_in(handler)
    before = open_the_form(page, incident)
    keys = Keys(page)

    # The form opens with the victim's phone number focused (no victim linked yet). As the
    # number is typed, the panel offers whoever called from it before; Enter links them (their
    # name and date of birth come with them) and runs the repeat check in the side panel.
    expect(page.locator("#v-phone")).to_be_focused()
    snap(page, "assessment-call-start")
    keys.type(PHONE)
    offer = page.locator("#v-phone-matches")
    expect(offer).to_contain_text("Link Ann Smith, born 4 November 1990, 1 earlier incident")
    expect(page.locator("#v-phone")).to_be_focused()  # the offer takes no focus: Enter is the handler's
    run_axe(page)
    snap(page, "assessment-call-phone-match")
    keys.press("Enter")
    panel = page.locator("#victim-panel")
    expect(panel).to_contain_text(earlier.reference)
    expect(panel).to_contain_text("1 earlier incident")
    expect(panel).to_contain_text("Ann Smith, born 04/11/1990")
    run_axe(page)
    # The outcome's first choice has the focus: Yes, a repeat victim.
    keys.press("Space", "Enter")  # Enter in the radios records it
    expect(panel).to_contain_text("Outcome: Repeat victim")
    # The victim's mobile is already Prevention's number; safe-to-text is not ticked.
    expect(page.locator("#f-prevention-phone")).to_have_value(PHONE)
    expect(page.locator("#f-prevention-safe-to-text-confirmed")).not_to_be_checked()
    snap(page, "assessment-call-victim")

    answer_the_assessment(page, keys)
    run_axe(page)
    snap(page, "assessment-call-done")
    keys.tab_to("button[type=submit]:not([formaction])")
    keys.press("Enter")
    page.wait_for_url(re.compile(rf"/incidents/{incident.reference}/$"))
    run_axe(page)

    victim = Victim.objects.get(incident=incident)
    assert (victim.name, victim.date_of_birth) == ("Ann Smith", BORN)
    assert victim.outcome == RepeatOutcome.REPEAT
    submitted = incident.assessments.get()
    assert submitted.answers["prevention"]["phone"] == PHONE
    assert submitted.answers["prevention"]["safe_to_text_confirmed"] is True

    figures = figures_of(page, keys, before)
    assert figures["page_loads"] <= PINNED["page_loads"], figures
    assert figures["tab_stops"] <= PINNED["tab_stops"], figures
    assert figures["keystrokes"] <= PINNED["keystrokes"], figures


def test_a_new_victims_call_by_keyboard(signed_in, handler, context):
    """Name typed: a first-time caller, whose number finds no one, so their details are typed."""
    context.add_init_script(TRACK_SCROLL)
    incident = make_incident(handler=handler)
    page = signed_in(handler)
    before = open_the_form(page, incident)
    keys = Keys(page)

    expect(page.locator("#v-phone")).to_be_focused()
    keys.type(PHONE)
    expect(page.locator("#v-phone-matches")).to_contain_text("No one has called from this number")
    keys.press("Tab")
    expect(page.locator("#v-name")).to_be_focused()
    keys.type("Ann Smith")
    for part in ("4", "11", "1990"):
        keys.press("Tab")
        keys.type(part)
    keys.press("Enter")
    panel = page.locator("#victim-panel")
    expect(panel).to_contain_text("No earlier incidents for this person")
    run_axe(page)
    keys.press("ArrowRight", "Enter")  # No, not a repeat victim
    expect(panel).to_contain_text("Outcome: Not a repeat victim")
    expect(page.locator("#f-prevention-phone")).to_have_value(PHONE)

    answer_the_assessment(page, keys)
    keys.tab_to("button[type=submit]:not([formaction])")
    keys.press("Enter")
    page.wait_for_url(re.compile(rf"/incidents/{incident.reference}/$"))
    run_axe(page)

    victim = Victim.objects.get(incident=incident)
    assert (victim.name, victim.date_of_birth, victim.outcome) == ("Ann Smith", BORN, RepeatOutcome.NOT_REPEAT)
    figures = figures_of(page, keys, before)
    assert figures["page_loads"] <= PINNED_NEW_VICTIM["page_loads"], figures
    assert figures["tab_stops"] <= PINNED_NEW_VICTIM["tab_stops"], figures
    assert figures["keystrokes"] <= PINNED_NEW_VICTIM["keystrokes"], figures


def test_several_people_on_one_number_are_not_chosen_for_the_handler(signed_in, handler):
    """Enter in the number with two people offered links neither: the focus goes to the first
    offer, and the handler presses the one who is calling."""
    for hours, name, born in ((30, "Ann Smith", BORN), (20, "Tom Smith", date(2008, 5, 1))):
        earlier = make_incident(handler=handler, opened_at=timezone.now() - timedelta(hours=hours))
        victim_link(incident=earlier, actor=handler, name=name, date_of_birth=born, phone=PHONE)
    incident = make_incident(handler=handler)
    page = signed_in(handler)
    open_the_form(page, incident)
    keys = Keys(page)
    keys.type(PHONE)
    offer = page.locator("#v-phone-matches")
    expect(offer).to_contain_text("2 people have called from this number")
    run_axe(page)
    keys.press("Enter")
    expect(offer.locator("[data-phone-match]").first).to_be_focused()
    assert not Victim.objects.filter(incident=incident).exists()
    expect(offer.locator("[data-phone-match]").first).to_contain_text("Tom Smith")  # newest first
    keys.press("Tab", "Enter")  # the second: Ann is the one calling
    expect(page.locator("#victim-panel")).to_contain_text("Is Ann Smith a repeat victim?")
    assert Victim.objects.get(incident=incident).name == "Ann Smith"


def test_immediate_first_dispatches_and_the_assessment_follows(signed_in, handler):
    """The gradings table lets Immediate go before the assessment: the form offers the
    dispatch, and once it is recorded marks the assessment as following, with its due time."""
    incident = make_incident(handler=handler, grading="immediate")
    page = signed_in(handler)
    page.goto(f"/thrive/incidents/{incident.reference}/assessment/")
    banner = page.get_by_role("region", name="Immediate: dispatch first")
    expect(banner).to_be_visible()
    run_axe(page)
    keys = Keys(page)
    keys.tab_to("#dispatch-title ~ * button, .govuk-notification-banner button", backwards=True)
    keys.press("Enter")
    follows = page.locator("#assessment-follows")
    expect(follows).to_contain_text("Follows dispatch")
    expect(follows).to_contain_text("This assessment is due by")
    expect(banner).to_have_count(0)
    run_axe(page)
    snap(page, "assessment-dispatched-first")
