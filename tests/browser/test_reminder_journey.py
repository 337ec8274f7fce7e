"""The wording reminder (rule 9; thrive/wording/publishing.py): a trainer on "Trained / not
yet" sends one team the reminder by keyboard; the staff email outbox has one email for each
member of that team who has not acknowledged the version, none for those who have nor for
another team, and the page counts them. The reminder goes to those who have not acknowledged
the version (what the button says), not to those not yet briefed. Celery tasks run eagerly
here (in the live server's thread), so the emails are sent and land in Django's test outbox
too. Each page is axe-checked and photographed to a scratch folder."""

import re
import tempfile
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from config.celery import app
from emails.models import Email
from tests.browser.support import BROWSER, login, run_axe, tab_to
from tests.factories import TeamFactory, UserFactory
from thrive.models import WordingAcknowledgement
from thrive.services import prompt_set_current
from thrive.wording import wording_acknowledge

pytestmark = BROWSER

SHOTS = Path(tempfile.gettempdir()) / "thrive-screenshots"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def eager_tasks():
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def test_a_trainer_reminds_one_team_and_the_outbox_has_their_emails(
    page: Page, trainer, handler, supervisor, eager_tasks
):
    current = prompt_set_current()
    colleague = UserFactory(handler=True, full_name="Cara Colleague", team=handler.team)
    wording_acknowledge(user=colleague, prompt_set=current)  # has read it: not reminded
    red_handler = UserFactory(handler=True, team=TeamFactory(name="Red Watch"))
    assert not Email.objects.exists()
    mail.outbox.clear()

    login(page, trainer)
    run_axe(page)
    tab_to(page, "nav a[href='/thrive/training/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/thrive/training/")
    run_axe(page)
    expect(page.locator("#email-status")).to_contain_text("0 sent, 0 waiting to send")
    table = page.get_by_role("table", name=re.compile("per team"))
    blue = table.get_by_role("row", name=re.compile("Blue Watch"))
    expect(blue).to_contain_text(handler.display_name)
    shot(page, "training-before-reminder")

    tab_to(page, f"form:has(input[name=team][value='{handler.team_id}']) button")
    expect(page.locator(":focus")).to_have_accessible_name("Remind those in Blue Watch who have not acknowledged")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/thrive/training/\?version=\d+$"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Reminder emails are on their way to those who have not yet acknowledged."
    )
    expect(page.locator("#email-status")).to_contain_text("2 sent, 0 waiting to send")
    run_axe(page)
    shot(page, "training-after-reminder")

    # The outbox: one reminder each to Blue Watch's two who had not acknowledged.
    reminders = Email.objects.filter(kind="wording_reminder", topic=f"prompt_set:{current.pk}")
    assert sorted(reminders.values_list("to", "status")) == sorted(
        [(handler.email, "sent"), (supervisor.email, "sent")]
    )
    assert all(current.name in subject for subject in reminders.values_list("subject", flat=True))
    assert sorted(m.to[0] for m in mail.outbox) == sorted([handler.email, supervisor.email])
    assert colleague.email not in {m.to[0] for m in mail.outbox}
    assert red_handler.email not in {m.to[0] for m in mail.outbox}
    # Each reminded member of staff's acknowledgement row records the reminder, still unread.
    reminded = WordingAcknowledgement.objects.filter(prompt_set=current, reminded_at__isnull=False)
    assert sorted(reminded.values_list("user__username", "acknowledged_at")) == sorted(
        [(handler.username, None), (supervisor.username, None)]
    )
