"""A trainer records a training briefing (rule 9, training that is training): from the
header to the briefings list, the form refusing a missing topic and version, the attendees
picked from the keyboard, the briefing's page, and the trained / not-yet chart counting the
attendee as trained with the acknowledgement beside it."""

import re
import tempfile
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.support import BROWSER, run_axe
from tests.factories import UserFactory
from thrive.models import Briefing
from thrive.services import prompt_set_current
from thrive.wording import wording_acknowledge

pytestmark = BROWSER

SHOTS = Path(tempfile.gettempdir()) / "thrive-screenshots"


def test_trainer_records_a_briefing_and_the_chart_counts_it(signed_in, trainer, handler, supervisor):
    colleague = UserFactory(handler=True, full_name="Cara Colleague", team=handler.team)
    current = prompt_set_current()
    wording_acknowledge(user=colleague, prompt_set=current)  # read it, never briefed
    SHOTS.mkdir(exist_ok=True)

    page = signed_in(trainer)
    page.get_by_role("link", name="Briefings", exact=True).click()
    page.wait_for_url("**/thrive/briefings/")
    run_axe(page)
    expect(page.get_by_text("No briefings recorded yet.")).to_be_visible()
    page.get_by_role("link", name="Record a briefing").click()
    page.wait_for_url("**/thrive/briefings/new/")
    run_axe(page)

    # The day has the focus; a date with no topic and no version is refused, naming both.
    expect(page.locator("#f-held-on-day")).to_be_focused()
    today = timezone.localdate()
    page.keyboard.type(str(today.day))
    page.keyboard.press("Tab")
    page.keyboard.type(str(today.month))
    page.keyboard.press("Tab")
    page.keyboard.type(str(today.year))
    page.get_by_label("Version of the wording briefed").select_option("")
    page.get_by_role("button", name="Record the briefing").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the topic of the briefing")
    expect(summary).to_contain_text("Choose the published version")
    expect(summary).to_contain_text("Choose at least one person who attended")
    run_axe(page)
    page.screenshot(path=SHOTS / "briefing_errors.png", full_page=True)

    page.get_by_label("Topic").fill("The voice of the child")
    page.get_by_label("Version of the wording briefed").select_option(value=str(current.pk))
    # Attendees: Tab to the handler's box and tick it with Space; the supervisor likewise.
    page.get_by_label(re.compile(re.escape(handler.display_name))).focus()
    page.keyboard.press("Space")
    page.get_by_label(re.compile(re.escape(supervisor.display_name))).focus()
    page.keyboard.press("Space")
    expect(page.get_by_label(re.compile(re.escape(handler.display_name)))).to_be_checked()
    page.screenshot(path=SHOTS / "briefing_create.png", full_page=True)
    page.get_by_role("button", name="Record the briefing").click()

    briefing = Briefing.objects.get()
    page.wait_for_url(f"**/thrive/briefings/{briefing.pk}/")
    run_axe(page)
    expect(page.locator("h1")).to_have_text("The voice of the child")
    expect(page.locator(".govuk-summary-list")).to_contain_text(f"version {current.version}")
    expect(page.locator("main")).to_contain_text(handler.display_name)
    page.screenshot(path=SHOTS / "briefing_detail.png", full_page=True)

    page.get_by_role("link", name="Back to training briefings").click()
    page.wait_for_url("**/thrive/briefings/")
    run_axe(page)
    expect(page.get_by_role("table")).to_contain_text("The voice of the child")
    page.screenshot(path=SHOTS / "briefing_list.png", full_page=True)

    # The chart: the two attendees trained; the colleague acknowledged but not yet trained.
    page.goto("/thrive/training/")
    run_axe(page)
    expect(page.locator("main")).to_contain_text("2 trained, 1 not yet")
    expect(page.locator("main")).to_contain_text(f"{colleague.display_name} (acknowledged)")
    page.screenshot(path=SHOTS / "trained_chart.png", full_page=True)
