"""Outside re-review of issue 13 (items 1 and 11) on the returned-assessment route: a
revision submitted from /thrive/returned/{id}/revise/ goes through the same text rule as
every submission, so asking again for the number already texted, without "send again",
makes no text. The form page says so plainly ("No text was sent"); the revise page said only
"submitted: return cleared", so a handler could tell a victim a text was on its way. The
revision is also recorded as a submission in the audit log, as the form and the API do."""

import pytest
from django.urls import reverse

from audit.models import Action, AuditEvent
from casework.services import assessment_record
from tests.factories import form_post, make_incident
from tests.thrive.test_texts_ask_afresh import _texting
from thrive.returns import assessment_return
from victims.models import Text

pytestmark = pytest.mark.django_db


@pytest.fixture
def returned(handler, supervisor):
    incident = make_incident(handler=handler, category="domestic_abuse")
    first = assessment_record(incident=incident, author=handler, data=_texting(threat="First call."), submit=True)
    assert Text.objects.filter(incident=incident).count() == 1
    return assessment_return(
        assessment=first, actor=supervisor, reason="poor_quality", sections=["threat"], feedback="More on the threat."
    )


def _revise(client, returned, **extra):
    data = form_post(_texting(threat="He has a knife."), form_version="2", **extra)
    return client.post(reverse("thrive:returned-revise", kwargs={"pk": returned.pk}), data)


def test_a_revision_asking_again_for_the_texted_number_says_no_text_went(handler_client, returned):
    response = _revise(handler_client, returned)
    assert response.status_code == 302
    incident = returned.assessment.incident
    assert incident.assessments.filter(status="submitted").count() == 2
    assert Text.objects.filter(incident=incident).count() == 1
    assert "No text was sent" in handler_client.get(response.url).content.decode()


def test_a_revision_is_recorded_as_a_submission(handler_client, returned):
    _revise(handler_client, returned)
    incident = returned.assessment.incident
    revision = incident.assessments.get(version=2)
    assert AuditEvent.objects.filter(
        action=Action.COLLECT, object_type="assessment", object_id=str(revision.pk), actor_username="handler"
    ).exists()
