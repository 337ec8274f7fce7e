"""Phone first (issue 19): a caller who has called before is found by the number typed into the
victim panel, with the repeat-victim check's own search (victims.selectors), offered with their
name, date of birth and earlier incidents, and linked only when the handler presses for it.
Showing them is a read of their details, recorded as every read of a victim is."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, AuditEvent
from tests.factories import make_incident
from thrive.returns import assessment_return
from victims.models import Victim
from victims.services import victim_erase, victim_link

HTMX = {"HTTP_HX_REQUEST": "true"}
PHONE = "07700 900123"
BORN = date(1980, 3, 3)


@pytest.fixture
def incident(handler):
    return make_incident(handler=handler)


@pytest.fixture
def jane(handler):
    """Jane Smith, the victim in two earlier incidents from the same mobile."""
    rows = []
    for hours in (30, 20):
        earlier = make_incident(handler=handler, opened_at=timezone.now() - timedelta(hours=hours))
        rows.append(victim_link(incident=earlier, actor=handler, name="Jane Smith", date_of_birth=BORN, phone=PHONE))
    return rows


def _phone_url(incident) -> str:
    return reverse("thrive:assessment-victim-phone", kwargs={"reference": incident.reference})


def _link_url(incident) -> str:
    return reverse("thrive:assessment-victim-link", kwargs={"reference": incident.reference})


def _offered(client, incident, phone=PHONE):
    response = client.post(_phone_url(incident), {"phone": phone}, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def test_a_number_that_called_before_offers_the_person_and_links_no_one(handler_client, incident, jane):
    html = _offered(handler_client, incident, phone="+44 7700 900123")  # however it is typed
    assert "Link Jane Smith, born 3 March 1980, 2 earlier incidents" in html
    assert "Press Enter to link them" in html
    # One button for the person, the newest of their rows: offered, not linked.
    assert html.count("data-phone-match") == 1
    assert f'"match": "{jane[-1].pk}"' in html
    assert not Victim.objects.filter(incident=incident).exists()


def test_offering_a_person_records_the_read_of_their_details(handler_client, handler, incident, jane):
    _offered(handler_client, incident)
    read = AuditEvent.objects.get(object_type="victim", object_id=str(jane[-1].pk), action=Action.CONSULT)
    assert read.actor == handler
    assert read.incident_reference == jane[-1].incident.reference
    assert read.description == f"Offered as a phone match on incident {incident.reference}"
    # The number typed is never in the audit log: it was posted, and the path alone is kept.
    assert "7700" not in read.path


def test_a_number_with_no_earlier_caller_says_so_and_reads_no_one(handler_client, incident, jane):
    html = _offered(handler_client, incident, phone="07700 900999")
    assert "No one has called from this number" in html
    assert "data-phone-match" not in html
    assert not AuditEvent.objects.filter(object_type="victim", action=Action.CONSULT).exists()


def test_a_number_half_typed_is_not_looked_up(handler_client, incident, jane):
    html = _offered(handler_client, incident, phone="07700 9")
    assert "data-phone-match" not in html
    assert "No one has called" not in html


def test_several_people_on_one_number_are_each_offered_for_the_handler_to_choose(
    handler_client, handler, incident, jane
):
    other = make_incident(handler=handler)
    victim_link(incident=other, actor=handler, name="Tom Smith", date_of_birth=date(2008, 5, 1), phone=PHONE)
    html = _offered(handler_client, incident)
    assert "2 people have called from this number. Choose who is calling" in html
    assert "Link Tom Smith, born 1 May 2008, 1 earlier incident<" in html
    assert "Link Jane Smith, born 3 March 1980, 2 earlier incidents" in html
    assert "Press Enter to link them" not in html


def test_erased_people_and_this_incidents_own_victims_are_not_offered(handler_client, handler, incident, jane):
    for row in jane:
        victim_erase(victim=row, actor=handler, reason="Subject access: erasure requested")
    victim_link(incident=incident, actor=handler, name="Ann Jones", phone=PHONE)
    html = _offered(handler_client, incident)
    assert "data-phone-match" not in html
    assert "Jane" not in html
    assert "Ann Jones" not in html


def test_a_caller_outside_the_look_back_window_is_not_offered(handler_client, handler, incident, settings):
    settings.REPEAT_VICTIM_LOOKBACK_DAYS = 30
    old = make_incident(handler=handler, opened_at=incident.opened_at - timedelta(days=31))
    victim_link(incident=old, actor=handler, name="Jane Smith", date_of_birth=BORN, phone=PHONE)
    assert "data-phone-match" not in _offered(handler_client, incident)


def test_pressing_the_offer_links_the_person_with_their_name_and_date_of_birth(handler_client, incident, jane):
    response = handler_client.post(_link_url(incident), {"match": str(jane[-1].pk), "phone": PHONE, "name": ""}, **HTMX)
    assert response.status_code == 200
    victim = Victim.objects.get(incident=incident)
    assert (victim.name, victim.date_of_birth, victim.phone) == ("Jane Smith", BORN, PHONE)
    # The repeat check ran as for any link: both earlier incidents, by phone and by name and date of birth.
    assert {m["reference"] for m in victim.check_matches} == {row.incident.reference for row in jane}
    assert all(m["matched_on"] == ["phone", "name_dob"] for m in victim.check_matches)
    html = response.content.decode()
    assert "2 earlier incidents" in html
    assert "Is Jane Smith a repeat victim?" in html
    assert AuditEvent.objects.filter(object_type="victim", object_id=str(victim.pk), action=Action.COLLECT).exists()


def test_an_offer_is_checked_again_against_the_number_when_pressed(handler_client, handler, incident, jane):
    """The id posted is never taken on its word: a victim not matched by this number (another
    number, or a person since erased) is refused, naming the number, and nothing is linked."""
    stranger = victim_link(incident=make_incident(handler=handler), actor=handler, name="Sam Lee", phone="07700 900555")
    response = handler_client.post(_link_url(incident), {"match": str(stranger.pk), "phone": PHONE}, **HTMX)
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#victim-panel"
    html = response.content.decode()
    assert "no longer a match" in html
    assert 'id="v-phone"' in html
    assert "Sam Lee" not in html
    assert not Victim.objects.filter(incident=incident).exists()


def test_a_bad_offer_id_is_a_form_error_not_a_500(handler_client, incident, jane):
    response = handler_client.post(_link_url(incident), {"match": "x'; --", "phone": PHONE}, **HTMX)
    assert response.status_code == 400
    assert not Victim.objects.filter(incident=incident).exists()


def test_the_number_is_looked_up_only_for_staff_who_work_incidents(client, analyst_client, incident, jane):
    assert client.post(_phone_url(incident), {"phone": PHONE}).status_code == 302  # to sign in
    assert analyst_client.post(_phone_url(incident), {"phone": PHONE}, **HTMX).status_code in (403, 404)
    assert not AuditEvent.objects.filter(object_type="victim", action=Action.CONSULT).exists()


def test_the_lookup_is_a_post(handler_client, incident):
    assert handler_client.get(_phone_url(incident), {"phone": PHONE}).status_code == 405


def test_the_form_puts_the_number_first_and_asks_for_the_lookup_as_it_is_typed(handler_client, incident):
    html = handler_client.get(reverse("thrive:assessment-form", kwargs={"reference": incident.reference})).content
    html = html.decode()
    assert html.index('id="v-phone"') < html.index('id="v-name"')
    assert f'hx-post="{_phone_url(incident)}"' in html
    assert 'hx-params="phone"' in html


def test_the_revise_page_has_the_victim_panel(handler_client, handler, supervisor):
    incident = make_incident(handler=handler, assessed=True)
    returned = assessment_return(
        assessment=incident.assessments.get(),
        actor=supervisor,
        reason="poor_quality",
        sections=["threat"],
        feedback="More on the threat.",
    )
    victim = victim_link(incident=incident, actor=handler, name="Ann Smith", phone=PHONE)
    response = handler_client.get(reverse("thrive:returned-revise-form", kwargs={"pk": returned.pk}))
    html = response.content.decode()
    assert 'id="victim-panel"' in html
    assert f'hx-post="{_phone_url(incident)}"' in html
    assert "Is Ann Smith a repeat victim?" in html
    # The panel is outside the assessment form: linking a victim never posts the answers.
    assert html.index('id="victim-panel"') < html.index("data-assessment-form")
    # Its mobile stands in Prevention's number, as on the form; the read is recorded.
    assert f'value="{PHONE}"' in html
    assert AuditEvent.objects.filter(object_type="victim", object_id=str(victim.pk), action=Action.CONSULT).exists()
