"""Watch handover and reopening, in a real browser by keyboard (incidents/handover.py,
incidents/reopen.py). Each page is axe-checked; screenshots go to a scratch folder
(SHOTS) to be looked at."""

import re
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect

from incidents.models import Incident, Status
from tests.browser.support import BROWSER, login, run_axe, tab_to
from tests.factories import UserFactory, make_incident

pytestmark = BROWSER

SHOTS = Path(tempfile.gettempdir()) / "thrive-screenshots"
REASON = "The caller rang back: the suspect has returned to the address."


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_handler_hands_over_their_incidents_by_keyboard(page: Page, handler):
    colleague = UserFactory(handler=True, username="colleague", full_name="Chris Colleague")
    incidents = [make_incident(handler=handler, assessed=True) for _ in range(3)]
    kept = incidents[2]

    login(page, handler)
    run_axe(page)
    form = page.locator("form#handover")
    expect(form).to_be_visible()
    for incident in incidents:
        expect(form.get_by_label(re.compile(incident.reference))).to_be_checked()
    shot(page, "handover-home")

    # Handing over with no colleague chosen: the handover page says so and keeps the ticks.
    tab_to(page, f"form#handover input[value='{kept.reference}']")
    page.keyboard.press("Space")  # kept: untick it
    tab_to(page, "form#handover button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/incidents/handover/")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the colleague")
    expect(page.get_by_label(re.compile(kept.reference))).not_to_be_checked()
    run_axe(page)
    shot(page, "handover-error")

    # Choose the colleague by keyboard from the team's list and hand over.
    tab_to(page, "#f-handover-to")
    page.keyboard.press("c")  # a select jumps to the option starting with the letter typed
    expect(page.locator("#f-handover-to")).to_have_value("colleague")
    tab_to(page, "form#handover button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/handover/" not in url)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("2 incidents handed over")
    run_axe(page)
    shot(page, "handover-done")

    owners = dict(Incident.objects.values_list("reference", "owner__username"))
    assert owners == {
        incidents[0].reference: "colleague",
        incidents[1].reference: "colleague",
        kept.reference: "handler",
    }

    # The incident page names the new owner and still the handler who opened it.
    page.goto(f"/incidents/{incidents[0].reference}/")
    run_axe(page)
    expect(page.locator("main")).to_contain_text(f"{colleague.display_name} (handed over; opened by")
    expect(page.locator("main")).to_contain_text("Handed over by")


def test_a_supervisor_reopens_a_closed_incident(page: Page, supervisor, handler):
    incident = make_incident(handler=handler, closed=True)

    login(page, supervisor)
    run_axe(page)
    page.goto(f"/incidents/{incident.reference}/")
    run_axe(page)
    page.get_by_role("link", name="Reopen incident").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/incidents/{incident.reference}/reopen/")
    run_axe(page)
    expect(page.locator("#f-reason")).to_be_focused()
    shot(page, "reopen-form")

    # Without a reason: the error summary links to the field.
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Give the reason")
    run_axe(page)
    shot(page, "reopen-error")

    page.locator("#f-reason").focus()
    page.keyboard.type(REASON)
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/incidents/{incident.reference}/")
    expect(page.locator("main")).to_contain_text("A re-THRIVE is due now.")
    expect(page.locator("main")).to_contain_text(REASON)
    expect(page.get_by_role("heading", name="Close the incident")).to_be_visible()
    run_axe(page)
    shot(page, "reopen-done")
    assert Incident.objects.get(pk=incident.pk).status == Status.OPEN
