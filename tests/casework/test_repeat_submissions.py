"""An identical submission arriving twice (a CAD retrying, a double post without an
Idempotency-Key) is answered with the version already made: no second version, no second
log entry, no second text. The rule is in casework.services.assessment_record."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from casework.services import assessment_record
from incidents.models import EntryKind
from tests.factories import UserFactory, make_incident
from tests.victims.conftest import texting_answers
from thrive.models import Assessment
from victims.models import Text


def _url(incident) -> str:
    return f"/api/incidents/{incident.reference}/assessments/"


@pytest.mark.django_db
def test_posting_the_same_submission_twice_answers_the_first_version_again(handler, api_client_for):
    incident = make_incident(handler=handler, category="domestic_abuse")
    client = api_client_for(handler)
    body = {"submit": True, **texting_answers()}

    first = client.post(_url(incident), body, format="json")
    second = client.post(_url(incident), body, format="json")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert Assessment.objects.filter(incident=incident).count() == 1
    assert Text.objects.filter(incident=incident).count() == 1
    assert incident.entries.filter(kind=EntryKind.ASSESSMENT_SUBMITTED).count() == 1


@pytest.mark.django_db
def test_a_different_submission_within_the_window_is_a_new_version(handler, api_client_for):
    incident = make_incident(handler=handler)
    client = api_client_for(handler)
    client.post(_url(incident), {"submit": True, **texting_answers()}, format="json")
    changed = texting_answers()
    changed["threat"] = "He has come back."
    response = client.post(_url(incident), {"submit": True, **changed}, format="json")
    assert response.json()["version"] == 2


@pytest.mark.django_db
def test_the_same_submission_after_the_window_is_a_new_version(handler, api_client_for, settings):
    settings.ASSESSMENT_REPEAT_WINDOW_SECONDS = 10
    incident = make_incident(handler=handler)
    client = api_client_for(handler)
    body = {"submit": True, **texting_answers()}
    client.post(_url(incident), body, format="json")
    Assessment.objects.filter(incident=incident).update(
        recorded_at=Assessment.objects.get().recorded_at - timedelta(seconds=11)
    )

    response = client.post(_url(incident), body, format="json")

    assert response.json()["version"] == 2
    # A new version, but the same number needs a reason for a second text (rule 12).
    assert Text.objects.filter(incident=incident).count() == 1


@pytest.mark.django_db
def test_the_same_answers_from_another_author_are_their_own_version(handler, supervisor):
    incident = make_incident(handler=handler)
    assessment_record(incident=incident, author=handler, data=texting_answers(), submit=True)
    theirs = assessment_record(incident=incident, author=supervisor, data=texting_answers(), submit=True)
    assert theirs.version == 2


@pytest.mark.django_db
def test_a_draft_post_is_never_mistaken_for_a_repeat(handler):
    incident = make_incident(handler=handler)
    submitted = assessment_record(incident=incident, author=handler, data=texting_answers(), submit=True)
    draft = assessment_record(incident=incident, author=handler, data=texting_answers(), submit=False)
    assert draft.pk != submitted.pk
    assert draft.status == "draft"


@pytest.mark.django_db
def test_the_window_is_a_setting_and_zero_turns_it_off(handler, settings):
    settings.ASSESSMENT_REPEAT_WINDOW_SECONDS = 0
    incident = make_incident(handler=handler)
    assessment_record(incident=incident, author=handler, data=texting_answers(), submit=True)
    again = assessment_record(incident=incident, author=handler, data=texting_answers(), submit=True)
    assert again.version == 2


# serialized_rollback: the flush after this test then leaves the role groups alone, so a
# later serialized test does not meet them twice.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_identical_posts_at_the_same_moment_make_one_version_and_one_text(api_client_for):
    """Two connections to the real PostgreSQL, released together: the incident's row lock
    makes the second wait for the first to commit, and then see its version."""
    handler = UserFactory(handler=True)
    incident = make_incident(handler=handler, category="domestic_abuse")
    body = {"submit": True, **texting_answers()}
    barrier = threading.Barrier(2)
    answers: list[tuple[int, dict]] = []

    def post() -> None:
        client = api_client_for(handler)
        try:
            barrier.wait()
            response = client.post(_url(incident), body, format="json")
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [status for status, _ in answers] == [201, 201]
    assert answers[0][1] == answers[1][1]
    assert Assessment.objects.filter(incident=incident).count() == 1
    assert Text.objects.filter(incident=incident).count() == 1
    assert incident.entries.filter(kind=EntryKind.TEXT_QUEUED).count() == 1
