"""Incident logs at the service layer (incidents/services.py): creating, references and
notes. Grading changes, closing (rule 1) and the times a client sends with an assessment
are casework's: tests/casework/test_services.py."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.models import EntryKind, Incident, LogEntry, Status
from incidents.services import incident_add_note, incident_create


def _create(actor, **overrides):
    fields = {
        "channel": "999",
        "category": "burglary_dwelling",
        "grading": "priority",
        "summary": "Caller reports a break-in.",
        "location": "1 High Street",
    }
    return incident_create(actor=actor, **{**fields, **overrides})


def _entries(incident, kind):
    return list(LogEntry.objects.filter(incident=incident, kind=kind))


# --- Creating -----------------------------------------------------------------------------


def test_create_opens_the_incident_with_the_handler_and_team_and_logs_it(handler):
    incident = _create(handler)
    assert incident.status == Status.OPEN
    assert incident.handler == handler
    assert incident.team == handler.team
    assert len(_entries(incident, EntryKind.OPENED)) == 1


def test_references_are_unique_and_human_readable(handler):
    references = [_create(handler).reference for _ in range(5)]
    assert len(set(references)) == 5
    day = timezone.localdate()
    for number, reference in enumerate(references, start=1):
        assert re.fullmatch(r"\d{6}-\d{4}", reference)
        assert reference == f"{day:%d%m%y}-{number:04d}"


def test_the_reference_carries_the_day_the_call_came_in(handler):
    opened = timezone.now() - timedelta(days=3)
    incident = _create(handler, opened_at=opened)
    assert incident.reference.startswith(f"{timezone.localdate(opened):%d%m%y}-")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "alien_abduction"}, "category"),
        ({"category": ""}, "category"),
        ({"grading": "whenever"}, "grading"),
        ({"channel": "carrier_pigeon"}, "channel"),
        ({"summary": ""}, "summary"),
        ({"summary": "x" * 2001}, "summary"),
        ({"location": "x" * 301}, "location"),
        # A time five minutes ahead of the moment the test runs (a callable: a value taken
        # when the tests are collected is in the past by the time a long run reaches it).
        ({"opened_at": lambda: timezone.now() + timedelta(minutes=5)}, "opened_at"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(handler, overrides, field):
    overrides = {name: value() if callable(value) else value for name, value in overrides.items()}
    with pytest.raises(ValidationError) as caught:
        _create(handler, **overrides)
    assert list(caught.value.message_dict) == [field]
    assert not Incident.objects.exists()


def test_an_inactive_category_is_refused(handler):
    from incidents.models import Category

    Category.objects.filter(code="theft").update(active=False)
    with pytest.raises(ValidationError) as caught:
        _create(handler, category="theft")
    assert "category" in caught.value.message_dict


# --- Notes ------------------------------------------------------------------------------------


def test_a_note_is_appended_to_the_log(handler):
    incident = _create(handler)
    incident_add_note(incident=incident, actor=handler, text="Caller rang back.")
    [entry] = _entries(incident, EntryKind.NOTE)
    assert entry.text == "Caller rang back."
