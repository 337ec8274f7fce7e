"""The trainer's editor refuses wording that cannot be drawn as a form (review finding 7):
the error summary names the section and question, links to the input, and the question
with the problem is open with its message beside it. Saved as a picture for the docs."""

import re

from playwright.sync_api import Page, expect

from tests.browser.support import BROWSER, login, run_axe
from tests.browser.test_screenshots import SCREENSHOTS, shoot
from thrive.models import PromptSet, PromptSetStatus
from thrive.services import prompt_set_current

pytestmark = BROWSER


def test_the_editor_shows_where_the_wording_is_wrong(page: Page, trainer):
    v1 = prompt_set_current()
    login(page, trainer)
    run_axe(page)
    page.goto("/thrive/wording/")
    run_axe(page)
    page.get_by_role("button", name="Draft a new version").click()
    page.wait_for_url(re.compile(r"/thrive/wording/drafts/\d+/$"))
    run_axe(page)
    draft = PromptSet.objects.get(family=v1.family, status=PromptSetStatus.DRAFT)

    # Harm, question 1: wording emptied, and required always while shown only with a link text.
    harm = next(i for i, s in enumerate(v1.sections) if s["key"] == "harm")
    question = v1.sections[harm]["prompts"][0]["label"]
    page.get_by_text(f"Question: {question}").click()
    page.locator(f"#s-{harm}-p-0-label").fill("")
    page.get_by_role("button", name="Save draft").click()

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text('Section 2 "Harm", question 1')
    expect(summary).to_contain_text("wording (label) is required")
    # The question with the problem is open, its message beside the input.
    details = page.locator("details[data-wording-prompt][open]")
    expect(details).to_have_count(1)
    expect(details.locator(".govuk-error-message")).to_contain_text("wording (label) is required")
    shoot(page, "wording-editor-error", screen_height=900)

    # The summary's link takes the trainer to the input.
    summary.get_by_role("link").first.click()
    expect(page.locator(f"#s-{harm}-p-0-label")).to_be_focused()
    page.locator(f"#s-{harm}-p-0-label").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "wording-editor-error-question.png", animations="disabled", caret="hide")
    draft.refresh_from_db()
    assert draft.sections == v1.sections  # nothing saved
