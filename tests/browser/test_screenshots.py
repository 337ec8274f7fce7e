"""The main page of each role, saved to docs/screenshots/ at 1280 px wide for the README.

`make screenshots` runs only this (`-k screenshots`); the normal suite runs it too, so the
pictures never drift from the pages, and every page is axe-checked on the way.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from casework.services import assessment_record
from tests.browser.support import BROWSER, VIEWPORT, login, run_axe
from tests.factories import UserFactory, complete_answers, make_incident

pytestmark = BROWSER

# `make screenshots` sets UPDATE_SCREENSHOTS and refreshes the README's pictures; the normal
# suite still takes them (every page must render) but into a scratch folder, so that a test
# run leaves the working tree clean.
SCREENSHOTS = (
    Path(settings.BASE_DIR) / "docs" / "screenshots"
    if os.environ.get("UPDATE_SCREENSHOTS")
    else Path(tempfile.gettempdir()) / "thrive-screenshots"
)


def shoot(page: Page, name: str, *, screen_height: int = 0) -> None:
    """Axe-check the page as it stands, then save it: whole, or (screen_height) one screen of
    that height from the top, as the user sees it (a sticky bar where it stands, not halfway
    down a full-page capture)."""
    expect(page.locator("main h1")).to_be_visible()
    run_axe(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # Keep the caret and any focus ring out of the picture.
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    if screen_height:
        page.set_viewport_size({"width": VIEWPORT["width"], "height": screen_height})
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=not screen_height, animations="disabled", caret="hide")
    if screen_height:
        page.set_viewport_size(VIEWPORT)


def sign_out(page: Page) -> None:
    page.context.clear_cookies()


def test_screenshots_of_each_role_main_page(page: Page):
    now = timezone.now()
    handler = UserFactory(handler=True, username="spatel", full_name="Sam Patel")
    supervisor = UserFactory(supervisor=True, username="jclarke", full_name="Jo Clarke")
    trainer = UserFactory(trainer=True, username="aokafor", full_name="Ade Okafor")
    analyst = UserFactory(analyst=True, username="mreid", full_name="Morgan Reid")

    # A handler's day: an overdue re-THRIVE, one assessed, one with a draft under way.
    make_incident(handler=handler, category="concern_for_safety", opened_at=now - timedelta(hours=5))
    assessed = make_incident(handler=handler, category="domestic_abuse", assessed=True, children_involved=False)
    drafting = make_incident(handler=handler, category="burglary_dwelling", opened_at=now - timedelta(minutes=6))
    assessment_record(
        incident=drafting,
        author=handler,
        data={
            key: value
            for key, value in complete_answers(children_involved=True, voice_of_child="").items()
            if key in {"threat", "harm", "children_involved", "voice_of_child", "risk"}
        },
        submit=False,
    )
    make_incident(handler=handler, closed=True, opened_at=now - timedelta(hours=3))

    login(page, handler)
    shoot(page, "handler-home")
    page.goto(f"/incidents/{assessed.reference}/")
    shoot(page, "incident")
    page.goto(f"/thrive/incidents/{drafting.reference}/assessment/")
    expect(page.locator("#f-voice-of-child")).to_be_visible()
    shoot(page, "assessment-form", screen_height=1400)
    sign_out(page)

    login(page, supervisor)
    shoot(page, "supervisor-home")
    sign_out(page)

    login(page, trainer)
    run_axe(page)
    page.goto("/thrive/prompt-wording/")
    shoot(page, "trainer-wording")
    sign_out(page)

    login(page, analyst)
    shoot(page, "analyst-home")
