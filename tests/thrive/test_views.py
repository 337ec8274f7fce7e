"""The version page (thrive/views.py): a submitted version read back, read-only, with the
wording it was written against."""

from django.urls import reverse

from tests.factories import complete_answers, make_incident


def test_the_version_page_shows_a_version_read_only_with_its_wording(handler, handler_client):
    incident = make_incident(handler=handler, assessed=True)
    url = reverse("thrive:assessment-version", kwargs={"reference": incident.reference, "version": 1})
    response = handler_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "What is the threat?" in html
    assert complete_answers()["threat"] in html
    assert "THRIVE-SP version 1" in html
    assert "<textarea" not in html
    assert 'type="radio"' not in html


def test_an_unknown_version_is_404(handler, handler_client):
    incident = make_incident(handler=handler, assessed=True)
    url = reverse("thrive:assessment-version", kwargs={"reference": incident.reference, "version": 9})
    assert handler_client.get(url).status_code == 404
