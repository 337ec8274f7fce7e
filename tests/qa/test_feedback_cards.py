"""A handler's QA feedback cards, built in Python (qa/feedback_html.py), and their pages
(issue 18): what each card shows, that text typed by people reaches the page as text, and
the "Older" link to the rest, newest first."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from qa.exemptions import exemption_check_record
from qa.models import Dispute, DisputeOutcome, Grade, LearningTheme, Review
from qa.services import dispute_raise, dispute_resolve, review_record
from tests.qa.factories import closed_incident, drawn_sample, grades, utc

JUNE = date(2022, 6, 1)
HOSTILE = '<script>alert("x")</script> & Co'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co"
pytestmark = pytest.mark.django_db


def _items(supervisor, handler, count: int) -> list:
    for day in range(count):
        closed_incident(handler=handler, closed_at=utc(2022, 6, 2 + day, 12))
    return list(drawn_sample(supervisor=supervisor, month=JUNE, per_handler=count).items.order_by("pk"))


def _page(client, query: str = "") -> str:
    response = client.get(reverse("qa:feedback-list") + query)
    assert response.status_code == 200
    return response.content.decode()


def test_a_card_shows_the_grades_feedback_themes_and_reviewer(handler_client, supervisor, handler):
    (item,) = _items(supervisor, handler, 1)
    theme = LearningTheme.objects.create(name="Voice of the child")
    data = {
        **grades(Grade.OUTSTANDING, Grade.REQUIRES_IMPROVEMENT),
        "feedback": "First line.\nSecond line.",
        "good_practice": True,
        "themes": [theme.pk],
    }
    review = review_record(item=item, reviewer=supervisor, data=data)
    html = _page(handler_client)
    reference = item.incident.reference
    assert f'<h2 class="govuk-summary-card__title">{reference}, June 2022</h2>' in html
    assert '<strong class="govuk-tag govuk-tag--blue">New</strong>' in html
    assert '<dd class="govuk-summary-list__value">Outstanding</dd>' in html
    assert '<dd class="govuk-summary-list__value">Requires improvement</dd>' in html
    assert '<dd class="govuk-summary-list__value">Yes</dd>' in html  # the repeat victim check
    assert (
        'First line.<br>Second line.<br><strong class="govuk-tag govuk-tag--green">Good practice</strong></dd>'
    ) in html
    assert '<dd class="govuk-summary-list__value">Voice of the child</dd>' in html
    created = timezone.localtime(review.created_at).strftime("%d/%m/%Y")
    assert f'<dd class="govuk-summary-list__value">{escape(supervisor.display_name)}, {created}</dd>' in html
    assert f'action="/qa/feedback/{review.pk}/acknowledge/"' in html
    assert f'action="/qa/feedback/{review.pk}/dispute/"' in html
    assert f'<span class="govuk-visually-hidden"> the review of {reference}</span>' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_disputes_and_their_answers_show_on_the_cards(handler_client, handler, supervisor):
    first, second = _items(supervisor, handler, 2)
    disputed = review_record(item=first, reviewer=supervisor, data=grades(Grade.INADEQUATE))
    dispute_raise(review=disputed, actor=handler, comment="Still open.")
    changed = review_record(item=second, reviewer=supervisor, data=grades(Grade.INADEQUATE))
    dispute = dispute_raise(review=changed, actor=handler, comment="Please look again.")
    dispute_resolve(
        dispute=dispute, actor=supervisor, outcome=DisputeOutcome.CHANGED, response="Agreed.", data=grades(Grade.GOOD)
    )
    html = _page(handler_client)
    assert '<strong class="govuk-tag govuk-tag--yellow">Disputed</strong>' in html
    assert "Still open.<br>" in html
    corrected = Dispute.objects.get(pk=dispute.pk).new_review
    resolved = timezone.localtime(Dispute.objects.get(pk=dispute.pk).resolved_at).strftime("%d/%m/%Y")
    assert f"(corrected, version {corrected.version})" in html
    assert (
        'Please look again.<br><span class="govuk-body-s">Grade changed, by '
        f"{escape(supervisor.display_name)} on {resolved}: Agreed.</span>"
    ) in html
    # A disputed review offers no forms; the corrected version is new and may be acknowledged.
    assert f'action="/qa/feedback/{disputed.pk}/acknowledge/"' not in html
    assert f'action="/qa/feedback/{corrected.pk}/acknowledge/"' in html


def test_text_typed_by_people_is_escaped(handler_client, handler, supervisor):
    (item,) = _items(supervisor, handler, 1)
    review = review_record(item=item, reviewer=supervisor, data={**grades(), "feedback": HOSTILE + "\n" + HOSTILE})
    LearningTheme.objects.create(name=HOSTILE)
    review.themes.set(LearningTheme.objects.filter(name=HOSTILE))
    dispute_raise(review=review, actor=handler, comment=HOSTILE)
    html = _page(handler_client)
    assert HOSTILE not in html
    assert f"{ESCAPED}<br>{ESCAPED}" in html  # the feedback, line by line
    assert html.count(ESCAPED) == 4  # + the theme and the dispute's comment


def test_older_feedback_is_a_page_away_newest_first(handler_client, handler, supervisor, monkeypatch):
    monkeypatch.setattr("qa.views.feedback.FEEDBACK_PAGE", 2)
    reviews = [review_record(item=item, reviewer=supervisor, data=grades()) for item in _items(supervisor, handler, 3)]
    newest_first = sorted(reviews, key=lambda r: (r.created_at, r.pk), reverse=True)
    first = _page(handler_client)
    assert [f'id="review-{r.pk}"' in first for r in newest_first] == [True, True, False]
    assert '<a class="govuk-link govuk-pagination__link" href="?page=2" rel="next">Older' in first
    assert 'rel="prev"' not in first
    second = _page(handler_client, "?page=2")
    assert [f'id="review-{r.pk}"' in second for r in newest_first] == [False, False, True]
    assert '<a class="govuk-link govuk-pagination__link" href="?page=1" rel="prev">Newer' in second
    assert 'rel="next"' not in second
    # A form on an older page sends the page along: a refused dispute shows that page again,
    # and a sent one goes back to it.
    oldest = newest_first[-1]
    assert f'action="/qa/feedback/{oldest.pk}/dispute/?page=2"' in second
    url = reverse("qa:feedback-dispute", args=[oldest.pk]) + "?page=2"
    refused = handler_client.post(url, {"comment": ""})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert f'id="dispute-{oldest.pk}-error"' in body
    assert '<details class="govuk-details" open>' in body
    sent = handler_client.post(url, {"comment": "Look again."})
    assert sent["Location"] == reverse("qa:feedback-list") + "?page=2"
    assert Review.objects.get(pk=oldest.pk).disputes.count() == 1
    assert "No older QA reviews." in _page(handler_client, "?page=9")


def test_the_exemption_audits_of_the_handlers_closures_show_below(handler_client, handler, supervisor):
    incident = closed_incident(handler=handler, closed_at=utc(2022, 6, 2, 12), assessed=False)
    check = drawn_sample(supervisor=supervisor, month=JUNE).exemption_checks.get(handler=handler)
    done = exemption_check_record(check=check, reviewer=supervisor, justified=False, feedback=HOSTILE + "\nCall back.")
    html = _page(handler_client)
    assert "You have no QA reviews yet." in html
    assert f'<div class="govuk-summary-card" id="exemption-{check.pk}">' in html
    assert f'<h3 class="govuk-summary-card__title">{incident.reference}, June 2022</h3>' in html
    assert f'<dd class="govuk-summary-list__value">{incident.closure_code.name}</dd>' in html
    assert '<dd class="govuk-summary-list__value">Not justified</dd>' in html
    assert f'<dd class="govuk-summary-list__value">{ESCAPED}<br>Call back.</dd>' in html
    audited = timezone.localtime(done.reviewed_at).strftime("%d/%m/%Y")
    assert f'<dd class="govuk-summary-list__value">{escape(supervisor.display_name)}, {audited}</dd>' in html
    assert HOSTILE not in html
