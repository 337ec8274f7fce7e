"""The victim beside the assessment form (issue 19, casework/views_call_victim.py): linking runs
victims' one repeat check and writes what the victim pages write; the outcome is recorded by
victims' one service; the victim's mobile stands in Prevention's number, never the tick."""

import pytest
from django.urls import reverse

from audit.models import Action, AuditEvent
from casework.services import assessment_record
from incidents.models import EntryKind, LogEntry
from tests.factories import make_incident
from thrive.models import Assessment
from victims.models import RepeatOutcome, Victim
from victims.services import victim_link

HTMX = {"HTTP_HX_REQUEST": "true"}
PHONE = "07700 900123"


@pytest.fixture
def incident(handler):
    return make_incident(handler=handler)


@pytest.fixture
def earlier(handler):
    earlier = make_incident(handler=handler)
    victim_link(incident=earlier, actor=handler, name="Ann Smith", phone="+44 7700 900123")
    return earlier


def _link_url(incident) -> str:
    return reverse("thrive:assessment-victim-link", kwargs={"reference": incident.reference})


def _outcome_url(incident, victim) -> str:
    return reverse("thrive:assessment-victim-outcome", kwargs={"reference": incident.reference, "pk": victim.pk})


def _form(incident) -> str:
    return reverse("thrive:assessment-form", kwargs={"reference": incident.reference})


def test_the_form_offers_the_victim_link_beside_the_sections(handler_client, incident):
    html = handler_client.get(_form(incident)).content.decode()
    assert 'id="victim-panel"' in html
    assert f'hx-post="{_link_url(incident)}"' in html
    # Without JavaScript the same form goes to the victim page, which shows errors in full.
    assert f'action="{reverse("victims:victim-link", kwargs={"reference": incident.reference})}"' in html


def test_linking_in_the_form_runs_the_repeat_check_and_shows_the_match(handler_client, handler, incident, earlier):
    data = {"name": "Ann Smith", "dob_day": "4", "dob_month": "11", "dob_year": "1990", "phone": PHONE}
    response = handler_client.post(_link_url(incident), data, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    victim = Victim.objects.get(incident=incident)
    assert victim.check_matches[0]["reference"] == earlier.reference
    assert earlier.reference in html
    assert "1 earlier incident" in html
    assert "Is Ann Smith a repeat victim?" in html
    # The mobile, offered to Prevention once, just after linking.
    assert f'data-victim-mobile="{PHONE}"' in html
    assert "data-just-linked" in html
    # Written as the victim page writes it: the log and the audit's collection.
    kinds = set(LogEntry.objects.filter(incident=incident).values_list("kind", flat=True))
    assert {EntryKind.VICTIM_LINKED, EntryKind.REPEAT_CHECK} <= kinds
    assert AuditEvent.objects.filter(object_type="victim", object_id=str(victim.pk), action=Action.COLLECT).exists()


def test_a_refused_link_names_the_field_and_saves_nothing(handler_client, incident):
    response = handler_client.post(_link_url(incident), {"name": "", "phone": "12"}, **HTMX)
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#victim-panel"
    html = response.content.decode()
    assert "Enter the victim&#x27;s name" in html or "Enter the victim's name" in html
    assert 'id="v-name"' in html
    assert "data-focus-on-load" in html
    assert not Victim.objects.filter(incident=incident).exists()


def test_a_bad_date_of_birth_is_a_form_error(handler_client, incident):
    data = {"name": "Ann Smith", "dob_day": "31", "dob_month": "2", "dob_year": "1990", "phone": PHONE}
    response = handler_client.post(_link_url(incident), data, **HTMX)
    assert response.status_code == 400
    assert "Date of birth must be a real date" in response.content.decode()
    assert not Victim.objects.filter(incident=incident).exists()


def test_the_outcome_is_recorded_in_the_panel(handler_client, handler, incident, earlier):
    victim = victim_link(incident=incident, actor=handler, name="Ann Smith", phone=PHONE)
    response = handler_client.post(_outcome_url(incident, victim), {"outcome": RepeatOutcome.REPEAT}, **HTMX)
    assert response.status_code == 200
    assert "Outcome: <strong>Repeat victim</strong>" in response.content.decode()
    victim.refresh_from_db()
    assert victim.outcome == RepeatOutcome.REPEAT
    assert victim.outcome_by == handler


def test_no_outcome_chosen_is_a_form_error(handler_client, handler, incident):
    victim = victim_link(incident=incident, actor=handler, name="Ann Smith", phone=PHONE)
    response = handler_client.post(_outcome_url(incident, victim), {}, **HTMX)
    assert response.status_code == 400
    assert "Select whether this is a repeat victim" in response.content.decode()
    victim.refresh_from_db()
    assert victim.outcome == ""


def test_a_victim_of_another_incident_is_not_found(handler_client, handler, incident, earlier):
    other = Victim.objects.get(incident=earlier)
    response = handler_client.post(_outcome_url(incident, other), {"outcome": RepeatOutcome.REPEAT}, **HTMX)
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.outcome == ""


def test_the_form_page_records_the_read_of_the_victims_it_shows(handler_client, handler, incident):
    victim = victim_link(incident=incident, actor=handler, name="Ann Smith", phone=PHONE)
    handler_client.get(_form(incident))
    assert AuditEvent.objects.filter(object_type="victim", object_id=str(victim.pk), action=Action.CONSULT).exists()


def test_the_victims_mobile_stands_in_preventions_number_but_not_the_tick(handler_client, handler, incident):
    victim_link(incident=incident, actor=handler, name="Ann Smith", phone=PHONE)
    html = handler_client.get(_form(incident)).content.decode()
    assert f'id="f-prevention-phone" name="prevention__phone" type="tel" autocomplete="off" value="{PHONE}"' in html
    start = html.index('id="f-prevention-safe-to-text-confirmed"')
    assert "checked" not in html[start : html.index(">", start)]
    # Shown, not saved: the draft takes it with the handler's next save.
    assert not Assessment.objects.filter(incident=incident).exists()


def test_a_landline_does_not_fill_preventions_number(handler_client, handler, incident):
    victim_link(incident=incident, actor=handler, name="Ann Smith", phone="020 7946 0000")
    html = handler_client.get(_form(incident)).content.decode()
    assert 'id="f-prevention-phone" name="prevention__phone" type="tel" autocomplete="off" value=""' in html
    assert "data-victim-mobile" not in html


def test_a_number_the_handler_typed_is_kept(handler_client, handler, incident):
    assessment_record(incident=incident, author=handler, data={"prevention": {"phone": "07700 900999"}}, submit=False)
    victim_link(incident=incident, actor=handler, name="Ann Smith", phone=PHONE)
    html = handler_client.get(_form(incident)).content.decode()
    assert 'value="07700 900999"' in html
