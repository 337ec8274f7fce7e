"""QA feedback and disputes (rule 10; docs/QA.md): a handler reads the review of their work
and disputes a grade by keyboard (an empty dispute is refused, with the error beside the box);
the supervisor finds the dispute from the dip samples page and changes the grade with an
answer; the handler sees the outcome and the corrected grades. Each page is axe-checked and
photographed to a scratch folder."""

import re
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from qa.models import Check, Dispute, DisputeOutcome, Grade, Review
from qa.services import dispute_raise, review_record, sample_draw
from tests.browser.support import BROWSER, login, run_axe, tab_to
from tests.factories import UserFactory
from tests.qa.factories import closed_incident, grades

pytestmark = BROWSER

SHOTS = Path(tempfile.gettempdir()) / "thrive-screenshots"
REASON = "I gave the lock-fitting advice: it is in the log at 14:02, please look again."
ANSWER = "Agreed: the log has it. Prevention changed to good."


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def last_month() -> date:
    first = timezone.localdate().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/login/")
    run_axe(page, once_per_session=True)


def test_a_handler_disputes_a_grade_and_the_supervisor_changes_it(page: Page, supervisor, handler):
    month = last_month()
    noon = datetime(month.year, month.month, 10, 12, tzinfo=UTC)
    colleague = UserFactory(handler=True, full_name="Chris Colleague")
    mine = closed_incident(handler=handler, closed_at=noon)
    theirs = closed_incident(handler=colleague, closed_at=noon)
    sample = sample_draw(actor=supervisor, month=month, seed=1)
    items = {item.incident_id: item for item in sample.items.all()}
    review = review_record(
        item=items[mine.pk],
        reviewer=supervisor,
        data=grades(Grade.GOOD, Grade.REQUIRES_IMPROVEMENT, Grade.GOOD, Check.YES, feedback="Say what you advised."),
    )
    other = review_record(item=items[theirs.pk], reviewer=supervisor, data=grades())

    # The handler reads the review: grades in words, a dispute is offered.
    login(page, handler)
    run_axe(page)
    tab_to(page, "nav a[href='/qa/feedback/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/qa/feedback/")
    run_axe(page)
    card = page.locator(f"#review-{review.pk}")
    expect(card).to_contain_text(f"{mine.reference}, {month:%B %Y}")
    expect(card.locator("dl")).to_contain_text("Requires improvement")
    expect(card.locator("dl")).to_contain_text("Say what you advised.")
    expect(card.locator(".govuk-tag")).to_have_text("New")
    shot(page, "feedback-new")

    # Open "Dispute a grade" by keyboard and send it empty: refused, the error beside the box.
    tab_to(page, f"#review-{review.pk} summary")
    page.keyboard.press("Enter")
    box = page.get_by_label("What do you dispute, and why?")
    expect(box).to_be_visible()
    tab_to(page, f"#review-{review.pk} form[action$='/dispute/'] button")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say what you dispute and why")
    expect(page.locator(f"#review-{review.pk} .govuk-error-message")).to_contain_text("Say what you dispute and why")
    expect(page.get_by_label("What do you dispute, and why?")).to_be_visible()  # still open
    run_axe(page)
    shot(page, "feedback-dispute-error")
    assert not Dispute.objects.exists()

    page.get_by_label("What do you dispute, and why?").focus()
    page.keyboard.type(REASON)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/qa/feedback/")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"Your dispute of the review of {mine.reference} has been sent."
    )
    card = page.locator(f"#review-{review.pk}")
    expect(card.locator(".govuk-tag").first).to_have_text("Disputed")
    expect(card).to_contain_text(REASON)
    expect(card).to_contain_text("Awaiting the supervisor")
    run_axe(page)
    shot(page, "feedback-disputed")
    dispute = Dispute.objects.get()
    assert (dispute.review_id, dispute.raised_by, dispute.comment, dispute.outcome) == (
        review.pk,
        handler,
        REASON,
        DisputeOutcome.OPEN,
    )
    sign_out(page)

    # A colleague's dispute arrives later: it is listed first, this one second.
    dispute_raise(review=other, actor=colleague, comment="The repeat victim check was done.")

    # The supervisor finds the disputes from the dip samples page and changes the grade.
    login(page, supervisor)
    run_axe(page)
    tab_to(page, "nav a[href='/qa/samples/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/qa/samples/")
    run_axe(page)
    tab_to(page, "main a[href='/qa/disputes/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/qa/disputes/")
    run_axe(page)
    cards = page.locator(".govuk-summary-card")
    expect(cards).to_have_count(2)
    card = page.locator(f"#dispute-{dispute.pk}")
    expect(cards.nth(1)).to_have_id(f"dispute-{dispute.pk}")
    expect(card).to_contain_text(REASON)
    expect(card).to_contain_text("prevention requires improvement")
    shot(page, "disputes-open")

    tab_to(page, f"#dispute-{dispute.pk} details summary")
    page.keyboard.press("Enter")
    # Each card's radios are its own: the labels of the second card choose its own buttons.
    prevention = card.get_by_role("group", name="Prevention")
    expect(prevention.get_by_label("Requires improvement")).to_be_checked()
    prevention.get_by_label("Good", exact=True).focus()
    page.keyboard.press("Space")
    expect(prevention.get_by_label("Good", exact=True)).to_be_checked()
    card.get_by_label("Your answer to the handler").nth(1).focus()
    page.keyboard.type(ANSWER)
    tab_to(page, f"#dispute-{dispute.pk} form[action$='/change/'] button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/qa/disputes/")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Grade changed")
    expect(page.locator(f"#dispute-{dispute.pk} .govuk-tag")).to_have_text(re.compile("changed", re.IGNORECASE))
    expect(page.locator(f"#dispute-{dispute.pk}")).to_contain_text(ANSWER)
    run_axe(page)
    shot(page, "disputes-resolved")

    dispute.refresh_from_db()
    assert (dispute.outcome, dispute.resolved_by, dispute.response) == (DisputeOutcome.CHANGED, supervisor, ANSWER)
    current = Review.objects.get(item=items[mine.pk], current=True)
    assert current.pk == dispute.new_review_id != review.pk
    assert (current.vulnerability_id, current.prevention_id, current.preservation_id) == (
        Grade.GOOD,
        Grade.GOOD,
        Grade.GOOD,
    )
    # The colleague's dispute and review are untouched.
    assert Dispute.objects.get(review=other).outcome == DisputeOutcome.OPEN
    assert Review.objects.get(item=items[theirs.pk], current=True).pk == other.pk
    sign_out(page)

    # The handler sees the outcome and the corrected grades.
    login(page, handler)
    run_axe(page)
    page.goto("/qa/feedback/")
    run_axe(page)
    corrected = page.locator(f"#review-{current.pk}")
    expect(corrected).to_contain_text("corrected, version 2")
    expect(corrected.locator("dl")).not_to_contain_text("Requires improvement")
    outcome = corrected.get_by_role("definition").filter(has_text=REASON)
    expect(outcome).to_contain_text(f"Grade changed, by {supervisor.display_name}")
    expect(outcome).to_contain_text(ANSWER)
    shot(page, "feedback-outcome")
