"""The assessment form's local copy (static/js/app.js) against the two races between a save
and a reload, in a real browser. Typed work must survive both:

- the reload's page is read before a save it raced is written: the page shows the draft as
  it was, while the old page had already heard the save succeed;
- words typed while a save was in flight: the server writes that save after the words were
  typed, but it does not hold them.

Found by the keyboard journey (tests/browser/test_handler_journey.py), which reloads as the
last change's save goes out and lost the whole form one run in three on a busy machine.
"""

import time
from datetime import timedelta
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, Route, expect

from tests.browser.support import BROWSER, run_axe
from tests.factories import make_incident
from thrive.models import Assessment, AssessmentStatus

pytestmark = BROWSER


def _form(signed_in: Any, handler: Any) -> tuple[Page, Any, str]:
    incident = make_incident(handler=handler)
    page = signed_in(handler)
    page.goto(f"/thrive/incidents/{incident.reference}/assessment/")
    run_axe(page)
    return page, incident, f"thrive-draft:{incident.reference}:{handler.pk}"


def _draft(incident: Any) -> Assessment | None:
    return Assessment.objects.filter(incident=incident, status=AssessmentStatus.DRAFT).first()


def _until(check: Any, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def _type_and_save(page: Page, field: str, words: str) -> None:
    page.locator(f"#{field}").click()
    page.keyboard.type(words)
    page.keyboard.press("Tab")  # the change saves the draft
    expect(page.locator("#save-status")).to_contain_text("Draft saved at")


def test_a_reload_that_read_the_draft_before_the_save_was_written_puts_the_copy_back(signed_in, handler):
    page, incident, key = _form(signed_in, handler)
    _type_and_save(page, "f-threat", "Ex-partner to come back")
    assert _draft(incident).answers["threat"] == "Ex-partner to come back"

    # The page a reload reads as the save is still being written shows no draft yet: here,
    # the draft as it was before that save (there was none).
    Assessment.objects.filter(incident=incident, status=AssessmentStatus.DRAFT).delete()
    page.reload()
    run_axe(page)
    expect(page.locator("#f-threat")).to_have_value("Ex-partner to come back")
    expect(page.locator("#save-status")).to_contain_text("Draft saved at")  # saved again
    _until(lambda: (_draft(incident) is not None) and _draft(incident).answers["threat"] == "Ex-partner to come back")

    # Once a page shows that save, the copy has done its work and goes.
    page.reload()
    run_axe(page)
    expect(page.locator("#save-status")).to_contain_text("Draft last saved at")
    assert page.evaluate("(key) => localStorage.getItem(key)", key) is None


def test_a_draft_saved_later_elsewhere_is_shown_not_the_older_copy(signed_in, handler):
    page, incident, key = _form(signed_in, handler)
    _type_and_save(page, "f-threat", "Typed on this computer")

    # The same handler saves the draft again from another computer, later.
    draft = _draft(incident)
    draft.answers["threat"] = "Typed on the other computer"
    draft.save(update_fields=["answers"])
    Assessment.objects.filter(pk=draft.pk).update(updated_at=timezone.now() + timedelta(seconds=1))

    page.reload()
    run_axe(page)
    expect(page.locator("#f-threat")).to_have_value("Typed on the other computer")
    expect(page.locator("#save-status")).not_to_contain_text("Restored")
    assert page.evaluate("(key) => localStorage.getItem(key)", key) is None


def test_words_typed_while_a_save_was_in_flight_survive_a_reload(signed_in, handler):
    page, incident, _key = _form(signed_in, handler)
    held: list[Route] = []
    page.route("**/assessment/autosave/", lambda route: held.append(route))

    page.locator("#f-threat").click()
    page.keyboard.type("Ex-partner to come back")
    page.keyboard.press("Tab")  # the change sends a save: held on its way
    _until(lambda: (page.wait_for_timeout(50) or len(held)) >= 1)
    page.keyboard.type("Bruised arm")  # typed while the save is in flight

    # The held save reaches the server now, after the words above were typed; the save their
    # own typing sends next is held for good (the connection dropped).
    held[0].continue_()
    expect(page.locator("#save-status")).to_contain_text("Draft saved at")
    draft = _draft(incident)
    assert draft.answers["threat"] == "Ex-partner to come back"
    assert not draft.answers.get("harm")

    page.unroute_all(behavior="ignoreErrors")
    page.reload()
    run_axe(page)
    expect(page.locator("#f-harm")).to_have_value("Bruised arm")
    expect(page.locator("#f-threat")).to_have_value("Ex-partner to come back")
    expect(page.locator("#save-status")).to_contain_text("Draft saved at")
    _until(lambda: _draft(incident).answers.get("harm") == "Bruised arm")
