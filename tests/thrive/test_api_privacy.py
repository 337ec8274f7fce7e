from tests.factories import UserFactory, make_incident


def test_a_draft_is_private_to_its_author_over_the_api(handler, api_client_for):
    incident = make_incident(handler=handler)
    draft = api_client_for(handler).post(
        f"/api/incidents/{incident.reference}/assessments/", {"submit": False, "threat": "early notes"}, format="json"
    )
    assert draft.status_code == 201
    colleague = UserFactory(handler=True)
    assert api_client_for(colleague).get(f"/api/assessments/{draft.json()['id']}/").status_code == 404
    assert api_client_for(handler).get(f"/api/assessments/{draft.json()['id']}/").status_code == 200


def test_a_form_encoded_assessment_is_refused_as_the_wrong_media_type(handler, api_client_for):
    incident = make_incident(handler=handler)
    response = api_client_for(handler).post(
        f"/api/incidents/{incident.reference}/assessments/",
        "submit=true&threat=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 415
    assert not incident.assessments.exists()
