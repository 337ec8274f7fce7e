"""A real OpenID Connect provider for the single sign-on tests: oidc-provider-mock, started
once a session on a spare port (../shared/STACK.md). Its authorisation page is a form that a
test (the Django test client's helper below, or a browser) submits with the subject to sign
in as; `PUT /users/{sub}` sets the claims that subject carries.

Import the fixtures into a conftest: `from tests.oidc import oidc_provider, sso  # noqa: F401`.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client

from accounts.sso import provider_forget

CLIENT_ID = "thrive-sp-tests"
CLIENT_SECRET = "a-client-secret-for-the-tests"  # the mock accepts any


@dataclass
class LocalProvider:
    url: str

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def person(self, sub: str, **claims: Any) -> str:
        """The claims `sub` will carry when signed in (replacing any set before)."""
        response = requests.put(f"{self.url}/users/{sub}", json=claims, timeout=10)
        response.raise_for_status()
        return sub


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[LocalProvider]:
    from oidc_provider_mock import run_server_in_thread  # here: importing it warns (authlib)

    # Port 0: the system picks a spare one. The issuer is the address used, so 127.0.0.1
    # everywhere (discovery, the browser, the token call).
    with run_server_in_thread(port=0) as server:
        yield LocalProvider(url=f"http://127.0.0.1:{server.server_port}")


@pytest.fixture
def sso(settings: Any, oidc_provider: LocalProvider) -> Iterator[LocalProvider]:
    """Single sign-on configured against the local provider, as the environment would."""
    settings.OIDC_DISCOVERY_URL = oidc_provider.discovery_url
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    # The mock signs its ID tokens without a `kid` header (STACK.md); real providers send one.
    settings.OIDC_VERIFY_KID = False
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {
        **settings.CONTENT_SECURITY_POLICY,
        "DIRECTIVES": {**directives, "form-action": [*directives["form-action"], oidc_provider.url]},
    }
    provider_forget()
    yield oidc_provider
    provider_forget()


def sign_in_through_provider(client: Client, sub: str, *, start: str = "/login/sso/", **submit: str) -> Any:
    """The whole redirect flow with the Django test client: our start page sends the browser
    to the provider, the provider's authorisation form is posted as a person would, and the
    provider's redirect back is followed to our callback. Returns the callback's answer."""
    started = client.get(start)
    assert started.status_code == 302, started
    authorise = started.headers["Location"]
    form = {"sub": sub, **submit}
    answered = requests.post(authorise, data=form, allow_redirects=False, timeout=10)
    assert answered.status_code == 302, answered.text[:500]
    back = urlsplit(answered.headers["Location"])
    return client.get(f"{back.path}?{back.query}")
