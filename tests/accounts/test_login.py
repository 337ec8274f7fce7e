"""Sign in and sign out."""

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from tests.factories import PASSWORD, UserFactory


def test_the_login_page_renders_for_anyone(client, db):
    response = client.get("/login/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Sign in to THRIVE-SP" in html
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert "csrfmiddlewaretoken" in html


def test_good_credentials_sign_in_and_land_on_the_home_page(client, db):
    UserFactory(handler=True, username="amy", full_name="Amy Clarke")

    response = client.post("/login/", {"username": "amy", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Your incidents" in home.content.decode()
    assert "Amy Clarke" in home.content.decode()


def test_signing_in_goes_on_to_the_page_asked_for(client, db):
    UserFactory(handler=True, username="amy")

    response = client.post("/login/?next=/incidents/", {"username": "amy", "password": PASSWORD, "next": "/incidents/"})

    assert response.status_code == 302
    assert response.url == "/incidents/"


def test_bad_credentials_show_the_error_summary_and_do_not_sign_in(client, db):
    UserFactory(handler=True, username="amy")

    response = client.post("/login/", {"username": "amy", "password": "wrong-password"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "There is a problem" in html
    assert "Enter a correct username and password" in html
    assert 'value="amy"' in html  # the username is kept, the password is not
    assert "_auth_user_id" not in client.session


def test_an_empty_form_names_both_fields(client, db):
    response = client.post("/login/", {"username": "", "password": ""})

    html = response.content.decode()
    assert 'href="#id_username"' in html
    assert 'href="#id_password"' in html
    assert "govuk-form-group--error" in html


def test_an_inactive_account_cannot_sign_in(client, db):
    UserFactory(handler=True, username="leaver", is_active=False)

    response = client.post("/login/", {"username": "leaver", "password": PASSWORD})

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


def test_signing_in_gives_a_new_session_key(db):
    """Session fixation: a key planted before sign-in is worthless after it."""
    UserFactory(handler=True, username="amy")
    client = Client()
    planted = client.session.session_key
    assert planted

    client.post("/login/", {"username": "amy", "password": PASSWORD})

    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != planted
    assert not Session.objects.filter(session_key=planted).exists()
    assert Session.objects.get(session_key=after).get_decoded()["_auth_user_id"]


def test_logout_is_a_post_that_ends_the_session(client, db):
    user = UserFactory(handler=True)
    client.force_login(user)

    response = client.post("/logout/")

    assert response.status_code == 302
    assert response.url == "/login/"
    assert client.get("/").status_code == 302  # signed out: home sends to the login page


def test_logout_by_get_is_refused_and_keeps_the_session(client, db):
    client.force_login(UserFactory(handler=True))

    assert client.get("/logout/").status_code == 405
    assert client.get("/").status_code == 200


def test_the_header_offers_sign_out_as_a_form(client, db):
    client.force_login(UserFactory(handler=True))

    html = client.get("/").content.decode()

    assert 'action="/logout/"' in html
