"""Issue 13 item 6: failed sign-ins lock one account on one address, never the account
everywhere; failures for one account slow further tries from the addresses that failed,
with a growing delay; the token endpoint follows the same rules and answers JSON."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.throttle import client_address, login_delay_seconds
from tests.factories import PASSWORD, UserFactory

A, B = "203.0.113.7", "198.51.100.20"  # an outsider's address; the control room's


def _login(address: str, username: str, password: str):
    return Client(REMOTE_ADDR=address).post("/login/", {"username": username, "password": password})


def _token(address: str, username: str, password: str):
    return APIClient(REMOTE_ADDR=address).post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )


def _rewind(address: str, seconds: int) -> None:
    """Let time pass for the failures recorded from `address` (the rows' own timestamps)."""
    for attempt in AccessAttempt.objects.filter(ip_address=address):
        AccessAttempt.objects.filter(pk=attempt.pk).update(
            attempt_time=attempt.attempt_time - timedelta(seconds=seconds)
        )


def test_lockout_is_per_account_and_address():
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_FAILURE_LIMIT == 100


def test_a_hundred_failures_from_one_address_do_not_lock_the_handler_out_elsewhere(db, client_for):
    handler = UserFactory(handler=True, username="handler1")
    answers = [_login(A, "handler1", "guess").status_code for _ in range(101)]
    # The free failures are told "wrong password" (the form again, 200); from then on the
    # growing delay answers 429 at once (these tries come faster than a second apart).
    free = settings.LOGIN_DELAY_FREE_FAILURES + 1
    assert answers == [200] * free + [429] * (101 - free)

    # The handler, at the control room, signs in.
    assert _login(B, "handler1", PASSWORD).status_code == 302
    assert _token(B, "handler1", PASSWORD).status_code == 200
    # The outsider's address is locked for the account, even with the right password.
    locked = _login(A, "handler1", PASSWORD)
    assert locked.status_code == 429
    assert "locked" in locked.content.decode()
    api_locked = _token(A, "handler1", PASSWORD)
    assert api_locked.status_code == 429
    assert api_locked.headers["Content-Type"] == "application/json"
    assert api_locked.json()["code"] == "login_locked"
    assert int(api_locked.headers["Retry-After"]) > 0

    # An administrator sees the lock and clears it.
    admin = client_for(UserFactory(admin=True))
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "handler1" in listing.content.decode()
    assert A in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="handler1", ip_address=A)
    assert admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}).status_code == 302
    assert _login(A, "handler1", PASSWORD).status_code == 302
    assert handler.is_active


def test_failures_for_one_account_delay_the_next_try_from_the_same_address(db, settings):
    UserFactory(handler=True, username="handler1")
    free = settings.LOGIN_DELAY_FREE_FAILURES
    for _ in range(free + 1):
        assert _login(A, "handler1", "guess").status_code == 200

    # Too soon: not even the right password is tried.
    early = _login(A, "handler1", PASSWORD)
    assert early.status_code == 429
    assert "Wait" in early.content.decode()
    assert int(early["Retry-After"]) >= 1
    api_early = _token(A, "handler1", PASSWORD)
    assert api_early.status_code == 429
    assert api_early.json()["code"] == "login_delayed"

    # Once the delay has passed, the right password works from that address too.
    _rewind(A, settings.LOGIN_DELAY_MAX_SECONDS + 1)
    assert _login(A, "handler1", PASSWORD).status_code == 302


def test_the_delay_counts_failures_from_every_address_but_spares_a_fresh_one(db, settings):
    UserFactory(handler=True, username="handler1")
    free = settings.LOGIN_DELAY_FREE_FAILURES
    addresses = [f"192.0.2.{n}" for n in range(1, free + 2)]
    for address in addresses:  # one failure from each of several addresses
        assert _login(address, "handler1", "guess").status_code == 200

    # Any address that failed waits now, though it failed only once ...
    assert _login(addresses[0], "handler1", PASSWORD).status_code == 429
    # ... but the handler at an address with no failures gets straight in.
    assert _login(B, "handler1", PASSWORD).status_code == 302


def test_the_delay_grows_with_the_failures_and_has_a_ceiling(settings):
    free = settings.LOGIN_DELAY_FREE_FAILURES
    delays = [login_delay_seconds(n) for n in range(free + 10)]
    assert delays[: free + 1] == [0] * (free + 1)
    assert delays[free + 1 : free + 4] == [1, 2, 4]
    assert max(delays) == settings.LOGIN_DELAY_MAX_SECONDS
    assert login_delay_seconds(10_000) == settings.LOGIN_DELAY_MAX_SECONDS


def test_a_success_clears_that_address_only(db):
    UserFactory(handler=True, username="handler1")
    for address in (A, B):
        _login(address, "handler1", "guess")

    assert _login(B, "handler1", PASSWORD).status_code == 302

    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [A]


@pytest.mark.parametrize(
    ("forwarded", "proxies", "expected"),
    [
        ("", 0, "10.0.0.1"),
        ("198.51.100.9", 0, "10.0.0.1"),  # no proxy trusted: the header is the client's word
        ("198.51.100.9", 1, "198.51.100.9"),
        ("6.6.6.6, 198.51.100.9", 1, "198.51.100.9"),  # a forged first entry is ignored
        ("6.6.6.6, 198.51.100.9, 10.9.9.9", 2, "198.51.100.9"),
        ("not-an-address", 1, "10.0.0.1"),
    ],
)
def test_the_client_address_trusts_only_the_configured_proxies(rf, settings, forwarded, proxies, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == expected


def test_old_attempts_do_not_count(db):
    UserFactory(handler=True, username="handler1")
    for _ in range(20):
        _login(A, "handler1", "guess")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(hours=1, minutes=1))

    assert _login(A, "handler1", PASSWORD).status_code == 302
