"""Real-browser tests: Playwright driving Debian's Chromium against pytest-django's live server
on the real test database (see ../shared/STACK.md for why each launch option is here).

Every test module here starts with

    from tests.browser.support import BROWSER
    pytestmark = BROWSER

(the `browser` mark, and a committed database flushed after each test with the migrations'
data put back). Helpers to import: login, run_axe, tab_to, focused (support.py).

Each journey must run `axe_check(page)` on every page it visits: the `page` fixture records
every document the tab loads and fails the test at teardown if one was never checked.
"""

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import TRACK_DOCUMENTS, VIEWPORT, login, run_axe

# Playwright's sync API runs an event loop in the test's thread; Django refuses ORM calls
# from a thread with a running loop unless told this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": VIEWPORT, "locale": "en-GB", "timezone_id": "Europe/London"}


@pytest.fixture
def page(context) -> Iterator[Page]:
    context.add_init_script(TRACK_DOCUMENTS)
    page = context.new_page()
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)
    yield page
    if page.is_closed() or not page.url.startswith("http"):
        return
    seen = page.evaluate("() => JSON.parse(sessionStorage.getItem('__docs') || '[]')")
    checked = set(page.evaluate("() => JSON.parse(sessionStorage.getItem('__axe') || '[]')"))
    missed = [doc["url"] for doc in seen if doc["id"] not in checked]
    assert not missed, f"pages visited without an axe check: {missed}"


@pytest.fixture
def axe_check() -> Callable[[Page], None]:
    return run_axe


@pytest.fixture
def signed_in(page: Page) -> Callable[[Any], Page]:
    """signed_in(user) -> the page, signed in and on the user's home page (axe-checked)."""

    def sign_in(user: Any) -> Page:
        login(page, user)
        run_axe(page)
        return page

    return sign_in
