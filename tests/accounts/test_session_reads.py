"""Every signed-in page reads the session and the user with their team by statements built
once (accounts/sessions.py, accounts.backends.user_with_team; issue 18). What a signed-in
member of staff relies on: the same user and team, signed out when the account is switched
off, the session gone when it has expired or been signed out."""

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts.backends import user_with_team
from accounts.models import Team, User
from tests.factories import PASSWORD, UserFactory


def _signed_in(username: str) -> Client:
    client = Client()
    assert client.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_the_user_comes_with_their_team_as_the_orm_would_read_them(db, django_assert_num_queries):
    team = Team.objects.create(name="Watch 7")
    user = UserFactory(handler=True, username="amy", full_name="Amy Clarke", team=team)
    with django_assert_num_queries(1):
        read = user_with_team(str(user.pk))
        assert read.team.name == "Watch 7"
    orm = User.objects.select_related("team").get(pk=user.pk)
    fields = [f.attname for f in User._meta.concrete_fields]
    assert [getattr(read, f) for f in fields] == [getattr(orm, f) for f in fields]
    assert read._state.adding is False
    assert read._state.db == "default"
    loner = UserFactory(analyst=True, team=None)
    assert user_with_team(loner.pk).team is None
    assert user_with_team("not a number") is None
    assert user_with_team(10**9) is None


def test_a_switched_off_account_is_signed_out_on_its_next_page(db):
    UserFactory(handler=True, username="amy")
    client = _signed_in("amy")
    assert client.get("/").status_code == 200
    User.objects.filter(username="amy").update(is_active=False)
    page = client.get("/")
    assert page.status_code == 302
    assert page.url.startswith("/login/")


def test_an_expired_or_signed_out_session_is_not_read(db):
    UserFactory(handler=True, username="amy")
    client = _signed_in("amy")
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/").status_code == 302

    client = _signed_in("amy")
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    client.cookies[settings.SESSION_COOKIE_NAME] = key  # the old cookie, played back
    assert client.get("/").status_code == 302
