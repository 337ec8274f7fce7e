"""The trainer drafts new wording, previews it, reads the diff and publishes it; a handler's next
assessment shows it while a draft started before keeps the old wording; the handler
acknowledges it and the trainer sees who has (PRODUCT.md rule 9; docs/RETURNS_AND_WORDING.md).

Publishing enqueues the staff email on commit; this test runs Celery tasks eagerly (in the live
server's thread) so the emails are really sent, to Django's in-memory outbox.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from casework.services import assessment_record
from config.celery import app
from tests.browser.support import BROWSER, login, run_axe
from tests.factories import make_incident
from thrive.models import PromptSet, PromptSetStatus, WordingAcknowledgement
from thrive.services import prompt_set_current

pytestmark = BROWSER

OLD = "What is the threat?"
NEW = "What is the threat, and from whom?"


@pytest.fixture
def eager_tasks():
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/login/")
    run_axe(page, once_per_session=True)


def menu(page: Page):
    return page.get_by_role("navigation", name="Menu")


def test_trainer_publishes_new_wording_and_sees_who_has_acknowledged(
    page: Page, trainer, handler, supervisor, eager_tasks
):
    v1 = prompt_set_current()
    # A draft the handler started under version 1, and an incident not yet assessed.
    old_draft = make_incident(handler=handler)
    assessment_record(incident=old_draft, author=handler, data={"threat": "Started before"}, submit=False)
    fresh = make_incident(handler=handler)

    # Trainer: start a draft and reword the first question.
    login(page, trainer)
    run_axe(page)
    menu(page).get_by_role("link", name="Edit wording").click()
    page.wait_for_url("**/thrive/wording/")
    run_axe(page)
    page.get_by_role("button", name="Draft a new version").click()
    page.wait_for_url(re.compile(r"/thrive/wording/drafts/\d+/$"))
    run_axe(page)
    draft = PromptSet.objects.get(family=v1.family, status=PromptSetStatus.DRAFT)
    page.get_by_text(f"Question: {OLD}").click()
    page.locator("#s-0-p-0-label").fill(NEW)
    run_axe(page)  # a question's details opened
    page.get_by_role("button", name="Save and preview").click()

    # Preview: the handler's form, with the new words.
    page.wait_for_url(f"**/thrive/wording/drafts/{draft.pk}/preview/")
    run_axe(page)
    expect(page.get_by_label(NEW)).to_be_visible()
    page.get_by_role("link", name="See the changes and publish").click()

    # The diff: removed and added words, not by colour alone.
    page.wait_for_url(f"**/thrive/wording/drafts/{draft.pk}/diff/")
    run_axe(page)
    expect(page.locator("h1")).to_contain_text(f"version {v1.version} (current)")
    expect(page.get_by_role("heading", level=2, name="Threat")).to_be_visible()  # each changed section
    inserted = page.locator("main ins")
    expect(inserted.first).to_be_visible()
    expect(page.locator("main")).to_contain_text("added:")
    assert "from whom" in " ".join(inserted.all_text_contents())

    # Publishing without a summary is refused; with one, staff are emailed.
    page.get_by_label("Change summary for staff").fill("")
    page.get_by_role("button", name="Publish and tell staff").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    run_axe(page)
    page.get_by_label("Change summary for staff").fill("The threat question asks who from.")
    page.get_by_role("button", name="Publish and tell staff").click()
    page.wait_for_url("**/thrive/wording/")
    expect(page.locator("main")).to_contain_text(f"version {draft.version} published")
    run_axe(page)
    draft.refresh_from_db()
    assert draft.status == PromptSetStatus.PUBLISHED
    assert sorted(m.to[0] for m in mail.outbox) == sorted([handler.email, supervisor.email])
    sign_out(page)

    # Handler: the banner; a new assessment has the new wording, the old draft the old.
    login(page, handler)
    banner = page.get_by_role("region", name="New guidance")
    expect(banner).to_contain_text(f"version {draft.version}")
    run_axe(page)
    page.goto(f"/thrive/incidents/{fresh.reference}/assessment/")
    run_axe(page)
    expect(page.get_by_label(NEW)).to_be_visible()
    page.goto(f"/thrive/incidents/{old_draft.reference}/assessment/")
    run_axe(page)
    expect(page.get_by_label(OLD, exact=True)).to_have_value("Started before")
    expect(page.locator("main")).to_contain_text("keeps its wording until you submit it")

    # Acknowledge from the home page (swapped in place by htmx).
    menu(page).get_by_role("link", name="Home").click()
    page.wait_for_url(re.compile(r"/$"))
    run_axe(page)
    page.get_by_role("button", name="I have read the new guidance").click()
    expect(page.locator("main")).to_contain_text("you have acknowledged")
    run_axe(page)
    assert WordingAcknowledgement.objects.get(user=handler, prompt_set=draft).acknowledged_at
    sign_out(page)

    # Trainer: nobody trained yet (trained is attending a briefing, issue 15: see
    # test_briefing_journey.py); the handler's acknowledgement is shown beside it.
    login(page, trainer)
    run_axe(page)
    menu(page).get_by_role("link", name="Trained / not yet").click()
    page.wait_for_url("**/thrive/training/")
    run_axe(page)
    expect(page.locator("main")).to_contain_text(f"0 trained, 2 not yet, for {draft.name} version {draft.version}")
    expect(page.locator("main")).to_contain_text("Acknowledged it: 1.")
    table = page.get_by_role("table", name=re.compile("the figures behind the chart"))
    row = table.get_by_role("row", name=re.compile(handler.team.name))
    expect(row).to_contain_text("0%")
    expect(row).to_contain_text(supervisor.display_name)
    expect(row).to_contain_text(f"{handler.display_name} (acknowledged)")
    # The bars are decoration for sighted users; each bar's figure is also written beside it.
    expect(page.locator(".app-bar-chart")).to_have_attribute("aria-hidden", "true")
    expect(page.locator(".app-bar-chart")).to_contain_text(
        f"{handler.team.name}: 0% trained (attended a briefing), 50% acknowledged"
    )
