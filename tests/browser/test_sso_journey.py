"""Issue 17, done when: a browser signs in through the local OpenID provider (tests/oidc.py)
and lands on the right role's home; a disabled account is refused; SSO_ONLY hides the
password form. Real Chromium, the real provider's pages, keyboard only."""

import os
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from playwright.sync_api import Page, expect

from tests.browser.support import BROWSER, run_axe
from tests.factories import UserFactory

pytestmark = BROWSER

SCREENSHOTS = (
    Path(settings.BASE_DIR) / "docs" / "screenshots"
    if os.environ.get("UPDATE_SCREENSHOTS")
    else Path(tempfile.gettempdir()) / "thrive-screenshots"
)


def _through_the_provider(page: Page, provider_url: str, sub: str) -> None:
    """From our sign-in page, by keyboard: the force account button, then the provider's own
    page (not ours, so not axe-checked here) where the person says who they are."""
    page.goto("/login/")
    run_axe(page)
    button = page.get_by_role("button", name="Sign in with your force account")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{provider_url}/oauth2/authorize**")
    expect(page.locator("input[name=sub]")).to_be_focused()
    page.keyboard.type(sub)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: not url.startswith(provider_url))


def test_staff_sign_in_through_their_force_account_and_land_on_their_role_home(page: Page, sso):
    supervisor = UserFactory(supervisor=True, username="jo.clarke", full_name="Jo Clarke")
    analyst = UserFactory(analyst=True, username="morgan.reid", full_name="Morgan Reid")
    sso.person("sub-jo", preferred_username="jo.clarke")
    sso.person("sub-morgan", preferred_username="morgan.reid")

    page.goto("/login/")
    run_axe(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "sso-login.png", full_page=True)

    for user, sub, role_label in ((supervisor, "sub-jo", "Supervisor"), (analyst, "sub-morgan", "Analyst")):
        _through_the_provider(page, sso.url, sub)

        assert urlparse(page.url).path == "/", role_label
        run_axe(page)
        expect(page.locator("header")).to_contain_text(f"{user.display_name} · {role_label}")
        expect(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Home")).to_have_attribute(
            "aria-current", "page"
        )

        # Signing out ends the provider's session too, then comes back to our sign-in page.
        page.get_by_role("button", name="Sign out").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(f"{sso.url}/oauth2/end_session**")
        page.get_by_role("button", name="End session").focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/login/")
        run_axe(page, once_per_session=True)
        expect(page.get_by_role("button", name="Sign in with your force account")).to_be_visible()


def test_a_disabled_account_is_refused_with_a_clear_page(page: Page, sso):
    UserFactory(handler=True, username="leaver", full_name="Lee Leaver", is_active=False)
    sso.person("sub-leaver", preferred_username="leaver")

    _through_the_provider(page, sso.url, "sub-leaver")

    assert urlparse(page.url).path == "/login/sso/callback/"
    run_axe(page)
    expect(page.locator("main h1")).to_have_text("You cannot sign in to THRIVE-SP")
    expect(page.locator("main")).to_contain_text("Your THRIVE-SP account has been turned off.")
    expect(page.locator("main")).to_contain_text("leaver")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)  # not signed in
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "sso-refused.png", full_page=True)


def test_sso_only_hides_the_password_form(page: Page, sso, settings):
    settings.SSO_ONLY = True
    settings.BREAK_GLASS_USERNAMES = ["duty-admin"]

    page.goto("/login/")
    run_axe(page)

    expect(page.get_by_role("button", name="Sign in with your force account")).to_be_visible()
    expect(page.locator("input[type=password]")).to_have_count(0)
    expect(page.get_by_label("Username")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("THRIVE-SP passwords are turned off")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "sso-only-login.png", full_page=True)

    # The break-glass page keeps the form for the duty administrator.
    page.get_by_role("link", name="Emergency sign-in for the duty administrator").click()
    page.wait_for_url("**/login/break-glass/")
    run_axe(page)
    expect(page.locator("input[type=password]")).to_have_count(1)
