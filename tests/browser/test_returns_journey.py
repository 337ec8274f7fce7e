"""A supervisor returns an assessment; its author finds it in "Returned to me", revises it, and
the return clears (PRODUCT.md rule 8; docs/RETURNS_AND_WORDING.md)."""

import re

from playwright.sync_api import Page, expect

from tests.browser.support import BROWSER, login, run_axe
from tests.factories import make_incident
from thrive.models import AssessmentReturn, AssessmentStatus

pytestmark = BROWSER

FEEDBACK = "Say which advice you gave: doors, windows, and when to call 999."
REVISED = "Advised to lock doors and windows, keep the phone charged, and call 999 if he returns."


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/login/")
    run_axe(page, once_per_session=True)


def menu(page: Page):
    return page.get_by_role("navigation", name="Menu")


def test_supervisor_returns_and_the_handler_revises(page: Page, supervisor, handler):
    incident = make_incident(handler=handler, assessed=True)
    returned_version = incident.assessments.get(version=1)

    # The supervisor finds it in the review queue and returns it, Prevention named.
    login(page, supervisor)
    run_axe(page)
    menu(page).get_by_role("link", name="Review queue").click()
    page.wait_for_url("**/thrive/reviews/")
    run_axe(page)
    page.get_by_role("link", name=f"Review {incident.reference} version 1").click()
    page.wait_for_url(f"**/thrive/reviews/{returned_version.pk}/")
    run_axe(page)

    # Returning with nothing chosen: the error summary names each field.
    page.get_by_role("button", name="Return assessment").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link")).not_to_have_count(0)
    run_axe(page)

    page.get_by_label("Poor quality").check()
    page.get_by_role("group", name="Sections to revise").get_by_label("Prevention").check()
    page.get_by_label(re.compile("^Feedback for")).fill(FEEDBACK)
    page.get_by_role("button", name="Return assessment").click()
    page.wait_for_url("**/thrive/reviews/")
    expect(page.get_by_text(f"returned to {handler.display_name}")).to_be_visible()
    expect(page.get_by_role("link", name=f"Review {incident.reference} version 1")).to_have_count(0)
    expect(page.get_by_role("table", name="Each open return")).to_contain_text(incident.reference)
    run_axe(page)
    sign_out(page)

    # The handler sees the count on every page and the return on the home page.
    login(page, handler)
    run_axe(page)
    returned_link = menu(page).get_by_role("link", name="Returned to me (1)")
    expect(returned_link).to_be_visible()
    expect(page.locator("main")).to_contain_text("Returned to you")
    returned_link.click()
    page.wait_for_url("**/thrive/returned/")
    run_axe(page)
    expect(page.locator("main table")).to_contain_text(FEEDBACK)
    page.get_by_role("link", name=f"Revise {incident.reference} version 1").click()
    page.wait_for_url(re.compile(r"/thrive/returned/\d+/revise/$"))
    run_axe(page)

    # The feedback sits beside Prevention only; the form is prefilled from version 1.
    feedback = page.locator("[data-feedback-for]")
    expect(feedback).to_have_count(1)
    expect(page.get_by_role("complementary", name="Feedback on Prevention")).to_contain_text(FEEDBACK)
    expect(page.locator("#f-threat")).to_have_value(returned_version.answers["threat"])
    advice = page.locator("#f-prevention-advice")
    expect(advice).to_have_value(returned_version.answers["prevention"]["advice"])
    advice.fill(REVISED)
    # Whether to text is asked afresh on every version (rule 12): it is not carried over.
    expect(page.locator("#f-prevention-send-link-no")).not_to_be_checked()
    page.locator("#f-prevention-send-link-no").check()
    page.get_by_role("button", name="Submit revised assessment").click()

    # Version 2 submitted, the return cleared, the count back to nothing.
    page.wait_for_url(f"**/incidents/{incident.reference}/")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("return cleared")
    expect(menu(page).get_by_role("link", name="Returned to me (0)")).to_be_visible()
    run_axe(page)
    menu(page).get_by_role("link", name="Returned to me (0)").click()
    page.wait_for_url("**/thrive/returned/")
    expect(page.locator("main")).to_contain_text("Nothing has been returned to you.")
    run_axe(page)

    revised = incident.assessments.get(version=2)
    assert revised.status == AssessmentStatus.SUBMITTED
    assert revised.answers["prevention"]["advice"] == REVISED
    assert AssessmentReturn.objects.get(assessment=returned_version).resolved_at is not None
