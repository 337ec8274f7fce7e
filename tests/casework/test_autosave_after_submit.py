"""An autosave that raced a submission and arrives after it has committed must not create
(or bring back) a draft holding the autosaved words."""

import pytest
from django.urls import reverse

from casework.services import assessment_record
from tests.factories import complete_answers, form_post, make_incident
from thrive.models import Assessment, AssessmentStatus

pytestmark = pytest.mark.django_db


def _urls(incident) -> tuple[str, str, str]:
    kwargs = {"reference": incident.reference}
    return (
        reverse("thrive:assessment-form", kwargs=kwargs),
        reverse("thrive:assessment-autosave", kwargs=kwargs),
        reverse("thrive:assessment-submit", kwargs=kwargs),
    )


@pytest.mark.parametrize("autosaved_before", [True, False])
def test_an_autosave_arriving_after_the_submit_leaves_no_draft(handler, handler_client, autosaved_before):
    incident = make_incident(handler=handler, assessed=True)
    form_url, autosave_url, submit_url = _urls(incident)
    form_version = handler_client.get(form_url).context["form_version"]
    if autosaved_before:
        handler_client.post(
            autosave_url,
            form_post({"threat": "typing"}, form_version=str(form_version)),
            headers={"HX-Request": "true"},
        )

    # The real order: the submit commits first, then the late autosave request arrives.
    assert (
        handler_client.post(submit_url, form_post(complete_answers(), form_version=str(form_version))).status_code
        == 302
    )
    late = handler_client.post(
        autosave_url,
        form_post({"threat": "Autosaved words"}, form_version=str(form_version)),
        headers={"HX-Request": "true"},
    )

    assert late.status_code == 409
    assert "already submitted" in late.content.decode()
    assert late["HX-Retarget"] == "#save-status"
    assert not Assessment.objects.filter(incident=incident, status=AssessmentStatus.DRAFT).exists()
    assert list(incident.assessments.values_list("version", "status")) == [(1, "submitted"), (2, "submitted")]
    # The next form is a clean new version, not the autosaved words.
    next_form = handler_client.get(form_url)
    assert next_form.context["form_version"] == 3
    assert "Autosaved words" not in next_form.content.decode()


def test_a_late_save_draft_without_javascript_is_refused_too(handler, handler_client):
    incident = make_incident(handler=handler)
    form_url, autosave_url, submit_url = _urls(incident)
    form_version = handler_client.get(form_url).context["form_version"]
    handler_client.post(submit_url, form_post(complete_answers(), form_version=str(form_version)))
    response = handler_client.post(autosave_url, form_post({"threat": "late"}, form_version=str(form_version)))
    assert response.status_code == 409
    assert not Assessment.objects.filter(incident=incident, status=AssessmentStatus.DRAFT).exists()


def test_autosaves_of_a_form_still_being_written_keep_saving(handler, handler_client, supervisor):
    """The refusal is for this author's own submitted version: another author's submission
    of the version number this form expected does not stop the draft."""
    incident = make_incident(handler=handler, assessed=True)
    form_url, autosave_url, _ = _urls(incident)
    form_version = handler_client.get(form_url).context["form_version"]
    assessment_record(incident=incident, author=supervisor, data=complete_answers(threat="Theirs"), submit=True)
    response = handler_client.post(
        autosave_url, form_post({"threat": "Mine"}, form_version=str(form_version)), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    draft = Assessment.objects.get(incident=incident, author=handler, status=AssessmentStatus.DRAFT)
    assert draft.answers["threat"] == "Mine"


def test_the_service_refuses_a_draft_save_for_a_version_already_submitted(handler):
    from config.errors import Blocked

    incident = make_incident(handler=handler)
    assessment_record(incident=incident, author=handler, data=complete_answers(), submit=True, form_version=1)
    with pytest.raises(Blocked) as caught:
        assessment_record(incident=incident, author=handler, data={"threat": "late"}, submit=False, form_version=1)
    assert caught.value.code == "already_submitted"
    assert Assessment.objects.filter(incident=incident).count() == 1
