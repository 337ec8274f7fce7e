"""Issue 18: a long incident's page shows its latest entries and versions, and a handler
reaches the older ones by keyboard alone: Tab to "Show older entries", Enter, and again on
the log's pages until the first entry; "All versions of the assessment" likewise. Each page
is axe-checked and photographed to a scratch folder."""

import re
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect

from incidents.selectors import LOG_PAGE, LOG_SHOWN
from tests.browser.support import BROWSER, login, run_axe, tab_to
from tests.factories import grow_history, make_incident

pytestmark = BROWSER

SHOTS = Path(tempfile.gettempdir()) / "thrive-screenshots"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_handler_reaches_the_first_entry_of_a_long_log_by_keyboard(page: Page, handler):
    incident = make_incident(handler=handler, assessed=True, versions=2)
    grow_history(incident, versions=58, entries=100)
    total = incident.entries.count()
    newest = incident.entries.order_by("-at", "-id").first()

    login(page, handler)
    run_axe(page)
    page.goto(f"/incidents/{incident.reference}/")
    run_axe(page)
    log = page.locator("ol.app-timeline")
    expect(log.locator("> li")).to_have_count(LOG_SHOWN)
    expect(log.locator("> li").first).to_contain_text(newest.text)
    expect(page.get_by_role("row")).to_have_count(1 + 5)  # the header and the latest five versions
    expect(page.get_by_role("row").nth(1)).to_contain_text("Version 60")
    shot(page, "incident-history-detail")

    seen = LOG_SHOWN
    pages = 0
    while True:
        link = page.get_by_role("link", name=re.compile("^Show older entries"))
        if link.count() == 0:
            break
        tab_to(page, "a[data-older-entries]")
        href = link.get_attribute("href")
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url, href=href: url.endswith(href))
        run_axe(page)
        pages += 1
        expect(page.get_by_role("heading", level=1)).to_have_text("Older log entries")
        rows = page.locator("ol.app-timeline > li").count()
        assert 0 < rows <= LOG_PAGE
        seen += rows
        if pages == 1:
            shot(page, "incident-history-older-entries")
    assert seen == total
    expect(page.locator("ol.app-timeline > li").last).to_contain_text("Opened")
    expect(page.get_by_text("The start of the log.")).to_be_visible()

    # Back to the incident, then every version by keyboard.
    tab_to(page, "a.govuk-back-link")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/incidents/{incident.reference}/$"))
    run_axe(page)
    tab_to(page, "a[href$='/versions/']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/versions/$"))
    run_axe(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Versions of the assessment")
    expect(page.get_by_role("row")).to_have_count(1 + 50)
    shot(page, "incident-history-versions")
    tab_to(page, "a[href*='/versions/?before=']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/versions/\?before=11$"))
    run_axe(page)
    expect(page.get_by_role("row")).to_have_count(1 + 10)
    expect(page.get_by_role("row").last).to_contain_text("Version 1")
    expect(page.get_by_text("Version 1 is the first.")).to_be_visible()
