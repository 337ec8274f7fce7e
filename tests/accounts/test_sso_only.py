"""Issue 17: `SSO_ONLY=true` turns password sign-in off (the form hidden, the post refused)
for everyone but the break-glass accounts (BREAK_GLASS_USERNAMES); at the API, integration
accounts keep getting their token with a password (docs/SECURITY.md)."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from tests.factories import PASSWORD, UserFactory
from tests.oidc import sign_in_through_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def sso_only(sso, settings):
    settings.SSO_ONLY = True
    settings.BREAK_GLASS_USERNAMES = ["duty-admin"]
    return sso


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_login_page_hides_the_password_form(client, sso_only):
    page = client.get("/login/").content.decode()

    assert "Sign in with your force account" in page
    assert 'name="password"' not in page
    assert "THRIVE-SP passwords are turned off" in page
    assert 'href="/login/break-glass/"' in page


def test_a_handlers_right_password_is_refused(client, sso_only):
    UserFactory(handler=True, username="amy")

    answer = client.post("/login/", {"username": "amy", "password": PASSWORD})

    assert answer.status_code == 200
    page = answer.content.decode()
    assert "There is a problem" in page
    assert "Only the emergency administrator accounts sign in with a password" in page
    assert not _signed_in(client)


def test_the_break_glass_admin_still_signs_in_with_a_password(client, sso_only):
    UserFactory(admin=True, username="duty-admin")

    page = client.get("/login/break-glass/").content.decode()
    assert 'name="password"' in page
    answer = client.post("/login/break-glass/", {"username": "duty-admin", "password": PASSWORD})

    assert answer.status_code == 302
    assert _signed_in(client)


def test_an_administrator_not_named_break_glass_is_refused_in_the_admin_too(client, sso_only):
    UserFactory(admin=True, username="other-admin")

    answer = client.post("/admin/login/", {"username": "other-admin", "password": PASSWORD})

    assert answer.status_code == 200  # the form again
    assert not _signed_in(client)


def test_single_sign_on_still_signs_the_handler_in(sso_only):
    UserFactory(handler=True, username="amy")
    sso_only.person("amy-sub", preferred_username="amy")
    client = Client()

    assert sign_in_through_provider(client, "amy-sub").status_code == 302
    assert _signed_in(client)


def _token(username: str):
    return APIClient().post("/api/auth/token/", {"username": username, "password": PASSWORD}, format="json")


def test_the_api_refuses_staff_passwords_but_issues_integration_tokens(sso_only):
    UserFactory(handler=True, username="amy")
    adapter = UserFactory(handler=True, username="cad-adapter")
    User.objects.filter(pk=adapter.pk).update(role="integration")
    UserFactory(admin=True, username="duty-admin")

    assert _token("amy").status_code == 401
    assert _token("cad-adapter").status_code == 200
    assert _token("duty-admin").status_code == 200


def test_an_integration_account_cannot_use_the_sign_in_page_under_sso_only(client, sso_only):
    adapter = UserFactory(handler=True, username="cad-adapter")
    User.objects.filter(pk=adapter.pk).update(role="integration")

    client.post("/login/", {"username": "cad-adapter", "password": PASSWORD})

    assert not _signed_in(client)


def test_without_sso_only_passwords_work_as_before(client, sso):
    UserFactory(handler=True, username="amy")

    assert client.post("/login/", {"username": "amy", "password": PASSWORD}).status_code == 302
    assert _token("amy").status_code == 200
