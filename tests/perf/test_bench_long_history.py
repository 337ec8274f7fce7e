"""`make bench`'s long-history incident (issue 18; bench/database.py): made once with 200
versions and 1,000 log entries, found again by its CAD reference on the next run and not
grown twice, owned by a handler the scenarios do not sign in as."""

from types import SimpleNamespace

from bench.database import LONG_ENTRIES, LONG_HISTORY_CAD_REF, LONG_VERSIONS, Database
from incidents.models import Incident
from tests.factories import UserFactory


def test_the_bench_makes_the_long_history_incident_once_with_its_sizes(db):
    measured = [UserFactory(handler=True, username=f"handler{n:02d}") for n in range(2)]
    spare = UserFactory(handler=True, username="handler99")
    bench = SimpleNamespace(results={"notes": []})
    first = Database.long_history_incident(bench, measured)
    assert first.cad_ref == LONG_HISTORY_CAD_REF
    assert first.handler == spare
    assert (first.assessments.count(), first.entries.count()) == (LONG_VERSIONS, LONG_ENTRIES) == (200, 1000)
    assert bench.results["long_history"]["reference"] == first.reference
    assert bench.results["long_history"]["url"] == f"/incidents/{first.reference}/"
    again = Database.long_history_incident(bench, measured)
    assert again.pk == first.pk
    assert Incident.objects.filter(cad_ref=LONG_HISTORY_CAD_REF).count() == 1
    assert (again.assessments.count(), again.entries.count()) == (200, 1000)
