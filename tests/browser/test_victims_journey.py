"""The handler links a victim who has called before, sees the repeat-victim matches and records
the outcome; then submits an assessment that asks for the prevention text, and watches the
text's status change on the incident page once it is sent (PRODUCT.md rules 3, 6 and 7;
docs/TEXTS.md).

Sending: with REDIS_URL set, Celery tasks are real messages and no worker runs in this suite,
so the test sends the queued text itself with `victims.texts.text_send` (what the
`text_send` task calls), after the browser has seen it queued. The page's htmx poll, not a
reload, must then show it sent. Notify's delivery receipt is then posted to the API and a
reload shows the text delivered.
"""

import os
import re

import redis
from django.test import Client
from playwright.sync_api import expect

from casework.services import assessment_record
from config.celery import app
from tests.browser.support import BROWSER, run_axe
from tests.factories import complete_answers, make_incident
from victims.models import RepeatOutcome, Text, TextStatus, Victim
from victims.services import victim_link
from victims.texts import text_send

pytestmark = BROWSER

PHONE = "07700 900123"
TEXTING = complete_answers(
    prevention={"send_link": True, "safe_to_text_confirmed": True, "phone": PHONE, "link_not_sent_reason": ""}
)


def test_handler_links_a_repeat_victim_and_sees_the_text_sent(signed_in, handler, settings):
    settings.TEXT_GATEWAY = "console"
    earlier = make_incident(handler=handler, category="domestic_abuse")
    victim_link(incident=earlier, actor=handler, name="Ann Smith", phone="+44 7700 900123")
    incident = make_incident(handler=handler, category="domestic_abuse")

    page = signed_in(handler)
    page.goto(f"/incidents/{incident.reference}/")
    run_axe(page)
    victims = page.locator("#victims")
    expect(victims).to_contain_text("No victim linked yet.")
    victims.get_by_role("link", name="Link a victim").click()
    page.wait_for_url(f"**/victims/incidents/{incident.reference}/link/")
    run_axe(page)

    # The name field has the focus; the caller gives name, date of birth and phone.
    expect(page.locator("#f-name")).to_be_focused()
    page.keyboard.type("Ann Smith")
    page.get_by_label("Day").fill("4")
    page.get_by_label("Month").fill("11")
    page.get_by_label("Year").fill("1990")
    page.get_by_label("Phone number").fill(PHONE)
    page.get_by_role("button", name="Link and check for repeats").click()

    # The check: the earlier incident, matched on the phone.
    page.wait_for_url(re.compile(r"/victims/\d+/$"))
    run_axe(page)
    expect(page.locator("h1")).to_have_text("Repeat-victim check: Ann Smith")
    matches = page.get_by_role("table", name=re.compile("1 earlier incident"))
    expect(matches).to_contain_text(earlier.reference)
    expect(matches).to_contain_text("Ann Smith")

    # Recording without an outcome is refused, naming it; then recorded.
    page.get_by_role("button", name="Record the outcome").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select whether")
    run_axe(page)
    page.get_by_label("Yes, a repeat victim").check()
    page.get_by_label("Household members at risk").fill("Her son, 8, lives there too.")
    page.get_by_role("button", name="Record the outcome").click()
    page.wait_for_url(re.compile(rf"/incidents/{incident.reference}/(#victims)?$"))
    run_axe(page)
    card = page.locator("#victims .govuk-summary-card")
    expect(card).to_contain_text("Ann Smith")
    expect(card).to_contain_text("1 found")
    expect(card).to_contain_text("Her son, 8, lives there too.")
    victim = Victim.objects.get(incident=incident)
    assert victim.outcome == RepeatOutcome.REPEAT
    assert [m["reference"] for m in victim.check_matches] == [earlier.reference]

    # The handler submits an assessment that asks for the prevention text (a draft saved
    # earlier holds the answers, safe-to-text confirmed).
    assessment_record(incident=incident, author=handler, data=TEXTING, submit=False)
    page.goto(f"/thrive/incidents/{incident.reference}/assessment/")
    run_axe(page)
    expect(page.locator("#f-prevention-safe-to-text-confirmed")).to_be_checked()
    # The task's message goes to a queue of the test's own that nobody consumes, then is dropped.
    default_queue, idle_queue = app.conf.task_default_queue, f"thrive-browser-idle-{os.getpid()}"
    app.conf.task_default_queue = idle_queue
    try:
        page.get_by_role("button", name="Submit assessment").click()
        page.wait_for_url(f"**/incidents/{incident.reference}/")
    finally:
        app.conf.task_default_queue = default_queue
        client = redis.Redis.from_url(settings.REDIS_URL)
        client.delete(idle_queue)
        client.close()
    run_axe(page)

    # Queued, and the table polls; sent, the poll shows it without a reload.
    texts = page.locator("#texts")
    expect(texts.locator(".govuk-tag")).to_have_text("Queued")
    expect(texts.get_by_role("status")).to_contain_text("A text is queued")
    page.evaluate("() => { window.__sameDocument = true; }")
    text = Text.objects.get(assessment__incident=incident)
    assert text_send(text_id=text.pk).result == "sent"
    expect(texts.locator(".govuk-tag")).to_have_text("Sent", timeout=30_000)
    expect(texts.get_by_role("status")).to_have_count(0)
    run_axe(page)
    text.refresh_from_db()
    assert text.status == TextStatus.SENT
    assert page.evaluate("() => window.__sameDocument === true"), "the page was reloaded"

    # GOV.UK Notify's delivery receipt (an API call, not a page): delivered, on the next load.
    settings.NOTIFY_CALLBACK_TOKEN = "browser-journey-receipts"
    receipt = Client().post(
        "/api/texts/receipts/",
        {"reference": str(text.pk), "status": "delivered"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer browser-journey-receipts",
    )
    assert receipt.status_code == 200
    page.reload()
    run_axe(page)
    expect(page.locator("#texts .govuk-tag")).to_have_text("Delivered")
