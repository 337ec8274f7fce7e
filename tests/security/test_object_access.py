"""Object-level rules the role matrix cannot see (docs/SECURITY.md "Object-level rules"):
whose QA feedback, which team's assessments and samples, whose draft, and that trainers and
analysts get nothing of an incident or a victim from anywhere."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

import tests.security.test_permission_matrix as matrix
from audit.models import Action, AuditEvent
from audit.services import audit_record
from qa.models import Dispute, Review
from tests.qa.factories import grades
from tests.security.world import (
    COLLEAGUE_FEEDBACK,
    DRAFT_TEXT,
    HANDLER_FEEDBACK,
    VICTIM_NAME,
    VICTIM_PHONE,
    World,
)
from thrive.models import AssessmentReturn, AssessmentReviewed


def page(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.users[who])
    return client


def api(world: World, who: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens[who]}")
    return client


# --- A handler's QA feedback is theirs alone ------------------------------------------------


def test_a_handler_reads_their_own_feedback_and_not_a_colleagues(world, db):
    body = page(world, "handler").get(reverse("qa:feedback-list")).content.decode()

    assert HANDLER_FEEDBACK in body
    assert COLLEAGUE_FEEDBACK not in body


def test_a_handler_cannot_acknowledge_or_dispute_a_colleagues_review(world, db):
    client = page(world, "handler")
    review = world.colleague_review

    acknowledged = client.post(reverse("qa:feedback-acknowledge", args=[review.pk]))
    disputed = client.post(reverse("qa:feedback-dispute", args=[review.pk]), {"comment": "Not fair."})

    assert (acknowledged.status_code, disputed.status_code) == (404, 404)
    review.refresh_from_db()
    assert review.acknowledged_at is None
    assert not Dispute.objects.filter(review=review).exists()


# --- Supervisors act on their own team only -------------------------------------------------


def test_a_supervisor_of_another_team_cannot_open_or_return_the_teams_assessment(world, db):
    client = page(world, "red_supervisor")
    pk = world.submitted.pk
    valid = {"reason": "poor_quality", "sections": ["prevention"], "feedback": "Say what advice was given."}

    opened = client.get(reverse("thrive:review-detail", args=[pk]))
    returned = client.post(reverse("thrive:review-return", args=[pk]), valid)
    marked = client.post(reverse("thrive:review-mark", args=[pk]))
    over_api = api(world, "red_supervisor").post(reverse("api:assessment-return", args=[pk]), valid, format="json")
    queue = client.get(reverse("thrive:review-queue")).content.decode()

    assert [opened.status_code, returned.status_code, marked.status_code, over_api.status_code] == [403] * 4
    assert not AssessmentReturn.objects.filter(assessment_id=pk).exists()
    assert not AssessmentReviewed.objects.filter(assessment_id=pk).exists()
    assert world.incident.reference not in queue


def test_the_teams_own_supervisor_can_return_it(world, db):
    valid = {"reason": "poor_quality", "sections": ["prevention"], "feedback": "Say what advice was given."}

    response = api(world, "supervisor").post(
        reverse("api:assessment-return", args=[world.submitted.pk]), valid, format="json"
    )

    assert response.status_code == 200, response.content


def test_a_supervisor_of_another_team_cannot_draw_the_teams_sample(world, db):
    response = api(world, "red_supervisor").post(
        reverse("api:qa-sample-create"), {"month": "2022-06", "team": "Blue Watch"}, format="json"
    )

    assert response.status_code == 403


def test_a_supervisor_of_another_team_cannot_see_or_grade_the_teams_sample(world, db):
    client = page(world, "red_supervisor")
    reviews_before = Review.objects.count()
    correction = {**grades(vulnerability="inadequate"), "correction_reason": "Harsher."}

    answers = {
        "sample": client.get(reverse("qa:sample-detail", args=[world.sample.pk])).status_code,
        "withdraw": client.post(reverse("qa:sample-withdraw", args=[world.sample.pk])).status_code,
        "item": client.get(reverse("qa:item-review", args=[world.item.pk])).status_code,
        "grade": client.post(reverse("qa:item-review", args=[world.item.pk]), correction).status_code,
        "grade over the API": api(world, "red_supervisor")
        .post(reverse("api:qa-review-create"), {"sample_item": world.item.pk, **grades()}, format="json")
        .status_code,
        "uphold": client.post(reverse("qa:dispute-uphold", args=[world.dispute.pk]), {"response": "No."}).status_code,
        "change": client.post(
            reverse("qa:dispute-change", args=[world.dispute.pk]), {"response": "Yes.", **grades()}
        ).status_code,
    }

    assert answers == {
        "sample": 404,
        "withdraw": 404,
        "item": 404,
        "grade": 404,
        "grade over the API": 400,  # as an unknown sample_item: no answer tells which ids exist
        # The dispute list hides the team's disputes; a forged POST is refused by the service.
        "uphold": 403,
        "change": 403,
    }
    assert Review.objects.count() == reviews_before
    world.dispute.refresh_from_db()
    assert world.dispute.resolved_at is None
    listed = client.get(reverse("qa:dispute-list")).content.decode()
    assert world.dispute.comment not in listed
    samples = client.get(reverse("qa:sample-list")).content.decode()
    assert reverse("qa:sample-detail", args=[world.sample.pk]) not in samples


# --- A draft is private to its author ------------------------------------------------------


@pytest.mark.parametrize("who", ["colleague", "supervisor", "admin"])
def test_a_draft_cannot_be_read_by_anyone_but_its_author(world, db, who):
    version_page = reverse("thrive:assessment-version", args=[world.incident.reference, world.draft.version])

    on_page = page(world, who).get(version_page)
    over_api = api(world, who).get(reverse("api:assessment-detail", args=[world.draft.pk]))
    incident_page = page(world, who).get(reverse("incidents:incident-detail", args=[world.incident.reference]))
    incident_api = api(world, who).get(reverse("api:incident-detail", args=[world.incident.reference]))

    assert on_page.status_code == 200  # "this version is still a draft", nothing of it
    assert DRAFT_TEXT not in on_page.content.decode()
    assert over_api.status_code == 404
    assert DRAFT_TEXT not in incident_page.content.decode()
    assert DRAFT_TEXT not in incident_api.content.decode()


def test_its_author_reads_the_draft(world, db):
    version_page = reverse("thrive:assessment-version", args=[world.incident.reference, world.draft.version])

    on_page = page(world, "handler").get(version_page)
    over_api = api(world, "handler").get(reverse("api:assessment-detail", args=[world.draft.pk]))

    assert DRAFT_TEXT in on_page.content.decode()
    assert over_api.json()["answers"]["threat"] == DRAFT_TEXT


# --- Trainers and analysts see nothing of incidents or victims ------------------------------


def _secrets(world: World) -> list[str]:
    return [
        world.incident.reference,
        *world.closed_references,
        world.incident.summary,
        VICTIM_NAME,
        VICTIM_PHONE,
        VICTIM_PHONE.replace(" ", ""),
        DRAFT_TEXT,
        HANDLER_FEEDBACK,
        COLLEAGUE_FEEDBACK,
        world.submitted.answers["threat"],
    ]


@pytest.mark.parametrize("who", ["trainer", "analyst"])
def test_trainers_and_analysts_get_no_incident_or_victim_data_from_any_api(world, db, who):
    leaks = []
    for name, methods in matrix.MATRIX.items():
        if not matrix.is_api(name):
            continue
        for method in methods:
            response = matrix.ask(world, who, name, method)
            body = response.content.decode(errors="replace")
            found = [secret for secret in _secrets(world) if secret and secret in body]
            if found:
                leaks.append(f"{method} {name}: {response.status_code} shows {found}")
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("who", ["trainer", "analyst"])
def test_trainers_and_analysts_get_no_incident_log_or_victim_from_any_page(world, db, who):
    """Pages too. An analyst's QA drill-down names the incident reference of a graded item
    (the figures' evidence), but neither the log nor the victim: references are left out."""
    secrets = [s for s in _secrets(world) if s != world.incident.reference and s not in world.closed_references]
    leaks = []
    for name, methods in matrix.MATRIX.items():
        if matrix.is_api(name) or "GET" not in methods:
            continue
        response = matrix.ask(world, who, name, "GET")
        body = response.content.decode(errors="replace")
        found = [secret for secret in secrets if secret in body]
        if found:
            leaks.append(f"GET {name}: {response.status_code} shows {found}")
    assert not leaks, "\n".join(leaks)


# --- The audit log ----------------------------------------------------------------------------


def test_nobody_changes_or_deletes_the_audit_log_through_the_admin(world, db):
    event = audit_record(actor=world.users["handler"], action=Action.CONSULT, object_type="victim", object_id=1)
    client = page(world, "admin")

    change = client.post(reverse("admin:audit_auditevent_change", args=[event.pk]), {"description": "edited"})
    delete = client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"})
    add = client.get(reverse("admin:audit_auditevent_add"))

    assert (change.status_code, delete.status_code, add.status_code) == (403, 403, 403)
    event.refresh_from_db()
    assert event.description == ""
    assert AuditEvent.objects.filter(pk=event.pk).exists()
