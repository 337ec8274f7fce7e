"""The QA pages: happy paths, wrong roles, bad input, and the dashboard's query count."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils.html import escape

from accounts.models import Team
from incidents.models import EntryKind
from incidents.services import log_entry_write
from qa.models import Dispute, Grade, LearningTheme, Review, Sample
from qa.services import dispute_raise, review_record
from tests.factories import TeamFactory, UserFactory
from tests.qa.factories import closed_incident, drawn_sample, grades, utc

JUNE = date(2022, 6, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def item(supervisor, handler):
    closed_incident(handler=handler, closed_at=utc(2022, 6, 2, 12))
    return drawn_sample(supervisor=supervisor, month=JUNE).items.get()


def test_draw_a_sample_from_the_page(supervisor_client, handler):
    closed_incident(handler=handler, closed_at=utc(2022, 6, 2, 12))
    assert supervisor_client.get(reverse("qa:sample-list")).status_code == 200
    response = supervisor_client.post(reverse("qa:sample-create"), {"month": "2022-06", "per_handler": "3", "seed": ""})
    sample = Sample.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("qa:sample-detail", args=[sample.pk])
    page = supervisor_client.get(response.url)
    assert "0 of 1 graded" in page.content.decode()
    listing = supervisor_client.get(reverse("qa:sample-list")).content.decode()
    assert "0 of 1 graded" in listing


def test_bad_sample_input_is_shown_on_the_form(supervisor_client):
    response = supervisor_client.post(reverse("qa:sample-create"), {"month": "June", "per_handler": "x", "seed": "y"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert "YYYY-MM" in body
    assert 'href="#f-per_handler"' in body
    assert not Sample.objects.exists()


def test_a_duplicate_sample_is_explained(supervisor_client, supervisor):
    drawn_sample(supervisor=supervisor, month=JUNE)
    response = supervisor_client.post(reverse("qa:sample-create"), {"month": "2022-06", "per_handler": "3"})
    assert response.status_code == 400
    assert "withdraw it first" in response.content.decode()


def test_sample_pages_refuse_other_roles(handler_client, analyst_client, item):
    for client in (handler_client, analyst_client):
        assert client.get(reverse("qa:sample-list")).status_code == 403
        assert client.get(reverse("qa:item-review", args=[item.pk])).status_code == 403


def test_grade_beside_the_assessment(supervisor_client, item, handler):
    log_entry_write(incident=item.incident, kind=EntryKind.REPEAT_CHECK, author=handler, text="No matches.")
    theme = LearningTheme.objects.create(name="Voice of the child")
    page = supervisor_client.get(reverse("qa:item-review", args=[item.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert item.incident.reference in body
    assert "Caller is pregnant and lives alone." in body  # the answers, read-only
    assert item.assessment.prompt_set.sections[0]["title"] in body  # with their wording
    assert 'id="f-repeat_victim_check" name="repeat_victim_check" type="radio" value="yes" checked' in body
    response = supervisor_client.post(
        reverse("qa:item-review", args=[item.pk]),
        {**grades(Grade.OUTSTANDING), "good_practice": "true", "themes": [str(theme.pk)]},
    )
    assert response.status_code == 302
    review = Review.objects.get()
    assert review.vulnerability_id == Grade.OUTSTANDING
    assert review.good_practice
    assert list(review.themes.all()) == [theme]


def test_the_repeat_check_is_blank_when_the_incident_records_none(supervisor_client, item):
    body = supervisor_client.get(reverse("qa:item-review", args=[item.pk])).content.decode()
    assert 'value="yes" checked' not in body


def test_bad_grading_input_is_shown(supervisor_client, item):
    response = supervisor_client.post(reverse("qa:item-review", args=[item.pk]), {"vulnerability": "good"})
    assert response.status_code == 400
    assert 'href="#f-prevention"' in response.content.decode()
    assert not Review.objects.exists()


def test_correcting_from_the_page_needs_a_reason(supervisor_client, supervisor, item):
    review_record(item=item, reviewer=supervisor, data=grades(Grade.INADEQUATE))
    url = reverse("qa:item-review", args=[item.pk])
    assert "Why are you correcting" in supervisor_client.get(url).content.decode()
    assert supervisor_client.post(url, grades()).status_code == 400
    assert supervisor_client.post(url, {**grades(), "correction_reason": "Misread."}).status_code == 302
    assert list(Review.objects.order_by("version").values_list("version", "current")) == [(1, False), (2, True)]


def test_another_teams_supervisor_cannot_grade(client_for, item):
    outsider = UserFactory(supervisor=True, team=TeamFactory(name="Red Watch"))
    assert client_for(outsider).get(reverse("qa:item-review", args=[item.pk])).status_code == 404


def test_dashboard_shows_the_table_and_charts(analyst_client, supervisor, item):
    review_record(item=item, reviewer=supervisor, data=grades(prevention=Grade.NOT_APPLICABLE, good_practice=True))
    response = analyst_client.get(reverse("qa:dashboard") + "?from=2022-05&to=2022-06")
    body = response.content.decode()
    assert response.status_code == 200
    for label in [
        "Calls assessed",
        "Good / outstanding vulnerability assessment (%)",
        "Good / outstanding prevention (%)",
        "Good / outstanding preservation (%)",
        "Repeat victim check",
    ]:
        assert label in body
    assert ">100.0<" in body
    assert "<svg" in body
    assert "Good practice" in body
    assert "export.csv?from=2022-05" in body


def test_dashboard_bad_filters_and_roles(analyst_client, handler_client):
    response = analyst_client.get(reverse("qa:dashboard") + "?from=2022-13")
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert handler_client.get(reverse("qa:dashboard")).status_code == 403


def test_dashboard_query_count_does_not_grow_with_reviews(
    analyst_client, supervisor, handler, django_assert_max_num_queries
):
    for day in range(2, 8):
        closed_incident(handler=handler, closed_at=utc(2022, 7, day, 12))
    for item in drawn_sample(supervisor=supervisor, month=date(2022, 7, 1), per_handler=6).items.all():
        review_record(item=item, reviewer=supervisor, data=grades(good_practice=True))
    url = reverse("qa:dashboard") + "?from=2022-05&to=2022-07"
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    analyst_client.get("/")  # the first page after login renews the session: not the dashboard's
    with CaptureQueriesContext(connection) as few:
        analyst_client.get(url + "&month=2022-06")
    with CaptureQueriesContext(connection) as many:
        analyst_client.get(url + "&month=2022-07")
    assert len(many) == len(few)


def test_drill_down_lists_the_reviews_behind_a_figure(analyst_client, supervisor, item):
    review_record(item=item, reviewer=supervisor, data=grades())
    url = reverse("qa:drilldown") + "?from=2022-06&to=2022-06&month=2022-06&measure=vulnerability&outcome=good"
    response = analyst_client.get(url)
    assert response.status_code == 200
    assert item.incident.reference in response.content.decode()
    assert analyst_client.get(reverse("qa:drilldown") + "?month=nope").status_code == 404


def test_a_handler_sees_only_their_own_feedback(handler_client, handler, supervisor, item):
    review = review_record(item=item, reviewer=supervisor, data=grades(feedback="Mine to read."))
    someone = UserFactory(handler=True)
    closed_incident(handler=someone, closed_at=utc(2022, 7, 2, 12))
    other = drawn_sample(supervisor=supervisor, month=date(2022, 7, 1)).items.get()
    review_record(item=other, reviewer=supervisor, data=grades(feedback="Not yours."))
    body = handler_client.get(reverse("qa:feedback-list")).content.decode()
    assert "Mine to read." in body
    assert "Not yours." not in body
    home = handler_client.get(reverse("accounts:home")).content.decode()
    assert "1 new QA feedback review" in home
    response = handler_client.post(reverse("qa:feedback-acknowledge", args=[review.pk]))
    assert response.status_code == 302
    assert Review.objects.get(pk=review.pk).acknowledged_at is not None
    other_review = Review.objects.get(item=other)
    assert handler_client.post(reverse("qa:feedback-acknowledge", args=[other_review.pk])).status_code == 404


def test_dispute_and_uphold_from_the_pages(handler_client, supervisor_client, supervisor, item):
    review = review_record(item=item, reviewer=supervisor, data=grades(Grade.INADEQUATE))
    url = reverse("qa:feedback-dispute", args=[review.pk])
    assert handler_client.post(url, {"comment": ""}).status_code == 400
    assert handler_client.post(url, {"comment": "I did ask about vulnerability."}).status_code == 302
    dispute = Dispute.objects.get()
    assert "I did ask about vulnerability." in supervisor_client.get(reverse("qa:dispute-list")).content.decode()
    supervisor_client.post(reverse("qa:dispute-uphold", args=[dispute.pk]), {"response": "Not recorded in the log."})
    dispute.refresh_from_db()
    assert dispute.outcome == "upheld"
    assert "Not recorded in the log." in handler_client.get(reverse("qa:feedback-list")).content.decode()


def test_change_a_disputed_grade_from_the_page(handler, supervisor_client, supervisor, item):
    review = review_record(item=item, reviewer=supervisor, data=grades(Grade.INADEQUATE))
    dispute = dispute_raise(review=review, actor=handler, comment="Please look again.")
    response = supervisor_client.post(
        reverse("qa:dispute-change", args=[dispute.pk]), {**grades(Grade.GOOD), "response": "Agreed."}
    )
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.outcome == "changed"
    assert dispute.new_review.vulnerability_id == Grade.GOOD


def test_the_analyst_lands_on_the_figures(analyst_client):
    body = analyst_client.get(reverse("accounts:home")).content.decode()
    assert "QA figures, last six months" in body
    assert reverse("qa:dashboard") in body


@pytest.mark.parametrize("page", ["qa:dashboard", "qa:compliance"])
def test_both_figure_pages_keep_what_was_typed_and_offer_the_same_filters(analyst_client, handler, page):
    response = analyst_client.get(reverse(page), {"from": "2022-13", "to": "2026-06"})
    assert response.status_code == 400
    assert response.context["raw"] == {"from": "2022-13", "to": "2026-06"}
    assert 'value="2022-13"' in response.content.decode()
    html = response.content.decode()
    assert f'<option value="{handler.username}">' in html
    for team in Team.objects.all():
        assert f'<option value="{escape(team.name)}">' in html
