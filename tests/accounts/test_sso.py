"""Issue 17: signing in with the force's identity provider (OpenID Connect), through the whole
redirect flow against a real provider run locally (tests/oidc.py): our start page, the
provider's authorisation form, the provider's redirect back, our callback."""

from urllib.parse import parse_qs, urlsplit

import pytest
from axes.models import AccessAttempt, AccessLog
from django.test import Client

from accounts.models import Role, User
from tests.factories import PASSWORD, UserFactory
from tests.oidc import sign_in_through_provider

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.20"


def _client() -> Client:
    return Client(REMOTE_ADDR=ADDRESS)


def _signed_in_as(client: Client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id).username if user_id else None


def test_the_login_page_offers_the_force_account_only_when_configured(client, sso, settings):
    page = client.get("/login/").content.decode()
    assert "Sign in with your force account" in page
    assert 'href="/login/sso/"' in page
    assert 'name="password"' in page  # passwords stay beside it

    settings.OIDC_DISCOVERY_URL = ""
    page = client.get("/login/").content.decode()
    assert "Sign in with your force account" not in page
    assert client.get("/login/sso/").status_code == 404


def test_a_handler_signs_in_through_the_provider_and_lands_on_their_home(sso):
    handler = UserFactory(handler=True, username="amy.clarke", full_name="Amy Clarke")
    sso.person("f81d4fae-7dec", preferred_username="amy.clarke", email="someone.else@example-police.uk")
    client = _client()

    answer = sign_in_through_provider(client, "f81d4fae-7dec")

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/"
    assert _signed_in_as(client) == "amy.clarke"
    assert client.session["_auth_user_backend"] == "accounts.sso.SSOBackend"
    home = client.get("/")
    assert home.status_code == 200
    assert "Your incidents" in home.content.decode()
    assert "Amy Clarke" in home.content.decode()
    # The sign-in is logged as any sign-in is (django-axes' access log), nobody was created.
    assert AccessLog.objects.filter(username="amy.clarke", ip_address=ADDRESS).count() == 1
    assert User.objects.count() == 1
    handler.refresh_from_db()
    assert handler.role == Role.CALL_HANDLER


def test_the_page_asked_for_is_where_signing_in_ends(sso):
    UserFactory(supervisor=True, username="sam")
    sso.person("sam-sub", preferred_username="sam")
    client = _client()

    answer = sign_in_through_provider(client, "sam-sub", start="/login/sso/?next=/incidents/")
    assert answer.headers["Location"] == "/incidents/"

    # Another site is never where it ends.
    client = _client()
    answer = sign_in_through_provider(client, "sam-sub", start="/login/sso/?next=https://evil.example/")
    assert answer.headers["Location"] == "/"


def test_staff_can_be_matched_by_email_ignoring_case(sso, settings):
    settings.OIDC_MATCH_FIELD = "email"
    settings.OIDC_USERNAME_CLAIM = "email"
    UserFactory(analyst=True, username="a123", email="Priya.Shah@example-police.uk")
    sso.person("priya-sub", email="priya.shah@EXAMPLE-police.uk")
    client = _client()

    answer = sign_in_through_provider(client, "priya-sub")

    assert answer.status_code == 302
    assert _signed_in_as(client) == "a123"


def test_an_unknown_person_is_refused_with_a_clear_page_and_never_created(sso):
    UserFactory(handler=True, username="amy")
    sso.person("stranger-sub", preferred_username="new.starter")
    client = _client()

    answer = sign_in_through_provider(client, "stranger-sub")

    assert answer.status_code == 403
    page = answer.content.decode()
    assert "You cannot sign in to THRIVE-SP" in page
    assert "Your force account is not set up in THRIVE-SP." in page
    assert "new.starter" in page
    assert not User.objects.filter(username="new.starter").exists()
    assert User.objects.count() == 1
    assert _signed_in_as(client) is None
    # Counted as a failed sign-in under the name the provider gave, as a password failure is.
    assert AccessAttempt.objects.get(username="new.starter", ip_address=ADDRESS).failures_since_start == 1


def test_a_disabled_account_is_refused(sso):
    UserFactory(handler=True, username="leaver", is_active=False)
    sso.person("leaver-sub", preferred_username="leaver")
    client = _client()

    answer = sign_in_through_provider(client, "leaver-sub")

    assert answer.status_code == 403
    assert "Your THRIVE-SP account has been turned off." in answer.content.decode()
    assert _signed_in_as(client) is None


def test_an_integration_account_never_signs_in_through_the_provider(sso):
    adapter = UserFactory(handler=True, username="cad-adapter")
    User.objects.filter(pk=adapter.pk).update(role="integration")
    sso.person("cad-sub", preferred_username="cad-adapter")
    client = _client()

    answer = sign_in_through_provider(client, "cad-sub")

    assert answer.status_code == 403
    assert "for a connected system, not a person" in answer.content.decode()
    assert _signed_in_as(client) is None


def test_a_person_without_the_username_claim_is_refused(sso):
    UserFactory(handler=True, username="amy")
    sso.person("no-name-sub", email="amy@example-police.uk")  # no preferred_username
    client = _client()

    answer = sign_in_through_provider(client, "no-name-sub")

    assert answer.status_code == 403
    assert "did not say who you are" in answer.content.decode()
    assert _signed_in_as(client) is None


def test_roles_come_from_the_group_claim_when_mapped(sso, settings):
    settings.OIDC_GROUP_ROLES = [("grp-thrive-supervisors", "supervisor"), ("grp-thrive-handlers", "call_handler")]
    amy = UserFactory(handler=True, username="amy")
    sso.person(
        "amy-sub", preferred_username="amy", groups=["grp-other", "grp-thrive-handlers", "grp-thrive-supervisors"]
    )
    client = _client()

    answer = sign_in_through_provider(client, "amy-sub")

    assert answer.status_code == 302
    amy.refresh_from_db()
    assert amy.role == Role.SUPERVISOR  # the first mapped group listed wins
    assert list(amy.groups.values_list("name", flat=True)) == ["Supervisor"]

    # Out of every mapped group: refused, whatever the staff record says.
    sso.person("amy-sub", preferred_username="amy", groups=["grp-other"])
    client = _client()
    answer = sign_in_through_provider(client, "amy-sub")
    assert answer.status_code == 403
    assert "not in any of the groups" in answer.content.decode()
    assert _signed_in_as(client) is None


def test_an_account_locked_on_this_address_is_locked_for_single_sign_on_too(sso, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.LOGIN_DELAY_FREE_FAILURES = 10
    UserFactory(handler=True, username="amy")
    for _ in range(3):
        _client().post("/login/", {"username": "amy", "password": "a guess"})
    sso.person("amy-sub", preferred_username="amy")

    locked = sign_in_through_provider(_client(), "amy-sub")

    assert locked.status_code == 429
    assert "locked" in locked.content.decode()
    # From another address the same person signs in.
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert sign_in_through_provider(elsewhere, "amy-sub").status_code == 302
    assert _signed_in_as(elsewhere) == "amy"


def test_the_provider_saying_no_is_a_clear_page(sso):
    UserFactory(handler=True, username="amy")
    sso.person("amy-sub", preferred_username="amy")
    client = _client()

    answer = sign_in_through_provider(client, "amy-sub", action="deny")

    assert answer.status_code == 400
    assert "Signing in with your force account was cancelled." in answer.content.decode()
    assert _signed_in_as(client) is None


def test_a_callback_that_was_not_started_here_is_refused_not_a_500(sso):
    client = _client()
    client.get("/login/sso/")  # a sign-in started, with its own state

    answer = client.get("/login/sso/callback/?code=stolen&state=not-ours")

    assert answer.status_code == 400
    assert "We could not finish signing you in" in answer.content.decode()
    assert _signed_in_as(client) is None


def test_a_provider_that_cannot_be_reached_is_a_clear_page_not_a_500(sso, settings):
    settings.OIDC_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid-configuration"

    answer = _client().get("/login/sso/")

    assert answer.status_code == 503
    assert "cannot be reached" in answer.content.decode()


def test_signing_out_ends_the_providers_session_too(sso):
    UserFactory(handler=True, username="amy")
    sso.person("amy-sub", preferred_username="amy")
    client = _client()
    sign_in_through_provider(client, "amy-sub")

    answer = client.post("/logout/")

    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{sso.url}/oauth2/end_session"
    query = parse_qs(location.query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/login/"]
    assert query["id_token_hint"][0].count(".") == 2  # the ID token, a JWT
    assert _signed_in_as(client) is None


def test_signing_out_after_a_password_sign_in_stays_here(sso, client):
    UserFactory(handler=True, username="amy")
    client.post("/login/", {"username": "amy", "password": PASSWORD})

    answer = client.post("/logout/")

    assert answer.headers["Location"] == "/login/"
    assert _signed_in_as(client) is None


def test_an_id_token_from_another_issuer_is_refused(sso, monkeypatch):
    """The ID token must come from the issuer the discovery document names (mozilla-django-oidc
    leaves the issuer unchecked; accounts.sso checks it): here the configured provider is said
    to be another one by the time the browser comes back."""
    import dataclasses

    from accounts import sso as sso_module

    UserFactory(handler=True, username="amy")
    sso.person("amy-sub", preferred_username="amy")
    real = sso_module.provider()
    monkeypatch.setattr(sso_module, "provider", lambda: dataclasses.replace(real, issuer="https://login.example/"))
    client = _client()

    answer = sign_in_through_provider(client, "amy-sub")

    assert answer.status_code == 400
    assert "We could not finish signing you in" in answer.content.decode()
    assert _signed_in_as(client) is None


def test_the_provider_is_only_asked_when_someone_signs_in_through_it(sso, settings):
    """Discovery is lazy: with the provider down, the sign-in page and passwords still work."""
    settings.OIDC_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid-configuration"
    UserFactory(handler=True, username="amy")
    client = _client()

    assert "Sign in with your force account" in client.get("/login/").content.decode()
    assert client.post("/login/", {"username": "amy", "password": PASSWORD}).status_code == 302
    assert _signed_in_as(client) == "amy"


def test_signing_in_as_someone_else_asks_the_provider_to_offer_a_choice(sso):
    started = _client().get("/login/sso/?switch=1")

    query = parse_qs(urlsplit(started.headers["Location"]).query)
    assert query["prompt"] == ["select_account"]
    assert query["code_challenge_method"] == ["S256"]  # PKCE
    assert "nonce" in query
    assert "prompt" not in parse_qs(urlsplit(_client().get("/login/sso/").headers["Location"]).query)
