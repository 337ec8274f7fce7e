"""The force's closure policy in the browser (issue 15): an abandoned 999 call closes only
with its risk decision, and a supervisor closes an incident whose re-THRIVE is overdue by
recording the decision. The close panel is photographed (scratch folder, or docs/screenshots/
with UPDATE_SCREENSHOTS, as tests/browser/test_screenshots.py does)."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from incidents.models import Incident, Status
from incidents.services import incident_create
from tests.browser.support import BROWSER, login, run_axe
from tests.browser.test_screenshots import SCREENSHOTS
from tests.factories import make_incident

pytestmark = BROWSER


def test_an_abandoned_999_call_closes_with_its_risk_decision(page: Page, handler):
    incident = incident_create(
        actor=handler, channel="999", category="concern_for_safety", grading="immediate", summary="Silent 999 call"
    )
    login(page, handler)
    run_axe(page)
    page.goto(f"/incidents/{incident.reference}/")
    run_axe(page)
    attempts = page.get_by_label("Call-back attempts")
    expect(attempts).to_be_hidden()  # only for exempt codes
    page.get_by_label("Closure code").select_option("abandoned_no_trace")
    expect(attempts).to_be_visible()
    page.get_by_label("Reason for closing without an assessment").fill("Caller hung up; no trace.")
    page.get_by_role("button", name="Close incident").click()
    summary = page.locator("#close-panel .govuk-error-summary")
    expect(summary).to_contain_text("enter how many times the caller was called back")
    run_axe(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#close-panel").screenshot(path=SCREENSHOTS / "close-risk-decision.png", animations="disabled")

    page.get_by_label("Call-back attempts").fill("2")
    page.get_by_label("Outcome of the call-backs and your decision").fill(
        "Rang back twice, voicemail; address checks found nothing. No risk identified."
    )
    page.get_by_role("button", name="Close incident").click()
    page.wait_for_url(f"**/incidents/{incident.reference}/")
    expect(page.get_by_text("Called back 2 times.")).to_be_visible()
    run_axe(page)
    assert Incident.objects.get(pk=incident.pk).status == Status.CLOSED


def test_a_supervisor_closes_an_overdue_incident_with_a_recorded_decision(page: Page, handler, supervisor):
    incident = make_incident(handler=handler, assessed=True, opened_at=timezone.now() - timedelta(hours=6))
    login(page, supervisor)
    run_axe(page)
    page.goto(f"/incidents/{incident.reference}/")
    run_axe(page)
    page.get_by_label("Closure code").select_option("attended_resolved")
    decision = page.get_by_label("Your decision to close without a fresh re-THRIVE")
    expect(decision).to_be_visible()
    decision.fill("Officers attended and resolved it; a re-THRIVE would add nothing.")
    page.locator("#close-panel").screenshot(path=SCREENSHOTS / "close-overdue-decision.png", animations="disabled")
    page.get_by_role("button", name="Close incident").click()
    page.wait_for_url(f"**/incidents/{incident.reference}/")
    expect(page.get_by_text(re.compile("Supervisor's decision"))).to_be_visible()
    run_axe(page)
    closed = Incident.objects.get(pk=incident.pk)
    assert (closed.status, closed.overdue_decision_by) == (Status.CLOSED, supervisor)
