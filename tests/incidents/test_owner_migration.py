"""The migration that adds the current owner fills it, for every existing incident, with the
handler who opened it (who owned it until then); no other column moves."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from incidents.models import Incident
from tests.factories import UserFactory, make_incident


def _migrate(target: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


# serialized_rollback: the flush after it must leave the role groups to the next such test.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_existing_incidents_are_owned_by_their_handler():
    # Committed rows: PostgreSQL will not alter a table with foreign-key checks still pending
    # in the same transaction.
    first, second = UserFactory(handler=True), UserFactory(handler=True)
    made = [make_incident(handler=first), make_incident(handler=second, closed=True)]
    before = sorted(Incident.objects.values_list("pk", "handler_id", "status", "closed_month", "rethrive_due_at"))

    # Every app's latest: going back to 0006 also unapplies the apps that depend on incidents
    # (alerts, webhooks...), and the next tests need their tables too.
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        _migrate([("incidents", "0006_incident_cad_ref")])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM information_schema.columns "
                "WHERE table_name = 'incidents_incident' AND column_name = 'owner_id'"
            )
            assert cursor.fetchone()[0] == 0
    finally:
        _migrate(latest)  # whatever happens, the next test finds the schema whole

    owners = dict(Incident.objects.values_list("pk", "owner_id"))
    assert owners == {made[0].pk: first.pk, made[1].pk: second.pk}
    after = sorted(Incident.objects.values_list("pk", "handler_id", "status", "closed_month", "rethrive_due_at"))
    assert after == before
