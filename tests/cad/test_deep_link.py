"""GET /cad/{cad_ref}/ (API.md): one click from the CAD's screen to the assessment form."""

import pytest
from django.urls import reverse

from tests.cad.conftest import CAD_REF, cad_body, put
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_signed_in_handler_goes_straight_to_the_assessment_form(cad, call_taker, client_for):
    reference = put(cad, cad_body()).json()["reference"]

    response = client_for(call_taker).get(f"/cad/{CAD_REF}/")

    assert response.status_code == 302
    assert response["Location"] == reverse("thrive:assessment-form", kwargs={"reference": reference})
    assert client_for(call_taker).get(response["Location"]).status_code == 200


def test_an_incident_not_yet_arrived_is_a_404_page_that_says_so(call_taker, client_for):
    response = client_for(call_taker).get("/cad/STORM/0099/30NOV/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "This incident has not arrived from the CAD yet" in page
    assert "STORM/0099/30NOV" in page
    assert 'class="govuk-heading-l"' in page


def test_signed_out_the_link_goes_to_sign_in_and_back(db, client):
    response = client.get(f"/cad/{CAD_REF}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/cad/")


@pytest.mark.parametrize("trait", ["trainer", "analyst"])
def test_staff_who_do_not_work_incidents_are_refused(cad, client_for, trait):
    put(cad, cad_body())

    assert client_for(UserFactory(**{trait: True})).get(f"/cad/{CAD_REF}/").status_code == 403
