"""POST and DELETE /api/auth/token/ (API.md "Authentication" and "Tokens")."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.tokens import tokens_purge_expired
from tests.factories import PASSWORD, UserFactory, api_token

URL = "/api/auth/token/"


def _issue(username: str = "amy") -> str:
    response = APIClient().post(URL, {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _status(token: str) -> int:
    """What the API answers the token: 200 while it works, 401 once it does not (API.md)."""
    return _with(token).get("/api/incidents/").status_code


def _row(token: str) -> AuthToken:
    (row,) = [t for t in AuthToken.objects.select_related("user") if t.token_key == token[: len(t.token_key)]]
    return row


def _age(token: str, *, created_ago: timedelta, last_used_ago: timedelta) -> None:
    """Move the clock by moving the token's own timestamps: made `created_ago`, last used
    `last_used_ago` (knox keeps the last use as expiry = last use + idle time)."""
    now = timezone.now()
    AuthToken.objects.filter(pk=_row(token).pk).update(
        created=now - created_ago, expiry=now - last_used_ago + timedelta(hours=12)
    )


def test_good_credentials_give_a_token_that_then_opens_the_api(db):
    UserFactory(handler=True, username="amy")

    token = _issue()

    listed = _with(token).get("/api/incidents/")
    assert listed.status_code == 200
    assert set(listed.json()) >= {"count", "next", "previous", "results"}


def test_the_token_is_stored_only_as_a_hash(db):
    UserFactory(handler=True, username="amy")

    token = _issue()

    row = _row(token)
    assert token not in {row.digest, row.token_key}
    assert len(token) == 64


def test_each_request_issues_a_new_token_and_both_work(db):
    UserFactory(handler=True, username="amy")

    first, second = _issue(), _issue()

    assert first != second
    assert _status(first) == 200
    assert _status(second) == 200


def test_delete_revokes_only_the_token_presented(db):
    UserFactory(handler=True, username="amy")
    desk, laptop = _issue(), _issue()

    response = _with(desk).delete(URL)

    assert response.status_code == 204
    assert _status(desk) == 401
    assert _status(laptop) == 200
    again = _with(desk).delete(URL)
    assert again.status_code == 401
    assert again.headers["Content-Type"] == "application/json"


def test_delete_without_a_token_is_401_even_when_signed_in_in_the_browser(db, client_for):
    user = UserFactory(handler=True, username="amy")
    token = _issue()

    response = client_for(user).delete(URL)

    assert response.status_code == 401
    assert _status(token) == 200


def test_a_token_unused_for_twelve_hours_stops(db):
    UserFactory(handler=True, username="amy")
    token = _issue()

    _age(token, created_ago=timedelta(hours=13), last_used_ago=timedelta(hours=12, minutes=1))

    assert _status(token) == 401
    assert not AuthToken.objects.exists()  # an expired token is deleted when presented


def test_a_token_used_within_twelve_hours_lives_on_and_is_renewed(db):
    UserFactory(handler=True, username="amy")
    token = _issue()
    _age(token, created_ago=timedelta(hours=30), last_used_ago=timedelta(hours=11, minutes=50))

    assert _status(token) == 200

    assert _row(token).expiry > timezone.now() + timedelta(hours=11, minutes=59)


def test_a_token_stops_seven_days_after_it_was_made_however_busy(db):
    UserFactory(handler=True, username="amy")
    token = _issue()
    # In use all along: last used a minute ago, made a week ago.
    _age(token, created_ago=timedelta(days=7, minutes=1), last_used_ago=timedelta(minutes=1))

    assert _status(token) == 401


def test_renewal_never_takes_a_token_past_its_seven_days(db):
    UserFactory(handler=True, username="amy")
    token = _issue()
    # Made almost a week ago, last used 11.5 hours ago: its expiry is half an hour away.
    _age(token, created_ago=timedelta(days=7) - timedelta(hours=2), last_used_ago=timedelta(hours=11, minutes=30))

    assert _status(token) == 200

    row = _row(token)
    assert row.expiry == row.created + timedelta(days=7)  # two hours more, not twelve


def test_a_token_made_in_the_admin_without_expiry_still_stops_after_seven_days(db):
    user = UserFactory(handler=True, username="amy")
    row, token = AuthToken.objects.create(user=user, expiry=None)
    assert _status(token) == 200

    AuthToken.objects.filter(pk=row.pk).update(created=timezone.now() - timedelta(days=7, minutes=1))

    assert _status(token) == 401


def test_the_lifetime_is_a_setting_per_role(db, settings):
    """A role listed in API_TOKEN_LIFETIMES gets its own lifetime (the integration role's
    90 days is one such line)."""
    assert settings.API_TOKEN_LIFETIMES["integration"] == {"idle": timedelta(days=90), "absolute": timedelta(days=90)}
    settings.API_TOKEN_LIFETIMES = {
        **settings.API_TOKEN_LIFETIMES,
        "analyst": {"idle": timedelta(days=90), "absolute": timedelta(days=90)},
    }
    UserFactory(analyst=True, username="amy")
    token = _issue()
    _age(token, created_ago=timedelta(days=30), last_used_ago=timedelta(days=20))
    AuthToken.objects.filter(pk=_row(token).pk).update(expiry=timezone.now() + timedelta(days=70))

    assert _with(token).get("/api/qa/monthly/?from=2025-01&to=2025-02").status_code == 200


def test_disabling_an_account_stops_its_tokens_at_once(db):
    user = UserFactory(handler=True, username="amy")
    token = _issue()
    assert _status(token) == 200

    user.is_active = False
    user.save(update_fields=["is_active"])

    assert _status(token) == 401


def test_signing_out_of_the_browser_leaves_the_token_alone(db):
    UserFactory(handler=True, username="amy")
    token = _issue()
    browser = Client()
    assert browser.post("/login/", {"username": "amy", "password": PASSWORD}).status_code == 302

    assert browser.post("/logout/").status_code == 302

    assert _status(token) == 200


@pytest.mark.parametrize(
    "header",
    [
        "Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b",  # an old rest_framework.authtoken token
        "Token not-a-token",
        "Token " + "g" * 64,
        "Token",
        "Token a b",
    ],
)
def test_a_bad_token_is_a_json_401(db, header):
    response = APIClient().get("/api/incidents/", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_the_purge_removes_expired_tokens_and_keeps_live_ones(db):
    user = UserFactory(handler=True, username="amy")
    live, idle, old = api_token(user), api_token(user), api_token(user)
    _age(idle, created_ago=timedelta(hours=13), last_used_ago=timedelta(hours=13))
    _age(old, created_ago=timedelta(days=8), last_used_ago=timedelta(minutes=5))

    assert tokens_purge_expired() == 2

    assert [t.token_key for t in AuthToken.objects.all()] == [live[:15]]


def test_bad_credentials_are_401(db):
    UserFactory(handler=True, username="amy")

    response = APIClient().post(URL, {"username": "amy", "password": "wrong"}, format="json")

    assert response.status_code == 401
    assert "token" not in response.json()
    assert "detail" in response.json()
    assert not AuthToken.objects.exists()


def test_a_form_encoded_request_works_too(db):
    UserFactory(handler=True, username="amy")

    response = APIClient().post(URL, {"username": "amy", "password": PASSWORD})

    assert response.status_code == 200
    assert response.json()["token"]


def test_an_unknown_user_is_401(db):
    response = APIClient().post(URL, {"username": "nobody", "password": "whatever"}, format="json")

    assert response.status_code == 401


def test_an_inactive_account_gets_no_token(db):
    UserFactory(handler=True, username="leaver", is_active=False)

    response = APIClient().post(URL, {"username": "leaver", "password": PASSWORD}, format="json")

    assert response.status_code == 401


def test_a_missing_field_is_400_naming_it(db):
    client = APIClient()

    no_password = client.post(URL, {"username": "amy"}, format="json")
    assert no_password.status_code == 400
    assert set(no_password.json()) == {"password"}

    nothing = client.post(URL, {}, format="json")
    assert nothing.status_code == 400
    assert set(nothing.json()) == {"username", "password"}


def test_a_field_of_the_wrong_type_is_400_not_500(db):
    response = APIClient().post(URL, {"username": ["amy"], "password": 12345}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_a_body_that_is_not_json_is_400(db):
    response = APIClient().post(URL, "{not json", content_type="application/json")

    assert response.status_code == 400


def test_get_is_not_allowed(db):
    assert APIClient().get(URL).status_code == 405
