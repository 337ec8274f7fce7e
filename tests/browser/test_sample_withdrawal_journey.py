"""Withdrawing a dip sample (docs/QA.md): a supervisor withdraws last month's sample before
any of it is graded, by keyboard; the dashboard's exemption audit no longer counts the exempt
closures it drew, the sample shows as withdrawn with nothing left to grade, and the month can
be drawn again. There is no withdrawal of one item, and no reason is asked: the service
withdraws whole ungraded samples only (see the journeys notes). Each page is axe-checked and
photographed to a scratch folder."""

import re
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from qa.models import Sample
from qa.services import sample_draw
from tests.browser.support import BROWSER, login, run_axe, tab_to
from tests.qa.factories import closed_incident

pytestmark = BROWSER

SHOTS = Path(tempfile.gettempdir()) / "thrive-screenshots"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def last_month() -> date:
    first = timezone.localdate().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def exempt_drawn(page: Page, month: date) -> str:
    """The dashboard's "Exempt closures drawn" figure for `month`, as the page shows it."""
    return page.evaluate(
        """(heading) => {
            const table = document.querySelector("#exemption-audit");
            const headers = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
            const column = headers.indexOf(heading);
            const row = [...table.querySelectorAll("tbody tr")].find(
                (tr) => tr.querySelector("th").textContent.trim() === "Exempt closures drawn");
            return row.children[column].textContent.trim();
        }""",
        f"{month:%b} {month:%Y}",
    )


def to_dashboard(page: Page) -> None:
    tab_to(page, "nav a[href='/qa/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/qa/")
    run_axe(page)


def test_a_supervisor_withdraws_an_ungraded_sample_and_the_figures_drop_it(page: Page, supervisor, handler):
    month = last_month()
    noon = datetime(month.year, month.month, 10, 12, tzinfo=UTC)
    incident = closed_incident(handler=handler, closed_at=noon)
    exempt = closed_incident(handler=handler, closed_at=noon + timedelta(days=1), assessed=False)
    sample = sample_draw(actor=supervisor, month=month, seed=7, exempt_per_handler=1)
    assert list(sample.items.values_list("incident_id", flat=True)) == [incident.pk]

    login(page, supervisor)
    run_axe(page)
    to_dashboard(page)
    assert exempt_drawn(page, month) == "1"

    tab_to(page, "nav a[href='/qa/samples/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/qa/samples/")
    run_axe(page)
    samples = page.get_by_role("table", name="Dip samples, newest month first")
    expect(samples).to_contain_text("In progress")

    tab_to(page, f"a[href='/qa/samples/{sample.pk}/']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/qa/samples/{sample.pk}/")
    run_axe(page)
    expect(page.locator("#progress")).to_have_text("0 of 1 graded")
    expect(page.get_by_role("table", name="Exempt closures drawn for the audit")).to_contain_text(exempt.reference)
    shot(page, "sample-before-withdrawal")

    expect(page.locator("#withdraw-hint")).to_contain_text("draw the month again")
    tab_to(page, f"form[action='/qa/samples/{sample.pk}/withdraw/'] button")
    expect(page.locator(":focus")).to_have_text("Withdraw this sample")
    page.keyboard.press("Enter")
    page.wait_for_url("**/qa/samples/")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"Dip sample for {month:%B %Y} withdrawn: you can draw it again."
    )
    expect(samples.get_by_role("row", name=re.compile(f"{month:%B %Y}"))).to_contain_text("Withdrawn")
    run_axe(page)
    shot(page, "sample-withdrawn-list")

    sample.refresh_from_db()
    assert sample.withdrawn_at is not None
    assert sample.withdrawn_by == supervisor

    # The withdrawn sample says so and offers nothing to grade or audit.
    page.goto(f"/qa/samples/{sample.pk}/")
    run_axe(page)
    expect(page.locator(".govuk-warning-text")).to_contain_text(f"Withdrawn by {supervisor.display_name}")
    expect(page.locator("main a[href*='/review/'], main a[href*='/qa/exemptions/']")).to_have_count(0)
    expect(page.get_by_role("button", name="Withdraw this sample")).to_have_count(0)
    shot(page, "sample-withdrawn-detail")

    # The dashboard no longer counts the exempt closure the withdrawn sample drew.
    to_dashboard(page)
    assert exempt_drawn(page, month) == "0"

    # The month can be drawn again: the form offers last month by default.
    page.goto("/qa/samples/")
    run_axe(page)
    expect(page.get_by_label("Month")).to_have_value(f"{month:%Y-%m}")
    tab_to(page, "form[action='/qa/samples/new/'] button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/qa/samples/\d+/$"))
    run_axe(page)
    expect(page.locator("#progress")).to_have_text("0 of 1 graded")
    live = Sample.objects.get(month=month, withdrawn_at__isnull=True)
    assert live.pk != sample.pk
    to_dashboard(page)
    assert exempt_drawn(page, month) == "1"
