"""Issue 9's authentication: login throttling, the idle timeout that keeps drafts, a new
session on login, and a Content Security Policy with no inline script."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory, make_incident


def _login(client: Client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


@pytest.fixture
def low_limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return settings


def test_an_account_locks_on_one_address_after_the_failure_limit_with_a_clear_message(db, low_limit):
    user = UserFactory(handler=True)
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(2):
        assert _login(client, user.username, "wrong").status_code == 200
    locked = _login(client, user.username, "wrong")
    assert locked.status_code == 429
    assert "Signing in to this account is locked on this connection for an hour" in locked.content.decode()
    # Even the right password is refused from that address while it is locked.
    assert _login(client, user.username, PASSWORD).status_code == 429
    # Another account from the same address is not locked: the key is the account there.
    other = UserFactory(handler=True)
    assert _login(Client(REMOTE_ADDR="203.0.113.7"), other.username, PASSWORD).status_code == 302
    # The same account from another address is not locked either (issue 13 item 6).
    assert _login(Client(REMOTE_ADDR="198.51.100.20"), user.username, PASSWORD).status_code == 302


def test_an_administrator_unlocks_an_account_in_the_admin(db, low_limit, client_for):
    user = UserFactory(handler=True)
    for _ in range(3):
        _login(Client(), user.username, "wrong")
    attempt = AccessAttempt.objects.get(username=user.username)
    admin = client_for(UserFactory(admin=True))
    response = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert _login(Client(), user.username, PASSWORD).status_code == 302


def test_the_production_limit_is_a_hundred_failures_an_hour_per_account_and_address():
    assert settings.AXES_FAILURE_LIMIT == 100
    assert settings.AXES_COOLOFF_TIME == 1
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_login_starts_a_new_session(db):
    user = UserFactory(handler=True)
    client = Client()
    client.get("/login/")
    before = client.cookies.get(settings.SESSION_COOKIE_NAME)
    _login(client, user.username, PASSWORD)
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert before is None or before.value != after


def test_after_thirty_idle_minutes_the_handler_signs_in_again_and_finds_the_draft(db):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    handler = UserFactory(handler=True)
    incident = make_incident(handler=handler)
    client = Client()
    _login(client, handler.username, PASSWORD)
    autosave = client.post(
        f"/thrive/incidents/{incident.reference}/assessment/autosave/",
        {"threat": "Caller's ex-partner is outside the house"},
        headers={"HX-Request": "true"},
    )
    assert autosave.status_code == 200
    # Thirty-one minutes pass with nothing sent.
    Session.objects.update(expire_date=timezone.now() - timedelta(minutes=1))
    form_url = f"/thrive/incidents/{incident.reference}/assessment/"
    expired = client.get(form_url)
    assert expired.status_code == 302
    assert expired.url.startswith("/login/")
    _login(client, handler.username, PASSWORD)
    again = client.get(form_url)
    assert "Caller&#x27;s ex-partner is outside the house" in again.content.decode()


def _expiry(client: Client):
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value).expire_date


def test_the_timeout_counts_idle_time_and_pages_within_a_minute_write_nothing(db):
    """Activity keeps a handler signed in past thirty minutes from login; the session row is
    renewed at most once a minute, not on every page."""
    handler = UserFactory(handler=True)
    client = Client()
    _login(client, handler.username, PASSWORD)
    assert client.get("/").status_code == 200  # the first page after login renews it
    renewed = _expiry(client)
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    assert not any(q["sql"].startswith('UPDATE "django_session"') for q in captured.captured_queries)
    assert _expiry(client) == renewed
    # Twenty minutes of work later (the last renewal is more than a minute old) the page
    # renews it: thirty minutes from now, not from login.
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=10))
    session = Session.objects.get()
    data = session.get_decoded()
    data["_idle_touched"] -= 20 * 60
    Session.objects.filter(pk=session.pk).update(session_data=Session.objects.encode(data))
    assert client.get("/").status_code == 200
    assert _expiry(client) > timezone.now() + timedelta(minutes=29)


def test_every_page_carries_a_content_security_policy_without_inline_script(db, handler_client):
    response = handler_client.get("/")
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert 'name="htmx-config"' in response.content.decode()
    assert '"includeIndicatorStyles": false' in response.content.decode()


def test_no_template_holds_an_inline_script():
    templates = Path(settings.BASE_DIR) / "templates"
    offenders = []
    for path in templates.rglob("*.html"):
        for tag in re.findall(r"<script\b[^>]*>", path.read_text()):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{path.relative_to(templates)}: {tag}")
    assert offenders == []
