"""Trainers and analysts sign in and land on their own home pages."""

from urllib.parse import urlparse

from playwright.sync_api import Page, expect

from tests.browser.support import BROWSER, login, run_axe

pytestmark = BROWSER


def test_trainer_and_analyst_sign_in_to_their_home_pages(page: Page, trainer, analyst):
    for user, role_label in ((trainer, "Trainer"), (analyst, "Analyst")):
        login(page, user)
        run_axe(page)

        assert urlparse(page.url).path == "/", role_label
        expect(page.locator("header")).to_contain_text(f"{user.display_name} · {role_label}")
        expect(page.locator("main h1")).to_be_visible()
        menu = page.get_by_role("navigation", name="Menu")
        expect(menu.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")
        # Neither role works incidents: no "New incident" in their menu.
        expect(menu.get_by_role("link", name="New incident")).to_have_count(0)

        page.get_by_role("button", name="Sign out").focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/login/")
        run_axe(page, once_per_session=True)
