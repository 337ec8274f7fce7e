"""Review issue 13, items 8 and 11: a draft is its author's alone on every route, and every
page, endpoint and admin view that shows a victim's details or an assessment's answers goes
through an access helper that writes the read to the audit log."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import Action, AuditEvent
from tests.security.world import DRAFT_TEXT, VICTIM_NAME, World


def page(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.users[who])
    return client


def api(world: World, who: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens[who]}")
    return client


def reads(object_type: str, object_id: int, action: str = Action.CONSULT) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id), action=action))


# --- Item 8: the supervisor's review page answers 404 for a draft, as the API does -----------


def test_the_teams_supervisor_cannot_read_a_handlers_draft_on_the_review_page(world, db):
    url = reverse("thrive:review-detail", args=[world.draft.pk])

    on_page = page(world, "supervisor").get(url)
    over_api = api(world, "supervisor").get(reverse("api:assessment-detail", args=[world.draft.pk]))

    assert (on_page.status_code, over_api.status_code) == (404, 404)
    assert DRAFT_TEXT not in on_page.content.decode()
    assert reads("assessment", world.draft.pk) == []


def test_a_supervisor_who_writes_a_draft_reads_it_nowhere_else_but_their_own_form(world, db):
    """Nor can the draft be returned or marked reviewed through a forged POST."""
    client = page(world, "supervisor")
    marked = client.post(reverse("thrive:review-mark", args=[world.draft.pk]))
    # A page's blocked action answers as every page does: back with the reason (rule 8's
    # "only a submitted assessment can be reviewed"), nothing marked.
    assert (marked.status_code, marked["Location"]) == (302, reverse("thrive:review-detail", args=[world.draft.pk]))
    assert [str(m) for m in get_messages(marked.wsgi_request)] == ["Only a submitted assessment can be reviewed."]
    world.draft.refresh_from_db()
    assert world.draft.status == "draft"
    assert DRAFT_TEXT not in client.get(reverse("thrive:review-queue")).content.decode()


# --- Item 11: every read of answers or a victim's details is recorded -----------------------


def test_the_review_page_records_that_the_supervisor_read_the_answers(world, db):
    response = page(world, "supervisor").get(reverse("thrive:review-detail", args=[world.submitted.pk]))

    assert response.status_code == 200
    [event] = reads("assessment", world.submitted.pk)
    assert event.actor_username == "supervisor"
    assert event.channel == "page"


def test_the_qa_item_review_records_that_the_grader_read_the_answers(world, db):
    response = page(world, "supervisor").get(reverse("qa:item-review", args=[world.item.pk]))

    assert response.status_code == 200
    assert [e.actor_username for e in reads("assessment", world.item.assessment_id)] == ["supervisor"]


def test_the_incident_page_records_each_victim_it_shows(world, db):
    body = page(world, "handler").get(reverse("incidents:incident-detail", args=[world.incident.reference]))

    assert VICTIM_NAME in body.content.decode()
    assert [e.actor_username for e in reads("victim", world.victim.pk)] == ["handler"]


def test_the_incident_api_records_each_victim_it_discloses(world, db):
    response = api(world, "handler").get(reverse("api:incident-detail", args=[world.incident.reference]))

    assert VICTIM_NAME in response.content.decode()
    assert len(reads("victim", world.victim.pk, Action.DISCLOSE)) == 1


def test_the_admins_victim_page_records_the_read_and_the_list_shows_no_names(world, db):
    client = page(world, "admin")

    listed = client.get(reverse("admin:victims_victim_changelist"))
    opened = client.get(reverse("admin:victims_victim_change", args=[world.victim.pk]))

    assert listed.status_code == 200
    assert VICTIM_NAME not in listed.content.decode()
    assert opened.status_code == 200
    assert VICTIM_NAME in opened.content.decode()
    [event] = reads("victim", world.victim.pk)
    assert (event.actor_username, event.channel) == ("administrator", "admin")


def test_the_admin_shows_no_answers_and_no_phone_outside_the_helpers(world, db):
    client = page(world, "admin")

    assessment = client.get(reverse("admin:thrive_assessment_change", args=[world.draft.pk]))
    text = client.get(reverse("admin:victims_text_change", args=[world.text.pk]))

    assert assessment.status_code == 200
    assert DRAFT_TEXT not in assessment.content.decode()
    assert text.status_code == 200
    assert "+447700900461" not in text.content.decode()


@pytest.mark.parametrize("model", ["victim", "text"])
def test_an_administrator_cannot_delete_a_victim_or_a_text(world, db, model):
    obj = world.victim if model == "victim" else world.text
    response = page(world, "admin").post(reverse(f"admin:victims_{model}_delete", args=[obj.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_a_re_thrive_form_prefilled_from_another_version_records_the_read(world, db):
    """The form starts from the last submitted version's answers (perhaps a colleague's)."""
    response = page(world, "colleague").get(reverse("thrive:assessment-form", args=[world.incident.reference]))

    assert response.status_code == 200
    assert [e.actor_username for e in reads("assessment", world.submitted.pk)] == ["colleague"]


def test_the_revise_page_prefilled_from_the_returned_version_records_the_read(world, db):
    response = page(world, "handler").get(reverse("thrive:returned-revise-form", args=[world.returned.pk]))

    assert response.status_code == 200
    assert [e.actor_username for e in reads("assessment", world.returned.assessment_id)] == ["handler"]
