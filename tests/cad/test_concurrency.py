"""A CAD retrying (timeouts) or racing itself: two PUTs of one new cad_ref at the same moment
make one incident; two identical closes at the same moment make one closure. Against a live
server on PostgreSQL, each request on its own connection (as tests/idempotency does)."""

import json
import threading
import urllib.error
import urllib.request

import psycopg
import pytest

from accounts.models import Role
from casework.services import assessment_record
from incidents.models import EntryKind, Incident, LogEntry
from tests.cad.conftest import CAD_REF, cad_body
from tests.factories import TeamFactory, UserFactory, api_token, complete_answers, make_incident
from tests.idempotency.test_idempotency_key import _dsn, _waiting_backends


def _live(method: str, url: str, token: str, body: dict, results: list) -> None:
    request = urllib.request.Request(  # noqa: S310 - the test's own live server
        url,
        data=json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            results.append((response.status, json.loads(response.read())))
    except urllib.error.HTTPError as error:
        results.append((error.code, error.read().decode()))


def _adapter_and_call_taker() -> str:
    UserFactory(handler=True, username="jdawson", team=TeamFactory(name="Blue Watch"))
    return api_token(UserFactory(role=Role.INTEGRATION, username="storm-adapter", team=None))


def _race(method: str, url: str, token: str, body: dict, hold_sql: str, hold_args: list) -> list:
    """Two identical requests, held at `hold_sql`'s row lock until both are waiting."""
    results: list = []
    threads = [threading.Thread(target=_live, args=(method, url, token, body, results)) for _ in range(2)]
    with psycopg.connect(**_dsn()) as holder:
        holder.execute(hold_sql, hold_args)
        for thread in threads:
            thread.start()
        _waiting_backends(2)
        holder.commit()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_puts_of_one_new_cad_ref_at_the_same_moment_make_one_incident(live_server):
    token = _adapter_and_call_taker()
    make_incident()  # the reference counter's row for today exists
    # Hold the reference counter: both requests get as far as numbering their incident.
    results = _race(
        "PUT",
        f"{live_server.url}/api/cad/incidents/{CAD_REF}/",
        token,
        {k: v for k, v in cad_body().items() if k != "opened_at"},
        "SELECT * FROM incidents_referencecounter FOR UPDATE",
        [],
    )

    assert sorted(status for status, _ in results) == [200, 201], results
    assert results[0][1]["reference"] == results[1][1]["reference"]
    assert Incident.objects.filter(cad_ref=CAD_REF).count() == 1
    incident = Incident.objects.get(cad_ref=CAD_REF)
    assert incident.entries.filter(kind=EntryKind.OPENED).count() == 1
    assert not incident.entries.filter(kind=EntryKind.CAD_UPDATED).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_identical_closes_at_the_same_moment_make_one_closure_and_one_answer(live_server):
    token = _adapter_and_call_taker()
    opened = _live_put(live_server, token)
    incident = Incident.objects.get(cad_ref=CAD_REF)
    assessment_record(incident=incident, author=incident.handler, data=complete_answers(), submit=True)

    results = _race(
        "POST",
        f"{live_server.url}/api/cad/incidents/{CAD_REF}/close/",
        token,
        {"closure_code": "crime_recorded"},
        "SELECT * FROM incidents_incident WHERE id = %s FOR UPDATE",
        [incident.pk],
    )

    assert opened == 201
    assert [status for status, _ in results] == [200, 200], results
    assert results[0][1] == results[1][1]
    assert LogEntry.objects.filter(incident=incident, kind=EntryKind.CLOSED).count() == 1


def _live_put(live_server, token: str) -> int:
    results: list = []
    _live("PUT", f"{live_server.url}/api/cad/incidents/{CAD_REF}/", token, cad_body(), results)
    return results[0][0]
