"""Review issue 13, item 9: the incident log refers to a victim by id, never by name, and
erasing a victim scrubs every copy of their details: log entries (old ones written before
the id form too), other victims' repeat-check matches, the texts' phone, the prevention
phone in the incident's assessments, and the admin's history."""

import importlib
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from audit.models import AuditEvent
from casework.services import assessment_record
from incidents.models import EntryKind, LogEntry
from incidents.services import log_entry_write
from tests.factories import complete_answers, make_incident
from victims.models import RepeatOutcome, Text, Victim
from victims.services import victim_erase, victim_link, victim_record_outcome

pytestmark = pytest.mark.django_db

NAME = "Philippa Wrenfold"
PHONE = "07700 900555"
ADDRESS = "9 Quarry Lane"
NOTE = "Lives with her brother, who was also threatened."


def _details_in(text: str) -> list[str]:
    return [d for d in (NAME, PHONE, PHONE.replace(" ", ""), "+447700900555", ADDRESS, NOTE) if d in text]


def test_the_log_refers_to_a_linked_victim_by_id_only(handler):
    incident = make_incident(handler=handler)
    victim = victim_link(
        incident=incident,
        actor=handler,
        name=NAME,
        phone=PHONE,
        address=ADDRESS,
        postcode="AB1 2CD",
        date_of_birth=date(1979, 3, 4),
    )
    victim_record_outcome(victim=victim, actor=handler, outcome=RepeatOutcome.REPEAT, household_note=NOTE)

    texts = list(incident.entries.values_list("text", flat=True))

    assert [t for t in texts if _details_in(t) or "1979" in t] == []
    assert f"Victim V{victim.pk} linked by {handler.display_name}." in texts
    assert any(t.startswith(f"Repeat victim check for victim V{victim.pk}: ") for t in texts)
    assert any(t.startswith(f"Repeat victim check outcome for victim V{victim.pk}: repeat victim") for t in texts)


@pytest.fixture
def linked(handler):
    """The victim on an incident whose assessment texted her, with old-style log entries
    (as written before the id form), and a later victim whose check matched her."""
    incident = make_incident(handler=handler, opened_at=timezone.now() - timedelta(days=3))
    prevention = {"send_link": True, "safe_to_text_confirmed": True, "phone": PHONE, "link_not_sent_reason": ""}
    assessment = assessment_record(
        incident=incident, author=handler, data=complete_answers(prevention=prevention), submit=True
    )
    victim = victim_link(incident=incident, actor=handler, name=NAME, phone=PHONE, address=ADDRESS, postcode="AB1 2CD")
    victim_record_outcome(victim=victim, actor=handler, outcome=RepeatOutcome.REPEAT, household_note=NOTE)
    log_entry_write(
        incident=incident, kind=EntryKind.VICTIM_LINKED, author=handler, text=f"Victim linked by X: {NAME}."
    )
    log_entry_write(
        incident=incident,
        kind=EntryKind.REPEAT_CHECK,
        author=handler,
        text=f"Repeat victim check outcome for {NAME}: repeat victim. Household: {NOTE}",
    )
    later = victim_link(incident=make_incident(handler=handler), actor=handler, name="Someone Else", phone=PHONE)
    assert NAME in later.check_matches[0]["people"]
    return {"incident": incident, "assessment": assessment, "victim": victim, "later": later}


def test_erasure_scrubs_every_copy_of_the_details(linked, handler, admin_user):
    victim, incident = linked["victim"], linked["incident"]
    AdminLogEntry.objects.create(
        user=admin_user,
        content_type=ContentType.objects.get_for_model(Victim),
        object_id=str(victim.pk),
        object_repr=f"{NAME} ({incident.pk})",
        action_flag=CHANGE,
    )

    victim_erase(victim=victim, actor=admin_user, reason="SAR-90")

    leaks = {
        "log": [t for t in LogEntry.objects.filter(incident=incident).values_list("text", flat=True) if _details_in(t)],
        "matches": _details_in(str(Victim.objects.get(pk=linked["later"].pk).check_matches)),
        "texts": [p for p in Text.objects.filter(incident=incident).values_list("phone", flat=True) if p],
        "answers": _details_in(str(type(linked["assessment"]).objects.get(pk=linked["assessment"].pk).answers)),
        "audit": [d for d in AuditEvent.objects.values_list("description", flat=True) if _details_in(d)],
        "admin history": [r for r in AdminLogEntry.objects.values_list("object_repr", flat=True) if NAME in r],
    }
    assert leaks == {k: [] for k in leaks}
    later = Victim.objects.get(pk=linked["later"].pk)
    assert later.check_matches[0]["reference"] == incident.reference  # the match itself stays
    assert later.name == "Someone Else"


def test_the_data_migration_rewrites_old_entries_to_the_id_form(handler):
    incident = make_incident(handler=handler)
    victim = victim_link(incident=incident, actor=handler, name=NAME, phone=PHONE)
    # Put the entries back as they were written before (same time as the check, old text).
    LogEntry.objects.filter(incident=incident, kind=EntryKind.VICTIM_LINKED).update(
        text=f"Victim linked by {handler.display_name}: {NAME}."
    )
    LogEntry.objects.filter(incident=incident, kind=EntryKind.REPEAT_CHECK).update(
        text=f"Repeat victim check for {NAME}: no earlier incidents in the last 365 days."
    )
    log_entry_write(
        incident=incident,
        kind=EntryKind.REPEAT_CHECK,
        author=handler,
        text=f"Repeat victim check outcome for {NAME}: not a repeat victim. Household: {NOTE}",
    )

    migration = importlib.import_module("victims.migrations.0005_log_entries_by_victim_id")
    migration.rewrite_entries(apps, None)

    texts = sorted(incident.entries.filter(kind__in=["victim_linked", "repeat_check"]).values_list("text", flat=True))
    assert texts == sorted(
        [
            f"Victim V{victim.pk} linked by {handler.display_name}.",
            f"Repeat victim check for victim V{victim.pk}: no earlier incidents in the last 365 days.",
            f"Repeat victim check outcome for victim V{victim.pk}: not a repeat victim. "
            "Household note recorded on the victim's record.",
        ]
    )
