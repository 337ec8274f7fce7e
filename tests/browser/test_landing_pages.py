"""Trainers and analysts sign in and land on their own home pages."""

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.support import BROWSER

pytestmark = BROWSER


@pytest.mark.parametrize(
    ("role", "role_label"),
    [("trainer", "Trainer"), ("analyst", "Analyst")],
)
def test_role_lands_on_its_home_page(request, signed_in, role, role_label):
    user = request.getfixturevalue(role)

    page = signed_in(user)

    assert urlparse(page.url).path == "/"
    expect(page.locator("header")).to_contain_text(role_label)
    expect(page.locator("main h1")).to_be_visible()
    expect(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Home")).to_have_attribute(
        "aria-current", "page"
    )
    # Neither role works incidents: no "New incident" in their menu.
    expect(page.get_by_role("navigation", name="Menu").get_by_role("link", name="New incident")).to_have_count(0)
