"""The operations page in a real browser (issue 17): an administrator sees a stuck text,
the workers and a lockout, retries the text and clears the lockout with the keyboard; axe
finds nothing serious. A screenshot goes to docs/screenshots/operations.png."""

from pathlib import Path

from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from audit.models import AuditEvent
from ops.heartbeat import beat
from tests.browser.support import BROWSER, VIEWPORT, login, run_axe
from tests.factories import make_incident
from victims.models import Text, TextStatus

pytestmark = BROWSER
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "operations.png"


def test_an_administrator_retries_a_stuck_text_and_clears_a_lockout(page: Page, admin_user):
    incident = make_incident(assessed=True)
    now = timezone.now()
    text = Text.objects.create(
        incident=incident,
        assessment=incident.assessments.get(),
        created_by=incident.handler,
        phone="+447700900123",
        link="https://example.org",
        body="b",
        status=TextStatus.FAILED,
        attempts=5,
        next_attempt_at=now,
        failed_at=now,
    )
    beat("celery@worker-1.thrive")
    AccessAttempt.objects.create(
        username="pat.locked",
        ip_address="192.0.2.7",
        user_agent="x",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        attempt_time=now,
    )
    login(page, admin_user)
    run_axe(page)
    page.set_viewport_size(VIEWPORT)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Operations").click()
    page.wait_for_url("**/ops/")
    expect(page.locator("main h1")).to_have_text("Operations")
    run_axe(page)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    expect(page.get_by_role("cell", name="celery@worker-1.thrive")).to_be_visible()

    page.get_by_role("button", name=f"Retry text {text.pk}").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Text {text.pk} is back in the outbox")
    run_axe(page)
    assert Text.objects.get(pk=text.pk).status == TextStatus.QUEUED

    page.get_by_role("button", name="Clear lockout for pat.locked").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The lockout is cleared")
    expect(page.get_by_text("No account is locked out.")).to_be_visible()
    run_axe(page)
    assert not AccessAttempt.objects.exists()
    assert set(AuditEvent.objects.values_list("object_type", flat=True)) >= {"text", "lockout"}
