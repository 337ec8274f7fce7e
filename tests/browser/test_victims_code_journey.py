"""The handler records the Victims' Code answers for a victim of a burglary (rule 14): from the
victim's card on the incident page to the victim's page, a refusal naming each missing
answer, the answers given from the keyboard, and the card saying all three were given."""

import re
import tempfile
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.support import BROWSER, run_axe
from tests.factories import make_incident
from victims.models import Victim
from victims.services import victim_link

pytestmark = BROWSER

SHOTS = Path(tempfile.gettempdir()) / "thrive-screenshots"


def test_handler_records_the_victims_code_answers(signed_in, handler):
    incident = make_incident(handler=handler, category="burglary_dwelling")
    victim = victim_link(incident=incident, actor=handler, name="Ann Smith", phone="07700 900123")

    page = signed_in(handler)
    page.goto(f"/incidents/{incident.reference}/")
    run_axe(page)
    card = page.locator(f"#victim-{victim.pk}")
    expect(card).to_contain_text("Victims' Code")
    expect(card).to_contain_text("Not recorded")
    card.get_by_role("link", name=re.compile("Record the Victims' Code answers for Ann Smith")).click()
    page.wait_for_url(re.compile(rf"/victims/{victim.pk}/#victims-code$"))
    run_axe(page)
    section = page.locator("#victims-code")
    expect(section.get_by_role("heading", name="Victims' Code")).to_be_visible()

    # Submitting with one answer is refused, naming the two still missing.
    section.get_by_role("group", name="Was the victim told what happens next?").get_by_label("Yes").check()
    section.get_by_role("button", name="Record the Victims' Code answers").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select whether the victim was offered a written acknowledgement")
    expect(summary).to_contain_text("Select whether the victim was given the support information")
    run_axe(page)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / "victims_code_errors.png", full_page=True)

    # The error summary's link takes the focus to the question; the keyboard answers it.
    summary.get_by_role("link", name=re.compile("written acknowledgement")).click()
    acknowledgement = section.get_by_role("group", name=re.compile("offered a written acknowledgement"))
    acknowledgement.get_by_label("Yes").focus()
    page.keyboard.press("Space")
    expect(acknowledgement.get_by_label("Yes")).to_be_checked()
    support = section.get_by_role("group", name="Was the victim given the support information?")
    expect(support).to_contain_text("Yes, by the prevention text")  # a label, never a code
    support.get_by_label("Yes, on the call or in writing").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(section.get_by_role("button", name="Record the Victims' Code answers")).to_be_focused()
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(rf"/incidents/{incident.reference}/(#victims)?$"))
    run_axe(page)
    card = page.locator(f"#victim-{victim.pk}")
    expect(card).to_contain_text("All three given")
    page.screenshot(path=SHOTS / "victims_code_card.png", full_page=True)
    recorded = Victim.objects.get(pk=victim.pk)
    assert (
        recorded.told_what_happens_next,
        recorded.written_acknowledgement_offered,
        recorded.support_information,
    ) == ("yes", "yes", "yes")

    page.goto(f"/victims/{victim.pk}/#victims-code")
    run_axe(page)
    page.screenshot(path=SHOTS / "victims_code_form.png", full_page=True)


def test_analyst_reads_the_victims_code_figures_on_the_compliance_page(signed_in, handler, analyst):
    from victims.victims_code import victims_code_record

    for answers in (("yes", "yes", "yes"), ("yes", "no", "yes")):
        incident = make_incident(handler=handler, category="theft")
        victim = victim_link(incident=incident, actor=handler, name="Bo Jones", phone="07700 900124")
        victims_code_record(
            victim=victim,
            actor=handler,
            told_what_happens_next=answers[0],
            written_acknowledgement_offered=answers[1],
            support_information=answers[2],
        )
    month = Victim.objects.first().linked_month
    page = signed_in(analyst)
    page.goto(f"/qa/compliance/?from={month:%Y-%m}&to={month:%Y-%m}")
    run_axe(page)
    section = page.locator("#victims-code")
    by_handler = section.get_by_role("table", name="By handler")
    expect(by_handler).to_contain_text(handler.display_name)
    expect(by_handler).to_contain_text("50.0%")
    expect(section.get_by_role("table", name="By month")).to_contain_text(f"{month:%B %Y}")
    SHOTS.mkdir(exist_ok=True)
    section.screenshot(path=SHOTS / "victims_code_compliance.png")
