"""Fault: the database connection of a close request is killed (pg_terminate_backend from a
second connection) in the middle of casework.closing.incident_close, through the API.

Two moments: while the close waits for the incident's row lock (another connection holds
it), and after the close has written the incident's new status but before its log entry.
Either way the request fails cleanly (a 503 with a JSON body, nothing half-written: status,
closed_at, closure code and the CLOSED log entry are all or nothing), and a retry closes the
incident exactly once; a third try is refused as already closed."""

import threading
import time
from typing import Any

import psycopg
import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from casework import closing
from incidents.models import EntryKind, Incident, Status
from tests.factories import UserFactory, api_token, make_incident

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _dsn() -> str:
    db = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname=db["NAME"],
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or "127.0.0.1",
        port=str(db.get("PORT") or 5432),
    )


def _client(user: Any) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def _assert_untouched(incident: Incident) -> None:
    fresh = Incident.objects.get(pk=incident.pk)
    assert fresh.status == Status.OPEN
    assert fresh.closed_at is None
    assert fresh.closed_by_id is None
    assert fresh.closure_code_id is None
    assert not fresh.entries.filter(kind=EntryKind.CLOSED).exists()


def _assert_retry_closes_once(client: APIClient, incident: Incident) -> None:
    retry = client.post(
        f"/api/incidents/{incident.reference}/close/", {"closure_code": "crime_recorded"}, format="json"
    )
    assert retry.status_code == 200, retry.content
    assert retry.json()["status"] == "closed"
    again = client.post(
        f"/api/incidents/{incident.reference}/close/", {"closure_code": "crime_recorded"}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_closed"
    fresh = Incident.objects.get(pk=incident.pk)
    assert fresh.status == Status.CLOSED
    assert fresh.closed_at is not None
    assert fresh.entries.filter(kind=EntryKind.CLOSED).count() == 1


def _assert_failed_cleanly(response: Any) -> None:
    assert response.status_code == 503, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "database_unavailable"


def test_connection_killed_while_the_close_waits_for_the_row_lock() -> None:
    handler = UserFactory(handler=True)
    incident = make_incident(handler=handler, assessed=True)
    client = _client(handler)
    result: dict[str, Any] = {}

    def close_in_a_request() -> None:
        try:
            result["response"] = client.post(
                f"/api/incidents/{incident.reference}/close/", {"closure_code": "crime_recorded"}, format="json"
            )
        finally:
            connections.close_all()  # this thread's (dead) connection

    with psycopg.connect(_dsn()) as holder, psycopg.connect(_dsn(), autocommit=True) as killer:
        holder.execute("SELECT id FROM incidents_incident WHERE id = %s FOR UPDATE", [incident.pk])
        request = threading.Thread(target=close_in_a_request)
        request.start()
        # Find the request's backend once it waits for the lock the holder has.
        pid = None
        deadline = time.monotonic() + 20
        while pid is None and time.monotonic() < deadline:
            row = killer.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                " AND query ILIKE %s AND pid <> pg_backend_pid()",
                # Not "FOR UPDATE": pg_stat_activity keeps the first 1,024 bytes of a query, and
                # the incident's select list has grown past that (issue 15's closure fields).
                ["%incidents_incident%"],
            ).fetchone()
            pid = row[0] if row else None
            time.sleep(0.05)
        assert pid is not None, "the close never waited for the row lock"
        assert killer.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
        request.join(timeout=20)
        holder.rollback()
    assert not request.is_alive()
    _assert_failed_cleanly(result["response"])
    _assert_untouched(incident)
    _assert_retry_closes_once(_client(handler), incident)


def test_connection_killed_after_the_status_is_written(monkeypatch: pytest.MonkeyPatch) -> None:
    handler = UserFactory(handler=True)
    incident = make_incident(handler=handler, assessed=True)
    real_log_entry_write = closing.log_entry_write
    killed: list[int] = []

    def dies_first(**kwargs: Any) -> Any:
        # Inside the close's transaction, with the status already updated: kill our own
        # backend from a second connection, then carry on as the code would.
        if kwargs.get("kind") == EntryKind.CLOSED and not killed:
            with connection.cursor() as cursor:
                cursor.execute("SELECT status FROM incidents_incident WHERE id = %s", [incident.pk])
                assert cursor.fetchone()[0] == Status.CLOSED  # written, not yet committed
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            with psycopg.connect(_dsn(), autocommit=True) as killer:
                killer.execute("SELECT pg_terminate_backend(%s)", [pid])
            killed.append(pid)
        return real_log_entry_write(**kwargs)

    monkeypatch.setattr(closing, "log_entry_write", dies_first)
    response = _client(handler).post(
        f"/api/incidents/{incident.reference}/close/", {"closure_code": "crime_recorded"}, format="json"
    )
    assert killed
    _assert_failed_cleanly(response)
    connection.close()  # the test's own connection was the one killed; the next query reconnects
    _assert_untouched(incident)
    monkeypatch.undo()
    _assert_retry_closes_once(_client(handler), incident)
