"""Rule 13 in a real browser: a supervisor on watch sees a high-risk alert appear on their
home page without a reload, acknowledges it by keyboard, records what they did, and sees a
colleague's acknowledgement of another alert arrive the same way."""

import re

from playwright.sync_api import Page, expect

from alerts.models import Alert
from alerts.services import alert_acknowledge
from tests.browser.support import BROWSER, login, run_axe, tab_to
from tests.browser.test_screenshots import SCREENSHOTS, shoot
from tests.factories import TeamFactory, UserFactory, make_incident

pytestmark = BROWSER


def test_a_supervisor_sees_an_alert_arrive_and_acknowledges_it(page: Page, settings):
    settings.ALERT_POLL_SECONDS = 1
    blue = TeamFactory(name="Blue Watch")
    ada = UserFactory(supervisor=True, username="ada", full_name="Ada Supervisor", team=blue)
    bea = UserFactory(supervisor=True, username="bea", full_name="Bea Supervisor", team=blue)
    hal = UserFactory(handler=True, username="hal", full_name="Hal Handler", team=blue)

    login(page, ada)
    run_axe(page)
    # Start the watch by keyboard.
    tab_to(page, "form[action='/alerts/watch/start/'] button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/")
    expect(page.get_by_text("You are on watch since")).to_be_visible()
    expect(page.get_by_text("No alerts for you.")).to_be_visible()
    run_axe(page)
    page.evaluate("() => { window.__sameDocument = true; }")

    # A handler submits a high-risk assessment: the alert appears with no reload.
    incident = make_incident(handler=hal, assessed=True, risk_level="high")
    banner = page.get_by_role("region", name="Alerts")
    expect(banner).to_contain_text(incident.reference)
    expect(banner).to_contain_text("1 alert waiting for a supervisor")
    expect(banner).to_contain_text("High-risk assessment")
    assert page.evaluate("() => window.__sameDocument === true"), "the page reloaded"
    run_axe(page)
    shoot(page, "alerts-home-supervisor")

    # Acknowledge by keyboard: the panel says it is hers, and focus lands on that message.
    alert = Alert.objects.get(incident=incident)
    tab_to(page, f"form[action='/alerts/{alert.pk}/acknowledge/'] button")
    expect(page.locator(":focus")).to_have_accessible_name(f"Acknowledge the alert on {incident.reference}")
    page.keyboard.press("Enter")
    notice = page.locator("#alert-notice")
    expect(notice).to_contain_text(f"You acknowledged the alert on {incident.reference}: it is yours.")
    expect(notice).to_be_focused()
    expect(page.get_by_role("region", name="Alerts")).to_have_count(0)
    assert page.evaluate("() => window.__sameDocument === true")
    run_axe(page)
    assert Alert.objects.get(incident=incident).acknowledged_by == ada

    # A second alert, which Bea takes first: Ada's page says who owns it, still no reload.
    other = make_incident(handler=hal, assessed=True, risk_level="high")
    expect(page.get_by_role("region", name="Alerts")).to_contain_text(other.reference)
    alert_acknowledge(alert=Alert.objects.get(incident=other), actor=bea)
    expect(page.locator("#alert-panel")).to_contain_text(
        f"{other.reference} (high-risk assessment): Bea Supervisor owns it"
    )
    expect(page.get_by_role("region", name="Alerts")).to_have_count(0)
    assert page.evaluate("() => window.__sameDocument === true")
    run_axe(page)

    # Record what she did.
    page.get_by_role("link", name=f"Record what you did about {incident.reference}").click()
    page.wait_for_url(re.compile(r"/alerts/\d+/decision/$"))
    run_axe(page)
    page.get_by_role("button", name="Record decision").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    run_axe(page)
    page.get_by_label("Sent or upgraded a resource").check()
    page.get_by_label("What you did").fill("Upgraded to immediate; unit 4 sent.")
    shoot(page, "alerts-decision")
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_url("**/alerts/")
    expect(page.get_by_text(f"Your decision on the alert for {incident.reference} is recorded.")).to_be_visible()
    run_axe(page)

    # The report: this month, both alerts, with the time to acknowledge.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Alert report").click()
    page.wait_for_url("**/alerts/report/")
    run_axe(page)
    page.get_by_role("link", name=re.compile(r"^\w+ \d{4}$")).first.click()
    page.wait_for_url(re.compile(r"/alerts/report/\?month="))
    expect(page.locator("main")).to_contain_text("Sent or upgraded a resource: Upgraded to immediate; unit 4 sent.")
    shoot(page, "alerts-report")
    assert SCREENSHOTS.exists()
