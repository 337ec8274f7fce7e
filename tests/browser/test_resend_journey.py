"""Rule 12 in the browser: a re-THRIVE of an incident that has texted the victim asks afresh
whether to text, and offers "Send again to the same number" with a reason (a GOV.UK
conditional reveal); the reason reaches the incident log.

The Prevention section is photographed (into the scratch folder; docs/screenshots/ with
UPDATE_SCREENSHOTS, as tests/browser/test_screenshots.py does)."""

import os
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from django.conf import settings
from playwright.sync_api import expect

from casework.services import assessment_record
from config.celery import app
from tests.browser.support import BROWSER, VIEWPORT, run_axe
from tests.browser.test_screenshots import SCREENSHOTS
from tests.factories import complete_answers, make_incident
from victims.models import Text

pytestmark = BROWSER

TEXTING = complete_answers(
    prevention={"send_link": True, "safe_to_text_confirmed": True, "phone": "07700 900123", "link_not_sent_reason": ""}
)
REASON = "She deleted the first text in case he saw it; asked for the link again now he has left."


@contextmanager
def _idle_queue() -> Iterator[None]:
    """The texts' messages go to a queue of this test's own that nobody consumes."""
    default_queue, idle_queue = app.conf.task_default_queue, f"thrive-browser-idle-{os.getpid()}"
    app.conf.task_default_queue = idle_queue
    try:
        yield
    finally:
        app.conf.task_default_queue = default_queue
        client = redis.Redis.from_url(settings.REDIS_URL)
        client.delete(idle_queue)
        client.close()


def test_a_re_thrive_asks_afresh_and_sends_again_only_with_a_reason(signed_in, handler):
    incident = make_incident(handler=handler, category="domestic_abuse")
    with _idle_queue():
        assessment_record(incident=incident, author=handler, data=TEXTING, submit=True)

    page = signed_in(handler)
    page.goto(f"/thrive/incidents/{incident.reference}/assessment/")
    run_axe(page)
    # Asked afresh: neither the text request nor the confirmation is carried over.
    expect(page.locator("#f-prevention-send-link")).not_to_be_checked()
    expect(page.locator("#f-prevention-send-link-no")).not_to_be_checked()
    expect(page.locator("#f-prevention-phone")).to_have_value("07700 900123")
    resend = page.locator("[data-resend]")
    expect(resend).to_be_hidden()

    page.locator("#f-prevention-send-link").check()
    expect(resend).to_be_visible()
    expect(resend).to_contain_text("a mobile ending 123")
    expect(page.locator("#f-prevention-resend-reason")).to_be_hidden()
    page.locator("#f-prevention-safe-to-text-confirmed").check()
    page.get_by_label("Send again to the same number").check()
    reason = page.get_by_label("Why does the victim need the text again?")
    expect(reason).to_be_visible()
    reason.fill(REASON)
    run_axe(page)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    # A screen tall enough that the sticky submit bar sits below the section, not over it.
    page.set_viewport_size({"width": VIEWPORT["width"], "height": 2600})
    page.locator("#section-prevention").screenshot(
        path=SCREENSHOTS / "assessment-prevention-send-again.png", animations="disabled", caret="hide"
    )
    page.set_viewport_size(VIEWPORT)

    with _idle_queue():
        page.get_by_role("button", name="Submit assessment").click()
        page.wait_for_url(f"**/incidents/{incident.reference}/")
    run_axe(page)
    expect(page.locator("main")).to_contain_text(f"Reason for sending again: {REASON}")
    expect(page.locator("#texts")).to_contain_text(f"Sent again: {REASON}")
    assert Text.objects.filter(incident=incident).count() == 2


def test_a_local_copy_left_by_a_submitted_version_is_not_put_back_into_the_next(signed_in, handler):
    """The autosave that raced a submission leaves its words in this browser's storage (its
    answer never came back). The next version's form must not restore and save them."""
    from thrive.models import Assessment

    incident = make_incident(handler=handler, assessed=True)
    page = signed_in(handler)
    url = f"/thrive/incidents/{incident.reference}/assessment/"
    page.goto(url)
    run_axe(page)
    key = f"thrive-draft:{incident.reference}:{handler.pk}"
    stale = {"at": 9_999_999_999_999, "data": {"form_version": "1", "threat": "Words from version 1's last autosave"}}
    page.evaluate("([key, value]) => localStorage.setItem(key, JSON.stringify(value))", [key, stale])

    page.reload()
    run_axe(page)
    expect(page.locator("#f-threat")).not_to_have_value("Words from version 1's last autosave")
    expect(page.locator("#save-status")).not_to_contain_text("Restored")
    assert page.evaluate("(key) => localStorage.getItem(key)", key) is None
    assert not Assessment.objects.filter(incident=incident, status="draft").exists()


def test_a_re_thrive_after_new_wording_keeps_the_answers_and_names_the_changes(signed_in, handler, trainer):
    import copy

    from thrive.wording import prompt_set_current, prompt_set_draft_start, prompt_set_publish

    incident = make_incident(handler=handler, assessed=True)
    sections = copy.deepcopy(prompt_set_current().sections)
    sections[0]["prompts"][0]["label"] = "What is the threat right now?"
    draft = prompt_set_draft_start(actor=trainer, sections=sections, change_summary="Threat: right now", resume=False)
    prompt_set_publish(prompt_set=draft, actor=trainer)

    page = signed_in(handler)
    page.goto(f"/thrive/incidents/{incident.reference}/assessment/")
    run_axe(page)
    changes = page.locator("[data-wording-changes]")
    expect(changes).to_contain_text("The wording has changed since version 1")
    expect(changes.get_by_role("link", name="Threat: What is the threat right now?")).to_be_visible()
    threat = page.get_by_label("What is the threat right now? Changed")
    expect(threat).to_have_value(complete_answers()["threat"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": VIEWPORT["width"], "height": 1400})
    page.screenshot(path=SCREENSHOTS / "assessment-wording-changed.png", animations="disabled", caret="hide")
    page.set_viewport_size(VIEWPORT)
