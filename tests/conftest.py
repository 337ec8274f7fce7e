"""Shared fixtures. The database is the real PostgreSQL (make test sets DATABASE_URL)."""

import pytest
from django.test import Client

from tests.factories import UserFactory


@pytest.fixture
def handler(db):
    return UserFactory(handler=True, username="handler")


@pytest.fixture
def supervisor(db):
    return UserFactory(supervisor=True, username="supervisor")


@pytest.fixture
def trainer(db):
    return UserFactory(trainer=True, username="trainer")


@pytest.fixture
def analyst(db):
    return UserFactory(analyst=True, username="analyst")


@pytest.fixture
def admin_user(db):
    return UserFactory(admin=True, username="administrator")


def _client_for(user) -> Client:
    # force_login: the login page itself (with its throttling) is tested through real POSTs.
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def handler_client(handler):
    return _client_for(handler)


@pytest.fixture
def supervisor_client(supervisor):
    return _client_for(supervisor)


@pytest.fixture
def trainer_client(trainer):
    return _client_for(trainer)


@pytest.fixture
def analyst_client(analyst):
    return _client_for(analyst)


@pytest.fixture
def client_for():
    return _client_for


@pytest.fixture
def api_client_for(db):
    """A DRF client authenticated with the user's API token (API.md)."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def make(user):
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make
