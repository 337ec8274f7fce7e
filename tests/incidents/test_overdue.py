"""Overdue has one definition (`incidents.models.overdue_q`). The list filter, the SQL
annotation and the one-incident check are all read from it, so for every case below they
must give the same answer."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from incidents.models import ClosureCode, Incident, Status
from tests.factories import make_incident

LONDON = ZoneInfo("Europe/London")
# The hour the clocks go back (25 October 2026): 01:30 BST is 00:30 UTC, and 01:10 GMT,
# earlier on the wall clock, is 01:10 UTC, forty minutes later in elapsed time.
DUE_IN_BST = datetime(2026, 10, 25, 1, 30, tzinfo=LONDON, fold=0)
NOW_IN_GMT = datetime(2026, 10, 25, 1, 10, tzinfo=LONDON, fold=1)
NOON = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

NOWS = [NOON, NOON.astimezone(LONDON), NOW_IN_GMT, NOW_IN_GMT.astimezone(UTC)]
DUES = [
    None,
    NOON - timedelta(seconds=1),
    NOON,
    NOON + timedelta(seconds=1),
    DUE_IN_BST,
    NOW_IN_GMT + timedelta(minutes=1),
]


@pytest.fixture
def grid(handler):
    """One incident for each (status, due time); the due times held in London time in
    memory, as a value set in code may be, and in UTC in the database."""
    code = ClosureCode.objects.filter(exempt=False).first()
    incidents = []
    for status in (Status.OPEN, Status.CLOSED):
        for due in DUES:
            incident = make_incident(handler=handler)
            fields = {"rethrive_due_at": due, "status": status}
            if status == Status.CLOSED:
                fields |= {"closed_at": NOON, "closure_code": code}
            Incident.objects.filter(pk=incident.pk).update(**fields)
            incident.refresh_from_db()
            if incident.rethrive_due_at is not None:
                incident.rethrive_due_at = incident.rethrive_due_at.astimezone(LONDON)
            incidents.append(incident)
    return incidents


@pytest.mark.django_db
@pytest.mark.parametrize("now", NOWS, ids=lambda now: now.isoformat())
def test_the_instance_the_list_and_the_annotation_agree(grid, now):
    by_instance = {incident.pk for incident in grid if incident.is_overdue(now)}
    by_filter = set(Incident.objects.overdue(now).values_list("pk", flat=True))
    by_annotation = {pk for pk, overdue in Incident.objects.with_overdue(now).values_list("pk", "overdue") if overdue}
    assert by_instance == by_filter == by_annotation
    # And the answers are the rule's: open, with a due time before now in elapsed time.
    expected = {
        incident.pk
        for incident in grid
        if incident.status == Status.OPEN
        and incident.rethrive_due_at is not None
        and incident.rethrive_due_at.timestamp() < now.timestamp()
    }
    assert by_filter == expected


@pytest.mark.django_db
def test_the_hour_the_clocks_go_back_is_counted_in_elapsed_time(handler):
    incident = make_incident(handler=handler)
    incident.rethrive_due_at = DUE_IN_BST
    # 01:10 GMT reads earlier than 01:30 BST on the wall clock, but is forty minutes later.
    assert incident.is_overdue(NOW_IN_GMT)
    Incident.objects.filter(pk=incident.pk).update(rethrive_due_at=DUE_IN_BST)
    assert Incident.objects.overdue(NOW_IN_GMT).filter(pk=incident.pk).exists()


@pytest.mark.django_db
def test_every_annotated_row_says_true_or_false_never_null(handler):
    make_incident(handler=handler)  # open, with no due time until it is assessed
    Incident.objects.update(rethrive_due_at=None)
    assert set(Incident.objects.with_overdue(NOON).values_list("overdue", flat=True)) == {False}
