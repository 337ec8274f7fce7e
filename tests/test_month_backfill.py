"""The migrations that add stored months fill them for existing rows exactly as the services
write them for new ones (set-based on PostgreSQL, for a force upgrading with years of data)."""

import importlib
from datetime import timedelta

from django.apps import apps
from django.db import connection

from casework.services import assessment_record
from incidents.models import Incident
from tests.factories import UserFactory, complete_answers, make_incident
from tests.qa.factories import closed_incident, utc
from thrive.models import Assessment
from victims.models import Text

TEXTING = {
    "prevention": {
        "advice": "Advised on locks.",
        "send_link": True,
        "phone": "07700 900123",
        "safe_to_text_confirmed": True,
        "link_not_sent_reason": "",
    }
}


def _snapshot():
    return (
        sorted(Incident.objects.values_list("pk", "closed_month")),
        sorted(Assessment.objects.values_list("pk", "submitted_month", "rethrive_on_time")),
        sorted(Text.objects.values_list("pk", "created_month")),
    )


def test_the_backfill_matches_what_the_services_write(db):
    handler = UserFactory(handler=True)
    closed_incident(handler=handler, closed_at=utc(2026, 6, 30, 23, 30))  # 00:30 on 1 July in London
    closed_incident(handler=handler, closed_at=utc(2026, 3, 10, 12), assessed=False)
    revised = make_incident(handler=handler, opened_at=utc(2026, 5, 1, 9))
    for when in (utc(2026, 5, 1, 9, 5), utc(2026, 5, 1, 11), utc(2026, 5, 1, 16)):
        assessment_record(incident=revised, author=handler, data=complete_answers(), submit=True, submitted_at=when)
    make_incident(handler=handler, opened_at=utc(2026, 4, 30, 23, 10) - timedelta(minutes=5), assessed=True, **TEXTING)
    written = _snapshot()
    assert any(on_time is False for _, _, on_time in written[1])

    Incident.objects.update(closed_month=None)
    Assessment.objects.update(submitted_month=None, rethrive_on_time=None)
    Text.objects.update(created_month=None)
    with connection.schema_editor() as editor:
        for module in (
            "incidents.migrations.0003_closed_month",
            "thrive.migrations.0004_rethrive_on_time",
            "victims.migrations.0003_text_created_month",
        ):
            importlib.import_module(module).backfill(apps, editor)

    assert _snapshot() == written


def test_the_team_backfill_matches_what_the_service_writes(db):
    """Each version carries its incident's team (the supervisor's queue reads it); the
    migration gives existing versions the same."""
    one, other = UserFactory(handler=True), UserFactory(handler=True, team__name="Red Watch")
    for handler in (one, other):
        incident = make_incident(handler=handler, assessed=True)
        assessment_record(incident=incident, author=handler, data=complete_answers(), submit=False)
    written = sorted(Assessment.objects.values_list("pk", "team_id"))
    assert len({team for _, team in written}) == 2
    assert all(team == Assessment.objects.get(pk=pk).incident.team_id for pk, team in written)

    Assessment.objects.update(team=None)
    with connection.schema_editor() as editor:
        importlib.import_module("thrive.migrations.0006_assessment_team").backfill(apps, editor)

    assert sorted(Assessment.objects.values_list("pk", "team_id")) == written


def test_the_victims_linked_month_backfill_matches_what_victim_link_writes(db):
    """Issue 15: the month a victim was linked (the Victims' Code figures count by it),
    including a link at 00:30 on 1 July in London (23:30 UTC on 30 June)."""
    from victims.models import Victim
    from victims.services import victim_link

    handler = UserFactory(handler=True)
    incident = make_incident(handler=handler)
    victims = [
        victim_link(incident=incident, actor=handler, name=f"Person {n}", phone=f"07700 90012{n}") for n in range(3)
    ]
    for victim, moment in zip(
        victims, (utc(2026, 6, 30, 23, 30), utc(2026, 6, 30, 22, 30), utc(2026, 1, 1, 0)), strict=True
    ):
        Victim.objects.filter(pk=victim.pk).update(created_at=moment)
    Victim.objects.update(linked_month=None)
    module = importlib.import_module("victims.migrations.0007_victims_code_answers")
    with connection.schema_editor() as editor:
        module.backfill(apps, editor)
    months = dict(Victim.objects.values_list("pk", "linked_month"))
    assert [f"{months[v.pk]:%Y-%m}" for v in victims] == ["2026-07", "2026-06", "2026-01"]
