"""The prevention advice editor (victims/advice.py): a trainer changes one category's link
and the wording of its text by keyboard; an address that is not https and an empty wording
are refused with the errors named and linked, nothing saved; corrected, the advice is saved
and the list shows it. Each page is axe-checked and photographed to a scratch folder."""

import re
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.support import BROWSER, focused, login, run_axe, tab_to
from victims.models import PreventionAdvice

pytestmark = BROWSER

SHOTS = Path(tempfile.gettempdir()) / "thrive-screenshots"
NEW_URL = "https://www.example-police.uk/advice/burglary/after-a-burglary"
NEW_WORDING = "Thank you for calling us. How to make your home safer after a burglary:"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def replace(page: Page, selector: str, text: str) -> None:
    """Tab to the field, select what it holds and type over it, as a keyboard user does."""
    tab_to(page, selector)
    page.keyboard.press("Control+A")
    if text:
        page.keyboard.type(text)
    else:
        page.keyboard.press("Delete")


def test_a_trainer_edits_prevention_advice_with_errors_first(page: Page, trainer):
    advice = PreventionAdvice.objects.select_related("category").get(category__code="burglary_dwelling")
    before = (advice.title, advice.url, advice.message, advice.active)
    name = advice.category.name

    login(page, trainer)
    run_axe(page)
    tab_to(page, "nav a[href='/victims/advice/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/victims/advice/")
    run_axe(page)
    row = page.get_by_role("row", name=re.compile(re.escape(name)))
    expect(row).to_contain_text(advice.message)
    shot(page, "advice-list")

    tab_to(page, f"a[href='/victims/advice/{advice.pk}/']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/victims/advice/{advice.pk}/")
    run_axe(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_label("Advice page address")).to_have_value(advice.url)
    shot(page, "advice-edit")

    # A plain-http address and no wording: both refused, named in the summary, nothing saved.
    replace(page, "#f-url", "http://www.example-police.uk/advice")
    replace(page, "#f-message", "")
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter the full https:// address of the advice page")
    expect(summary).to_contain_text("Enter the wording of the text")
    expect(page.locator("#f-url")).to_have_value("http://www.example-police.uk/advice")  # kept to correct
    run_axe(page)
    shot(page, "advice-errors")
    advice.refresh_from_db()
    assert (advice.title, advice.url, advice.message, advice.active) == before

    # The summary's link takes the focus to the field.
    tab_to(page, ".govuk-error-summary a[href='#f-url']")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "f-url"

    replace(page, "#f-url", NEW_URL)
    replace(page, "#f-message", NEW_WORDING)
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/victims/advice/")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(f"Prevention advice for {name} saved.")
    row = page.get_by_role("row", name=re.compile(re.escape(name)))
    expect(row).to_contain_text(NEW_WORDING)
    expect(row.get_by_role("link", name=NEW_URL)).to_have_attribute("href", NEW_URL)
    expect(row).to_contain_text("In use")
    run_axe(page)
    shot(page, "advice-saved")

    advice.refresh_from_db()
    assert (advice.title, advice.url, advice.message, advice.active) == (before[0], NEW_URL, NEW_WORDING, True)
