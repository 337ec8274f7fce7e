"""API.md "Idempotency": every POST under /api/ takes an Idempotency-Key."""

import json
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from idempotency.models import IdempotencyRecord
from idempotency.services import idempotency_purge
from incidents.models import Incident
from tests.factories import UserFactory, api_token, complete_answers, make_incident
from tests.victims.conftest import texting_answers
from thrive.models import Assessment
from victims.models import Text

NEW_INCIDENT = {
    "channel": "999",
    "category": "burglary_dwelling",
    "grading": "priority",
    "summary": "Caller's back door forced while she was out.",
    "location": "12 Acacia Avenue",
}


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def _post(client, url, body, key=None):
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post(url, body, format="json", headers=headers)


@pytest.fixture
def handler(db):
    return UserFactory(handler=True, username="handler1")


def test_a_repeat_returns_the_first_answer_and_does_nothing_again(handler):
    client = _client(handler)

    first = _post(client, "/api/incidents/", NEW_INCIDENT, key="cad-4411-create")
    again = _post(client, "/api/incidents/", NEW_INCIDENT, key="cad-4411-create")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert Incident.objects.count() == 1


def test_the_same_object_sent_with_other_spacing_or_key_order_is_a_repeat(handler):
    client = _client(handler)
    first = _post(client, "/api/incidents/", NEW_INCIDENT, key="k1")

    again = client.post(
        "/api/incidents/",
        json.dumps(dict(reversed(list(NEW_INCIDENT.items()))), indent=2),
        content_type="application/json",
        headers={"Idempotency-Key": "k1"},
    )

    assert again.status_code == 201
    assert again.json() == first.json()
    assert Incident.objects.count() == 1


def test_the_same_key_with_another_body_is_422_and_does_nothing(handler):
    client = _client(handler)
    _post(client, "/api/incidents/", NEW_INCIDENT, key="k1")

    other = _post(client, "/api/incidents/", {**NEW_INCIDENT, "summary": "Another call"}, key="k1")

    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert Incident.objects.count() == 1


def test_the_same_key_on_another_endpoint_is_422(handler):
    client = _client(handler)
    created = _post(client, "/api/incidents/", NEW_INCIDENT, key="k1").json()

    other = _post(client, f"/api/incidents/{created['reference']}/assessments/", complete_answers(), key="k1")

    assert other.status_code == 422
    assert not Assessment.objects.exists()


def test_keys_belong_to_one_account(handler):
    other = UserFactory(handler=True)

    mine = _post(_client(handler), "/api/incidents/", NEW_INCIDENT, key="k1")
    theirs = _post(_client(other), "/api/incidents/", NEW_INCIDENT, key="k1")

    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["reference"] != theirs.json()["reference"]
    assert theirs.json()["handler"] == other.username


def test_a_browser_session_is_an_account_too(handler, client_for):
    browser = client_for(handler)

    first = browser.post(
        "/api/incidents/", NEW_INCIDENT, content_type="application/json", headers={"Idempotency-Key": "k"}
    )
    again = browser.post(
        "/api/incidents/", NEW_INCIDENT, content_type="application/json", headers={"Idempotency-Key": "k"}
    )

    assert first.status_code == again.status_code == 201
    assert Incident.objects.count() == 1


def test_without_a_key_each_post_does_the_work(handler):
    client = _client(handler)

    _post(client, "/api/incidents/", NEW_INCIDENT)
    _post(client, "/api/incidents/", NEW_INCIDENT)

    assert Incident.objects.count() == 2


def test_after_24_hours_the_key_is_free_again(handler):
    client = _client(handler)
    _post(client, "/api/incidents/", NEW_INCIDENT, key="k1")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=24, minutes=1))

    later = _post(client, "/api/incidents/", {**NEW_INCIDENT, "summary": "A new call"}, key="k1")

    assert later.status_code == 201
    assert Incident.objects.count() == 2


def test_a_refusal_is_the_first_answer_too(handler):
    client = _client(handler)

    first = _post(client, "/api/incidents/", {**NEW_INCIDENT, "channel": "carrier pigeon"}, key="k1")
    again = _post(client, "/api/incidents/", {**NEW_INCIDENT, "channel": "carrier pigeon"}, key="k1")

    assert first.status_code == again.status_code == 400
    assert again.json() == first.json() == {"channel": ['"carrier pigeon" is not a valid choice.']}


@pytest.mark.parametrize("key", ["", "x" * 256, "bell\x07", "tab\there", "caf\u00e9"])
def test_a_bad_key_is_400_naming_the_header(handler, key):
    response = _post(_client(handler), "/api/incidents/", NEW_INCIDENT, key=key)

    assert response.status_code == 400
    assert list(response.json()) == ["Idempotency-Key"]
    assert not Incident.objects.exists()


def test_the_longest_and_oddest_printable_keys_are_fine(handler):
    client = _client(handler)
    for key in ("x" * 255, ' ~!@#$%^&*()_+{}|:"<>? ', "a"):
        assert _post(client, "/api/incidents/", NEW_INCIDENT, key=key).status_code == 201


def test_an_assessment_repeated_makes_one_version_and_one_text(handler):
    incident = make_incident(handler=handler)
    client = _client(handler)
    url = f"/api/incidents/{incident.reference}/assessments/"

    first = _post(client, url, texting_answers("07700 900123"), key="submit-1")
    again = _post(client, url, texting_answers("07700 900123"), key="submit-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Assessment.objects.filter(incident=incident).count() == 1
    assert Text.objects.filter(incident=incident).count() == 1


def test_anonymous_posts_with_a_key_are_refused_as_before(db):
    response = APIClient().post("/api/incidents/", NEW_INCIDENT, format="json", headers={"Idempotency-Key": "k"})

    assert response.status_code == 401
    assert not IdempotencyRecord.objects.exists()


def test_the_token_endpoint_takes_the_header_but_keeps_no_token(handler):
    from tests.factories import PASSWORD

    body = {"username": "handler1", "password": PASSWORD}
    first = APIClient().post("/api/auth/token/", body, format="json", headers={"Idempotency-Key": "k"})
    again = APIClient().post("/api/auth/token/", body, format="json", headers={"Idempotency-Key": "k"})

    assert first.status_code == again.status_code == 200
    assert first.json()["token"] != again.json()["token"]
    assert not IdempotencyRecord.objects.exists()


def test_the_purge_removes_records_past_24_hours(handler):
    client = _client(handler)
    _post(client, "/api/incidents/", NEW_INCIDENT, key="old")
    _post(client, "/api/incidents/", NEW_INCIDENT, key="new")
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))

    assert idempotency_purge() == 1

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_the_schema_documents_the_header_on_every_post(handler, client_for):
    schema = client_for(handler).get("/api/schema/?format=json").json()

    posts = {path: item["post"] for path, item in schema["paths"].items() if "post" in item}
    assert posts
    for path, operation in posts.items():
        names = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
        assert ("header", "Idempotency-Key") in names, path


# --- Two requests at the same moment, on a real server and PostgreSQL ------------------------


def _live_post(url: str, token: str, body: dict, key: str, results: list) -> None:
    request = urllib.request.Request(  # noqa: S310 - the test's own live server
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json", "Idempotency-Key": key},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            results.append((response.status, json.loads(response.read())))
    except urllib.error.HTTPError as error:
        results.append((error.code, error.read().decode()))


def _waiting_backends(count: int, timeout: float = 20) -> None:
    """Until `count` other PostgreSQL backends are waiting on a lock."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(**_dsn(), autocommit=True) as watcher:
        while time.monotonic() < deadline:
            (waiting,) = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            ).fetchone()
            if waiting >= count:
                return
            time.sleep(0.05)
    raise AssertionError(f"{count} requests never both waited")


def _dsn() -> dict:
    params = connection.get_connection_params()
    return {k: v for k, v in params.items() if k in {"dbname", "user", "host", "port", "password"}}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_requests_with_one_key_at_the_same_moment_create_one_incident(live_server):
    handler = UserFactory(handler=True)
    token = api_token(handler)
    make_incident(handler=handler)  # today's reference counter row exists
    results: list = []
    threads = [
        threading.Thread(
            target=_live_post, args=(f"{live_server.url}/api/incidents/", token, NEW_INCIDENT, "k", results)
        )
        for _ in range(2)
    ]
    # Hold the reference counter so the first request stalls mid-work, holding its claim;
    # the second must then wait on the claim, not race past it.
    with psycopg.connect(**_dsn()) as holder:
        holder.execute("SELECT * FROM incidents_referencecounter FOR UPDATE")
        for thread in threads:
            thread.start()
        _waiting_backends(2)
        holder.commit()
    for thread in threads:
        thread.join(60)

    assert [status for status, _ in results] == [201, 201]
    assert results[0][1] == results[1][1]
    assert Incident.objects.count() == 2  # the one made above, and one from the two requests
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_submissions_with_one_key_at_the_same_moment_make_one_version_and_one_text(live_server):
    handler = UserFactory(handler=True)
    token = api_token(handler)
    incident = make_incident(handler=handler)
    url = f"{live_server.url}/api/incidents/{incident.reference}/assessments/"
    results: list = []
    threads = [
        threading.Thread(target=_live_post, args=(url, token, texting_answers("07700 900123"), "k", results))
        for _ in range(2)
    ]
    # The submission locks the incident row: hold it so both requests arrive before either
    # can finish.
    with psycopg.connect(**_dsn()) as holder:
        holder.execute("SELECT * FROM incidents_incident WHERE id = %s FOR UPDATE", [incident.pk])
        for thread in threads:
            thread.start()
        _waiting_backends(2)
        holder.commit()
    for thread in threads:
        thread.join(60)

    assert [status for status, _ in results] == [201, 201]
    assert results[0][1] == results[1][1]
    assert Assessment.objects.filter(incident=incident).count() == 1
    assert Text.objects.filter(incident=incident).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_key_held_too_long_by_another_request_is_409_busy(settings):
    settings.IDEMPOTENCY_WAIT_SECONDS = 1
    handler = UserFactory(handler=True)
    client = _client(handler)
    with psycopg.connect(**_dsn()) as holder:  # another request, mid-work with the key
        holder.execute(
            "INSERT INTO idempotency_idempotencyrecord (user_id, key, request_hash, status_code, content_type, body,"
            " created_at) VALUES (%s, 'k', 'x', 0, '', '', now())",
            [handler.pk],
        )
        busy = _post(client, "/api/incidents/", NEW_INCIDENT, key="k")
        holder.rollback()

    assert busy.status_code == 409
    assert busy.json()["code"] == "idempotency_key_busy"
    assert busy.headers["Retry-After"] == "1"
    assert not Incident.objects.exists()
    # Once the other gave up, the key is free and the work is done.
    assert _post(client, "/api/incidents/", NEW_INCIDENT, key="k").status_code == 201


def test_a_crash_keeps_nothing_so_a_retry_does_the_work(handler, monkeypatch):
    import incidents.api

    def crash(**kwargs):
        raise RuntimeError("the server fell over")

    monkeypatch.setattr(incidents.api, "incident_create", crash)
    client = _client(handler)
    client.raise_request_exception = False
    assert _post(client, "/api/incidents/", NEW_INCIDENT, key="k").status_code == 500
    monkeypatch.undo()

    retry = _post(client, "/api/incidents/", NEW_INCIDENT, key="k")

    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers
    assert Incident.objects.count() == 1


@pytest.mark.parametrize("signed_in", [True, False])
def test_json_nested_too_deep_with_a_key_is_a_clear_4xx_never_a_500(handler, signed_in):
    # The key's fingerprint reads the body before the view's bounded parser does: 5 KB of
    # "[[[[..." must not reach Python's recursion limit there.
    client = _client(handler) if signed_in else APIClient()
    response = client.post(
        "/api/incidents/", data="[" * 5000, content_type="application/json", HTTP_IDEMPOTENCY_KEY="deep-1"
    )
    assert response.status_code == (400 if signed_in else 401)
    assert response["Content-Type"].startswith("application/json")
    assert not Incident.objects.exists()
