"""The CAD integration's tests: an adapter's account with its token, and a call taker."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from tests.factories import TeamFactory, UserFactory, api_token

CAD_REF = "STORM/0042/30NOV"


def cad_body(**overrides: Any) -> dict[str, Any]:
    """A CAD's PUT body (API.md): the call as the CAD has it, and its call taker."""
    body = {
        "channel": "999",
        "category": "burglary_dwelling",
        "grading": "priority",
        "summary": "Caller's back door forced while she was out.",
        "location": "12 Acacia Avenue",
        "opened_at": "2026-11-30T06:00:00+00:00",
        "handler": "jdawson",
    }
    body.update(overrides)
    return body


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


@pytest.fixture
def integration(db):
    return UserFactory(role=Role.INTEGRATION, username="storm-adapter", full_name="STORM adapter", team=None)


@pytest.fixture
def call_taker(db):
    return UserFactory(handler=True, username="jdawson", full_name="Jo Dawson", team=TeamFactory(name="Blue Watch"))


@pytest.fixture
def cad(integration, call_taker) -> APIClient:
    """The adapter's API client (the call taker exists)."""
    return token_client(integration)


def put(client: APIClient, body: dict[str, Any], cad_ref: str = CAD_REF) -> Any:
    return client.put(f"/api/cad/incidents/{cad_ref}/", body, format="json")
