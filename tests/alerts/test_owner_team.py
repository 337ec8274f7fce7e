"""Rule 13 meets the watch handover and the CAD (issue 15): an alert goes to the supervisors
of the team that answers for the incident now, the current owner's, not the team of a call
taker the CAD named afterwards."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from alerts.models import Alert
from alerts.services import alert_raise_overdue, watch_start
from cad.services import cad_incident_put
from incidents.handover import incident_handover
from incidents.models import Incident
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_overdue_alert_goes_to_the_owners_team(blue, red, sup_a, sup_red, blue_handler):
    integration = UserFactory(role=Role.INTEGRATION, username="storm-adapter", team=None)
    colleague = UserFactory(handler=True, username="blue_two", team=blue)
    red_handler = UserFactory(handler=True, username="red_handler", team=red)
    watch_start(supervisor=sup_a)
    watch_start(supervisor=sup_red)
    body = {
        "channel": "999",
        "category": "burglary_dwelling",
        "grading": "priority",
        "summary": "Back door forced.",
        "opened_at": timezone.now() - timedelta(minutes=210 + 61),
    }
    incident, _ = cad_incident_put(actor=integration, cad_ref="STORM/1", handler="blue_handler", **body)
    incident_handover(actor=blue_handler, to="blue_two", references=[incident.reference])
    # The CAD then corrects the call taker to someone on Red Watch: the incident's team follows
    # the call taker, but Blue Watch's colleague still owns it after the handover.
    cad_incident_put(actor=integration, cad_ref="STORM/1", handler="red_handler", **body)
    incident = Incident.objects.get(pk=incident.pk)
    assert (incident.handler, incident.team, incident.owner) == (red_handler, red, colleague)

    assert alert_raise_overdue() == 1
    alert = Alert.objects.get(incident=incident)
    assert list(alert.recipients.values_list("supervisor__username", flat=True)) == ["sup_a"]
    assert alert.team == blue
