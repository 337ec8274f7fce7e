"""The webhooks' admin pages in a real browser: an administrator adds a subscription by
keyboard and mouse, sees its secret once, and reads the delivery log (screenshots into the
scratch folder, as test_screenshots takes them)."""

from playwright.sync_api import Page, expect

from tests.browser.support import BROWSER, login
from tests.browser.test_screenshots import SCREENSHOTS
from tests.factories import UserFactory, make_incident
from webhooks.models import Delivery, Subscription

pytestmark = BROWSER


def test_an_administrator_subscribes_and_reads_the_delivery_log(page: Page, live_server, settings) -> None:
    admin = UserFactory(admin=True)
    login(page, admin)
    page.goto("/admin/webhooks/subscription/add/")
    page.get_by_label("Address (https)").fill("https://cad.example.police.uk/thrive-events")
    page.get_by_label("An incident is closed").check()
    page.get_by_label("An assessment is submitted").check()
    page.get_by_label("Description").fill("STORM adapter")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "admin-webhook-add.png", full_page=True)
    page.get_by_role("button", name="Save", exact=True).click()
    secret = Subscription.objects.get().secret
    expect(page.get_by_text(secret, exact=False)).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "admin-webhook-secret.png", full_page=True)
    page.reload()
    expect(page.get_by_text(secret, exact=False)).to_have_count(0)  # shown once

    make_incident(handler=UserFactory(handler=True), closed=True)
    assert Delivery.objects.count() == 2
    page.goto("/admin/webhooks/delivery/")
    expect(page.get_by_text("An incident is closed").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "admin-webhook-deliveries.png", full_page=True)
