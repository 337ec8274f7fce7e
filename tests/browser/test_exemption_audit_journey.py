"""The exemption audit (issue 15; docs/QA.md): a supervisor draws last month's sample with
the exempt closures beside it, audits one by keyboard (an error first, then the finding),
sees the progress and the dashboard's own exemption table; the handler reads the finding."""

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from qa.models import ExemptionCheck
from tests.browser.support import BROWSER, login, run_axe, tab_to
from tests.qa.factories import closed_incident

pytestmark = BROWSER
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def last_month() -> date:
    first = timezone.localdate().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def test_supervisor_audits_an_exempt_closure_and_the_handler_reads_it(page: Page, supervisor, handler):
    month = last_month()
    noon = datetime(month.year, month.month, 10, 12, tzinfo=UTC)
    closed_incident(handler=handler, closed_at=noon)
    closed_incident(handler=handler, closed_at=noon + timedelta(days=1), assessed=False)

    login(page, supervisor)
    run_axe(page)
    page.goto("/qa/samples/")
    run_axe(page)
    page.get_by_label("Month").fill(f"{month:%Y-%m}")
    page.get_by_label("Exempt closures to audit per handler").fill("1")
    page.get_by_role("button", name="Draw the sample").click()
    page.wait_for_url(re.compile(r"/qa/samples/\d+/$"))
    run_axe(page)
    expect(page.locator("#exemption-progress")).to_have_text("0 of 1 audited")
    expect(page.get_by_role("table", name="Exempt closures drawn for the audit")).to_contain_text(
        "Duplicate of another incident"
    )

    # By keyboard: to the audit link, the form; an empty answer is named, then the finding.
    tab_to(page, "a[href*='/qa/exemptions/']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/qa/exemptions/\d+/$"))
    run_axe(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("without an assessment justified?")
    expect(page.locator("dl").first).to_contain_text("Duplicate of an earlier call.")
    page.get_by_role("button", name="Record the finding").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say whether closing without an assessment")
    assert page.title().startswith("Error: ")
    run_axe(page)
    page.get_by_label("No, it needed an assessment").check()
    page.get_by_role("button", name="Record the finding").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why the exemption was not justified")
    run_axe(page)
    page.get_by_label(re.compile("^Feedback to")).fill("A caller who rang off is called back before we close.")
    page.screenshot(path=str(SCREENSHOTS / "exemption-audit.png"), full_page=True)
    page.get_by_role("button", name="Record the finding").click()
    page.wait_for_url(re.compile(r"/qa/samples/\d+/$"))
    run_axe(page)
    expect(page.locator("#exemption-progress")).to_have_text("1 of 1 audited")
    expect(page.get_by_role("table", name="Exempt closures drawn for the audit")).to_contain_text("Not justified")
    page.screenshot(path=str(SCREENSHOTS / "exemption-audit-sample.png"), full_page=True)
    check = ExemptionCheck.objects.get()
    assert (check.justified, check.reviewer_id) == (False, supervisor.pk)

    # The dashboard's own table, apart from the four measures.
    page.goto("/qa/")
    run_axe(page)
    table = page.get_by_role("table", name="Exemption audit")
    expect(table).to_contain_text("Exempt closures audited")
    expect(table).to_contain_text("0.0")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")
    run_axe(page, once_per_session=True)

    # The handler reads the finding with their QA feedback.
    login(page, handler)
    run_axe(page)
    page.goto("/qa/feedback/")
    run_axe(page)
    finding = page.locator(f"#exemption-{check.pk}")
    expect(finding).to_contain_text("Not justified")
    expect(finding).to_contain_text("called back before we close")
