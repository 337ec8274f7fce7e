"""The CAD's deep link in a real browser: a handler clicks the link on the CAD's screen and
lands on the assessment form; a link to an incident the CAD has not sent yet says so; the
adapter's account cannot sign in to pages. Each page axe-checked and photographed."""

from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from accounts.models import Role
from incidents.models import Incident
from tests.browser.support import BROWSER, login, run_axe
from tests.browser.test_screenshots import shoot
from tests.factories import PASSWORD, UserFactory, make_incident

pytestmark = BROWSER


def test_the_deep_link_opens_the_form_or_says_the_incident_has_not_arrived(page: Page):
    handler = UserFactory(handler=True, username="spatel", full_name="Sam Patel")
    incident = make_incident(handler=handler)
    Incident.objects.filter(pk=incident.pk).update(cad_ref="STORM/0042/30NOV")
    login(page, handler)
    run_axe(page)  # the home page signing in lands on

    page.goto("/cad/STORM/0099/30NOV/")
    expect(page.locator("h1")).to_have_text("This incident has not arrived from the CAD yet")
    expect(page.locator("main")).to_contain_text("STORM/0099/30NOV")
    shoot(page, "cad-not-arrived")

    page.goto("/cad/STORM/0042/30NOV/")
    page.wait_for_url(f"**/thrive/incidents/{incident.reference}/assessment/")
    run_axe(page)


def test_the_adapters_account_is_told_it_cannot_sign_in_here(page: Page, live_server):
    adapter = UserFactory(role=Role.INTEGRATION, username="storm-adapter", full_name="STORM adapter", team=None)

    page.goto("/login/")
    run_axe(page, once_per_session=True)
    page.fill("#id_username", "storm-adapter")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-error-summary")).to_contain_text("CAD integration account")
    shoot(page, "cad-integration-sign-in-refused")

    # Signed in all the same (an administrator's mistake, single sign-on): every page is
    # refused with a page that says why.
    client = Client()
    client.force_login(adapter)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    response = page.goto("/incidents/")
    assert response is not None
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("This account cannot use these pages")
    shoot(page, "cad-integration-page-refused")
