"""POST /api/auth/token/ (API.md)."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory

URL = "/api/auth/token/"


def test_good_credentials_give_a_token_that_then_opens_the_api(db):
    user = UserFactory(handler=True, username="amy")
    client = APIClient()

    response = client.post(URL, {"username": "amy", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=user).key
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listed = api.get("/api/incidents/")
    assert listed.status_code == 200
    assert set(listed.json()) >= {"count", "next", "previous", "results"}


def test_asking_again_gives_the_same_token(db):
    UserFactory(handler=True, username="amy")
    client = APIClient()

    first = client.post(URL, {"username": "amy", "password": PASSWORD}, format="json").json()["token"]
    second = client.post(URL, {"username": "amy", "password": PASSWORD}, format="json").json()["token"]

    assert first == second


def test_a_form_encoded_request_works_too(db):
    UserFactory(handler=True, username="amy")

    response = APIClient().post(URL, {"username": "amy", "password": PASSWORD})

    assert response.status_code == 200
    assert response.json()["token"]


def test_bad_credentials_are_401(db):
    UserFactory(handler=True, username="amy")

    response = APIClient().post(URL, {"username": "amy", "password": "wrong"}, format="json")

    assert response.status_code == 401
    assert "token" not in response.json()
    assert "detail" in response.json()


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
