"""An incident's texts in a real browser (issue 18): the incident's page shows the latest
five, newest first, and a handler reaches every older text by keyboard, a page at a time;
axe finds nothing serious. A screenshot goes to docs/screenshots/incident-texts.png."""

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.support import BROWSER, VIEWPORT, login, run_axe
from tests.factories import make_incident, make_texts
from victims import views
from victims.models import TextStatus

pytestmark = BROWSER
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "incident-texts.png"


def test_a_handler_reads_the_latest_texts_then_every_older_one(page: Page, handler, monkeypatch):
    monkeypatch.setattr(views, "TEXTS_PAGE", 4)
    incident = make_incident(handler=handler)
    make_texts(incident, 7, status=TextStatus.DELIVERED)
    login(page, handler)
    run_axe(page)
    page.set_viewport_size(VIEWPORT)
    page.goto(f"/incidents/{incident.reference}/")
    texts = page.locator("#texts")
    expect(texts.get_by_text("The latest 5 of 7 texts.")).to_be_visible()
    expect(texts.get_by_role("link", name="https://example.org/advice?text=7")).to_be_visible()
    expect(texts.get_by_role("link", name="https://example.org/advice?text=3", exact=True)).to_be_visible()
    expect(texts.get_by_role("link", name="https://example.org/advice?text=2", exact=True)).to_have_count(0)
    run_axe(page)

    texts.get_by_role("link", name="All 7 texts").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/victims/incidents/{incident.reference}/texts/all/")
    expect(page.locator("main h1")).to_have_text("Prevention advice texts")
    run_axe(page)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("text=7")

    page.get_by_role("link", name="Show older texts").focus()
    page.keyboard.press("Enter")
    expect(page.locator("main h1")).to_have_text("Older prevention advice texts")
    expect(rows).to_have_count(3)
    expect(rows.last).to_contain_text("text=1")
    expect(page.get_by_text("The first text is the last in this list.")).to_be_visible()
    run_axe(page)
    page.get_by_role("link", name="Back to the newest texts").focus()
    page.keyboard.press("Enter")
    expect(page.locator("main h1")).to_have_text("Prevention advice texts")
    run_axe(page)
