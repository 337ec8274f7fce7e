"""A supervisor returns the assessment of a closed incident at review; its author revises
it and the revision is appended as a late version, the incident still closed (issue 15;
docs/RETURNS_AND_WORDING.md, "Late returns")."""

import re
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect

from incidents.models import Incident, Status
from tests.browser.support import BROWSER, login, run_axe
from tests.factories import make_incident

pytestmark = BROWSER

SHOTS = Path(tempfile.gettempdir()) / "thrive-screenshots"
FEEDBACK = "Say which prevention advice you gave before closing."
REVISED = "Advised on door chains, and gave the Victim Support number."


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_closed_incidents_assessment_is_returned_and_revised_late(page: Page, supervisor, handler):
    incident = make_incident(handler=handler, closed=True)
    version = incident.assessments.get(version=1)

    login(page, supervisor)
    run_axe(page)
    page.goto(f"/thrive/reviews/{version.pk}/")
    run_axe(page)
    page.get_by_label("Poor quality").check()
    page.get_by_role("group", name="Sections to revise").get_by_label("Prevention").check()
    page.get_by_label(re.compile("^Feedback for")).fill(FEEDBACK)
    page.get_by_role("button", name="Return assessment").click()
    page.wait_for_url("**/thrive/reviews/")
    expect(page.get_by_role("table", name="Each open return")).to_contain_text("Closed: late revision")
    run_axe(page)
    shot(page, "late-return-queue")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")
    run_axe(page, once_per_session=True)

    login(page, handler)
    run_axe(page)
    main = page.locator("main")
    expect(main).to_contain_text("Your revision is added as a late version.")
    shot(page, "late-return-home")
    page.get_by_role("link", name=f"Revise {incident.reference} version 1").first.click()
    page.wait_for_url(re.compile(r"/thrive/returned/\d+/revise/$"))
    run_axe(page)
    page.locator("#f-prevention-advice").fill(REVISED)
    page.locator("#f-prevention-send-link-no").check()
    page.get_by_role("button", name="Submit revised assessment").click()
    page.wait_for_url(f"**/incidents/{incident.reference}/")
    expect(main).to_contain_text("Late: after closure")
    expect(main).to_contain_text("Late THRIVE-SP assessment version 2")
    run_axe(page)
    shot(page, "late-return-incident")
    assert Incident.objects.get(pk=incident.pk).status == Status.CLOSED
    assert incident.assessments.get(version=2).late
