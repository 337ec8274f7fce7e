"""The overdue list (issue 15, "overdue lists show the current owner"): a supervisor sees on
their home page the team's incidents whose re-THRIVE is overdue, with whoever holds each now
(after a handover, not the handler who opened it), follows the link to the full list and
opens one, by keyboard. Each page is axe-checked and photographed to a scratch folder."""

import re
import tempfile
from datetime import timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from incidents.handover import incident_handover
from incidents.models import Incident
from tests.browser.support import BROWSER, login, run_axe, tab_to
from tests.factories import TeamFactory, UserFactory, make_incident

pytestmark = BROWSER

SHOTS = Path(tempfile.gettempdir()) / "thrive-screenshots"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_supervisor_sees_the_overdue_re_thrives_with_their_owners_and_opens_one(page: Page, supervisor, handler):
    colleague = UserFactory(handler=True, username="colleague", full_name="Chris Colleague")
    long_ago = timezone.now() - timedelta(hours=6)
    handed = make_incident(handler=handler, assessed=True, opened_at=long_ago)
    kept = make_incident(handler=handler, assessed=True, opened_at=long_ago)
    not_due = make_incident(handler=handler, assessed=True)  # assessed just now: due later
    # Another team's overdue incident is not this supervisor's to see on their list.
    red_handler = UserFactory(handler=True, team=TeamFactory(name="Red Watch"))
    elsewhere = make_incident(handler=red_handler, assessed=True, opened_at=long_ago)
    incident_handover(actor=handler, to="colleague", references=[handed.reference])
    assert Incident.objects.get(pk=handed.pk).owner == colleague

    login(page, supervisor)
    run_axe(page)
    home = page.get_by_role("table", name="Re-THRIVE overdue in your team")
    expect(home).to_be_visible()
    expect(home).to_contain_text(handed.reference)
    expect(home).to_contain_text(kept.reference)
    expect(home).not_to_contain_text(not_due.reference)
    expect(home).not_to_contain_text(elsewhere.reference)
    # The owner column names who holds each incident now.
    expect(home.get_by_role("row", name=re.compile(handed.reference))).to_contain_text(colleague.display_name)
    expect(home.get_by_role("row", name=re.compile(kept.reference))).to_contain_text(handler.display_name)
    shot(page, "overdue-home")

    # By keyboard to the full list.
    tab_to(page, "main a[href*='overdue=true']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/incidents/\?.*overdue=true"))
    run_axe(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Re-THRIVE overdue")
    expect(page.locator("#f-overdue")).to_be_checked()
    # The menu marks one page as current: the overdue list, not also the plain incident list.
    current = page.get_by_role("navigation", name="Menu").locator("[aria-current=page]")
    expect(current).to_have_count(1)
    expect(current).to_have_text("Re-THRIVE overdue")
    table = page.locator("main table")
    expect(table).to_contain_text(handed.reference)
    expect(table).to_contain_text(kept.reference)
    expect(table).not_to_contain_text(not_due.reference)
    expect(table).not_to_contain_text(elsewhere.reference)
    row = table.get_by_role("row", name=re.compile(handed.reference))
    expect(row).to_contain_text(colleague.display_name)
    expect(row).not_to_contain_text(handler.display_name)
    shot(page, "overdue-list")

    # Open the handed-over incident from the list: it says the re-THRIVE is overdue and who has it.
    tab_to(page, f"main table a[href*='{handed.reference}']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/incidents/{handed.reference}/")
    run_axe(page)
    main = page.locator("main")
    expect(main).to_contain_text(re.compile(r"overdue", re.IGNORECASE))
    expect(main).to_contain_text(f"{colleague.display_name} (handed over; opened by")
    shot(page, "overdue-incident")
