"""Erasing a victim's personal details: gone from the record, recorded in the audit log
without the erased data, and the rest of the incident kept."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import Action, AuditEvent
from tests.factories import UserFactory, make_incident
from victims.models import Victim
from victims.services import victim_erase, victim_link

NAME = "Joanna Q. Example"


@pytest.fixture
def victim(handler):
    incident = make_incident(handler=handler)
    return victim_link(
        incident=incident, actor=handler, name=NAME, phone="07700 900321", address="4 Mill Court", postcode="ab1 2cd"
    )


def test_erasure_removes_the_personal_details_and_keeps_the_link(victim, admin_user):
    victim_erase(victim=victim, actor=admin_user, reason="Subject access request SAR-77, erasure agreed")
    erased = Victim.objects.get(pk=victim.pk)
    assert erased.name == "[erased]"
    assert (erased.phone, erased.phone_e164, erased.address, erased.postcode) == ("", "", "", "")
    assert erased.date_of_birth is None
    assert erased.check_matches == []
    assert erased.erased_by == admin_user
    assert erased.incident_id == victim.incident_id


def test_the_audit_log_records_who_erased_and_why_but_never_the_data(victim, admin_user):
    victim_erase(victim=victim, actor=admin_user, reason="Subject access request SAR-77")
    event = AuditEvent.objects.get(action=Action.ERASE)
    assert event.actor_username == admin_user.username
    assert event.object_id == str(victim.pk)
    assert event.incident_reference == victim.incident.reference
    assert not AuditEvent.objects.filter(description__icontains="Joanna").exists()


def test_erasure_needs_a_reason_and_happens_once(victim, admin_user):
    with pytest.raises(ValidationError) as refused:
        victim_erase(victim=victim, actor=admin_user, reason=" ")
    assert "reason" in refused.value.message_dict
    assert Victim.objects.get(pk=victim.pk).name == NAME
    victim_erase(victim=victim, actor=admin_user, reason="SAR-77")
    victim_erase(victim=victim, actor=admin_user, reason="SAR-77 again")
    assert AuditEvent.objects.filter(action=Action.ERASE).count() == 1


def test_an_administrator_erases_from_the_admin_with_a_reason(victim, client_for):
    admin = client_for(UserFactory(admin=True))
    response = admin.post(
        "/admin/victims/victim/",
        {"action": "erase_personal_details", "_selected_action": [victim.pk], "reason": "SAR-81"},
    )
    assert response.status_code == 302
    assert Victim.objects.get(pk=victim.pk).erased_at is not None
    assert AuditEvent.objects.get(action=Action.ERASE).channel == "admin"
