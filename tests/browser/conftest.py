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
from pytest_django.plugin import blocking_manager_key

from tests.browser.support import TRACK_DOCUMENTS, VIEWPORT, login, run_axe
from tests.oidc import oidc_provider, sso  # noqa: F401  (single sign-on fixtures)

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
    # Generous: CI shares two cores with the database and the live server.
    page.set_default_timeout(30_000)
    expect.set_options(timeout=30_000)
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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Leave the database as the migrations left it. A browser test's transactional flush
    empties every table, migrations' data included (prompt wording, categories, closure codes);
    serialized_rollback puts it back only for the next test that asks. A transactional test
    elsewhere that runs after these (pytest-django runs them after the plain ones) would find
    no wording and no categories, so the data goes back now."""
    yield
    if nextitem is None or item.get_closest_marker("browser") is None:
        return  # the last test: the test database is already gone
    from django.db import connections

    connection = connections["default"]
    contents = getattr(connection, "_test_serialized_contents", None)
    if contents and connection.settings_dict["NAME"].startswith("test_"):
        with item.config.stash[blocking_manager_key].unblock():
            connection.creation.deserialize_db_from_string(contents)
