"""Rule 6 at the service: every route of the repeat-victim check, the window, the household."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.models import EntryKind
from tests.factories import UserFactory, make_incident
from victims.models import RepeatOutcome
from victims.services import victim_link, victim_record_outcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor():
    return UserFactory(handler=True)


def _link(incident, actor, **fields):
    fields.setdefault("name", "Jane Doe")
    return victim_link(incident=incident, actor=actor, **fields)


def test_an_earlier_incident_matches_by_phone_however_the_number_was_typed(actor):
    earlier = make_incident(handler=actor, opened_at=timezone.now() - timedelta(days=30))
    _link(earlier, actor, phone="07700 900123")
    now = make_incident(handler=actor)
    victim = _link(now, actor, name="J Doe", phone="+44 7700-900-123")
    assert victim.check_matches == [
        {
            "reference": earlier.reference,
            "opened_at": earlier.opened_at.isoformat(),
            "category": "burglary_dwelling",
            "category_name": "Burglary (dwelling)",
            "matched_on": ["phone"],
            "people": ["Jane Doe"],
        }
    ]


def test_an_earlier_incident_matches_by_name_and_date_of_birth(actor):
    earlier = make_incident(handler=actor, category="theft", opened_at=timezone.now() - timedelta(days=90))
    _link(earlier, actor, name="Siobhan O'Brien", date_of_birth=date(1980, 5, 17))
    victim = _link(make_incident(handler=actor), actor, name="siobhan obrien", date_of_birth=date(1980, 5, 17))
    assert [(m["reference"], m["matched_on"]) for m in victim.check_matches] == [(earlier.reference, ["name_dob"])]


def test_the_same_name_with_another_date_of_birth_is_not_a_match(actor):
    _link(make_incident(handler=actor), actor, name="Jane Doe", date_of_birth=date(1980, 5, 17))
    victim = _link(make_incident(handler=actor), actor, name="Jane Doe", date_of_birth=date(1981, 5, 17))
    assert victim.check_matches == []


def test_the_household_matches_other_people_at_the_same_address_however_typed(actor):
    earlier = make_incident(handler=actor, category="domestic_abuse", opened_at=timezone.now() - timedelta(days=10))
    _link(earlier, actor, name="Tom Smith", address="Flat 4, 12 Elm Rd.", postcode="sw1a1aa")
    victim = _link(
        make_incident(handler=actor), actor, name="Ann Smith", address="flat 4 12 elm road", postcode="SW1A 1AA"
    )
    (match,) = victim.check_matches
    assert match["matched_on"] == ["address"]
    assert match["people"] == ["Tom Smith"]
    assert match["category"] == "domestic_abuse"


def test_a_neighbour_in_the_next_flat_is_not_the_household(actor):
    _link(make_incident(handler=actor), actor, address="Flat 5, 12 Elm Road", postcode="SW1A 1AA")
    victim = _link(make_incident(handler=actor), actor, name="Ann", address="Flat 4, 12 Elm Road", postcode="SW1A 1AA")
    assert victim.check_matches == []


def test_every_route_that_matched_is_listed_once_per_incident(actor):
    earlier = make_incident(handler=actor)
    _link(earlier, actor, phone="07700900123", date_of_birth=date(1990, 1, 2), address="1 Mill Lane", postcode="M1 1AE")
    victim = _link(
        make_incident(handler=actor),
        actor,
        phone="07700 900 123",
        date_of_birth=date(1990, 1, 2),
        address="1 Mill Ln",
        postcode="m11ae",
    )
    assert victim.check_matches[0]["matched_on"] == ["phone", "name_dob", "address"]
    assert len(victim.check_matches) == 1


def test_incidents_older_than_the_window_are_left_out(actor, settings):
    settings.REPEAT_VICTIM_LOOKBACK_DAYS = 365
    old = make_incident(handler=actor, opened_at=timezone.now() - timedelta(days=400))
    inside = make_incident(handler=actor, opened_at=timezone.now() - timedelta(days=300))
    _link(old, actor, phone="07700900123")
    _link(inside, actor, phone="07700900123")
    victim = _link(make_incident(handler=actor), actor, phone="07700900123")
    assert [m["reference"] for m in victim.check_matches] == [inside.reference]


def test_the_window_is_a_setting(actor, settings):
    settings.REPEAT_VICTIM_LOOKBACK_DAYS = 30
    _link(make_incident(handler=actor, opened_at=timezone.now() - timedelta(days=40)), actor, phone="07700900123")
    victim = _link(make_incident(handler=actor), actor, phone="07700900123")
    assert victim.check_matches == []


def test_the_incident_itself_and_no_route_do_not_match(actor):
    incident = make_incident(handler=actor)
    _link(incident, actor, phone="07700900123")
    second = _link(incident, actor, name="Other person", phone="07700900123")
    assert second.check_matches == []


def test_linking_and_the_check_go_on_the_incident_log(actor):
    earlier = make_incident(handler=actor)
    _link(earlier, actor, phone="07700900123")
    incident = make_incident(handler=actor)
    victim = _link(incident, actor, phone="07700900123")
    kinds = list(incident.entries.values_list("kind", "text"))
    # By id, never by name (review issue 13): the log is read widely and kept whole.
    assert (EntryKind.VICTIM_LINKED, f"Victim V{victim.pk} linked by {actor.display_name}.") in kinds
    check = [text for kind, text in kinds if kind == EntryKind.REPEAT_CHECK]
    assert len(check) == 1
    assert earlier.reference in check[0]
    assert "by phone" in check[0]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"phone": "999"}, "phone"),
        ({"phone": "+1 202 555 0143"}, "phone"),
        ({"postcode": "NOT A CODE", "address": "1 High St"}, "postcode"),
        ({"address": "1 High Street"}, "postcode"),
        ({"date_of_birth": date(2999, 1, 1)}, "date_of_birth"),
        ({}, "phone"),  # nothing to match on: a victim with no way to check
    ],
)
def test_bad_victim_details_are_refused_naming_the_field(actor, fields, field):
    incident = make_incident(handler=actor)
    with pytest.raises(ValidationError) as raised:
        victim_link(incident=incident, actor=actor, **{"name": "Jane Doe", **fields})
    assert field in raised.value.message_dict
    assert not incident.victims.exists()


def test_the_outcome_is_recorded_and_logged(actor):
    incident = make_incident(handler=actor)
    victim = _link(incident, actor, phone="07700900123")
    victim_record_outcome(
        victim=victim, actor=actor, outcome=RepeatOutcome.REPEAT, household_note="Son, 14, lives there."
    )
    victim.refresh_from_db()
    assert victim.outcome == "repeat"
    assert victim.outcome_by == actor
    last = incident.entries.filter(kind=EntryKind.REPEAT_CHECK).last()
    assert "repeat victim" in last.text
    # The note is the household's details: on the victim's record, which erasure blanks,
    # not in the log (review issue 13).
    assert victim.household_note == "Son, 14, lives there."
    assert "Son, 14" not in last.text
    assert last.text.endswith("Household note recorded on the victim's record.")


def test_an_outcome_must_be_chosen(actor):
    victim = _link(make_incident(handler=actor), actor, phone="07700900123")
    with pytest.raises(ValidationError) as raised:
        victim_record_outcome(victim=victim, actor=actor, outcome="maybe")
    assert "outcome" in raised.value.message_dict


def test_the_look_up_uses_the_partial_indexes(actor, django_assert_max_num_queries):
    """One query for the whole check, whatever the number of routes."""
    from victims.services import repeat_check_matches

    incident = make_incident(handler=actor)
    with django_assert_max_num_queries(1):
        repeat_check_matches(
            incident=incident,
            phone_e164="+447700900123",
            name_key="JANE DOE",
            date_of_birth=date(1990, 1, 1),
            household_key="SW1A 1AA|1 HIGH STREET",
        )
