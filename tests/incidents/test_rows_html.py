"""The incident tables' rows (built in Python) escape every value and still link, filter and
tag correctly: a handler's name and an opening code's name hold markup characters here."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Category, Incident
from tests.factories import UserFactory, make_incident

NASTY = 'Tom & "Jo" O\'Brien <script>alert(1)</script>'
ESCAPED = "Tom &amp; &quot;Jo&quot; O&#x27;Brien &lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def nasty_incident(db):
    handler = UserFactory(handler=True, username="nasty", full_name=NASTY)
    Category.objects.create(code="odd_code", name=f"Odd {NASTY}")
    incident = make_incident(handler=handler, category="odd_code", opened_at=timezone.now() - timedelta(hours=5))
    # Past its re-THRIVE time: the overdue tag shows.
    Incident.objects.filter(pk=incident.pk).update(rethrive_due_at=timezone.now() - timedelta(minutes=1))
    return Incident.objects.get(pk=incident.pk)


def test_the_incident_list_escapes_names_and_still_filters_and_links(client_for, nasty_incident):
    client = client_for(nasty_incident.handler)
    response = client.get(reverse("incidents:incident-list"), {"handler": "nasty"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html
    assert f'<td class="govuk-table__cell">Odd {ESCAPED}</td>' in html
    assert f'<td class="govuk-table__cell">{ESCAPED}</td>' in html
    # The filter kept its choice, and the row links to the incident.
    assert f'<option value="nasty" selected>{ESCAPED}</option>' in html
    url = reverse("incidents:incident-detail", kwargs={"reference": nasty_incident.reference})
    assert f'<a class="govuk-link" href="{url}">{nasty_incident.reference}</a>' in html
    assert "Re-THRIVE overdue" in html


def test_the_handler_home_escapes_names(client_for, nasty_incident):
    response = client_for(nasty_incident.handler).get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert nasty_incident.reference in html
    assert "<script>alert(1)</script>" not in html
    assert f"Odd {ESCAPED}" in html
