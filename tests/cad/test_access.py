"""The `integration` role (API.md "Command-and-control (CAD) integration", "Tokens"): an
import_staff role, API only (its token opens the CAD's routes and nothing else), no pages,
tokens for 90 days; and who else may use the CAD's routes."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import Role, User
from tests.cad.conftest import CAD_REF, cad_body, put, token_client
from tests.factories import PASSWORD, UserFactory, api_token, make_incident

pytestmark = pytest.mark.django_db

DETAIL = f"/api/cad/incidents/{CAD_REF}/"


def test_import_staff_makes_an_integration_account(tmp_path):
    csv = tmp_path / "staff.csv"
    csv.write_text(
        "username,full_name,email,role,team,password\nstorm,STORM adapter,,integration,,Adapter-pass-2026-long\n"
    )

    call_command("import_staff", str(csv), stdout=StringIO(), stderr=StringIO())

    user = User.objects.get(username="storm")
    assert user.role == Role.INTEGRATION
    assert not user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == ["CAD integration"]


def test_the_adapter_signs_in_for_a_token_that_lasts_90_days(integration):
    response = APIClient().post("/api/auth/token/", {"username": "storm-adapter", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    row = AuthToken.objects.get(user=integration)
    assert row.expiry - timezone.now() > timedelta(days=89)
    # A staff token of the same age would be long dead: this one still works after 30 days.
    AuthToken.objects.filter(pk=row.pk).update(created=timezone.now() - timedelta(days=30))
    UserFactory(handler=True, username="jdawson")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert put(client, cad_body()).status_code == 201


def test_the_adapters_token_stops_after_90_days(integration, call_taker):
    token = api_token(integration)
    AuthToken.objects.filter(user=integration).update(created=timezone.now() - timedelta(days=90, minutes=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert put(client, cad_body()).status_code == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/incidents/"),
        ("post", "/api/incidents/"),
        ("get", "/api/schema/"),
        ("get", "/api/prompt-sets/current/"),
        ("get", "/api/qa/monthly/?from=2026-01&to=2026-02"),
        ("get", "/qa/export.csv?from=2026-01&to=2026-02"),
    ],
)
def test_the_adapters_token_opens_no_other_api_route(integration, method, path):
    client = token_client(integration)
    response = client.post(path, {}, format="json") if method == "post" else client.get(path)

    assert response.status_code == 403
    assert "CAD integration account" in response.content.decode()


def test_the_adapter_may_revoke_its_own_token(integration):
    token = api_token(integration)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert client.delete("/api/auth/token/").status_code == 204
    assert not AuthToken.objects.filter(user=integration).exists()


def test_the_sign_in_page_refuses_the_adapter_and_says_why(integration):
    response = Client().post("/login/", {"username": "storm-adapter", "password": PASSWORD})

    assert response.status_code == 200
    assert "CAD integration account" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


@pytest.mark.parametrize("path", ["/", "/incidents/", "/thrive/prompt-wording/", "/qa/dashboard/", "/cad/X-1/"])
def test_a_session_of_the_adapter_is_refused_on_every_page_with_a_page_saying_why(integration, path):
    client = Client()
    client.force_login(integration)

    response = client.get(path)

    assert response.status_code == 403
    page = response.content.decode()
    assert "This account cannot use these pages" in page
    assert "govuk-heading-l" in page


def test_a_session_of_the_adapter_is_refused_on_the_api_too_even_the_cads(integration, call_taker):
    client = Client()
    client.force_login(integration)

    response = client.put(DETAIL, cad_body(), content_type="application/json")

    assert response.status_code == 403
    assert response.json()["code"] == "integration_token_only"


def test_the_adapter_may_still_sign_out(integration):
    client = Client()
    client.force_login(integration)

    response = client.post("/logout/")

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


ROLES = {
    "call_handler": {"handler": True},
    "supervisor": {"supervisor": True},
    "trainer": {"trainer": True},
    "analyst": {"analyst": True},
    "admin": {"admin": True},
}
READERS = {"call_handler", "supervisor"}


@pytest.mark.parametrize("role", ROLES)
def test_each_staff_role_on_each_cad_route(cad, role):
    """The intake and the close are the adapter's alone; handlers and supervisors may read;
    everyone else (an administrator too, superuser or not) is refused."""
    put(cad, cad_body())
    client = token_client(UserFactory(username=f"someone-{role}", **ROLES[role]))

    reads = [client.get(DETAIL), client.get(f"{DETAIL}closure/")]
    writes = [
        put(client, cad_body(summary="Changed by someone else.")),
        client.post(f"{DETAIL}close/", {"closure_code": "duplicate", "exemption_reason": "x"}, format="json"),
    ]

    expected = 200 if role in READERS else 403
    assert [r.status_code for r in reads] == [expected, expected]
    assert [r.status_code for r in writes] == [403, 403]


def test_anonymous_is_401_on_every_cad_route(db):
    client = APIClient()

    assert client.get(DETAIL).status_code == 401
    assert client.get(f"{DETAIL}closure/").status_code == 401
    assert client.put(DETAIL, cad_body(), format="json").status_code == 401
    assert client.post(f"{DETAIL}close/", {}, format="json").status_code == 401


def test_a_read_through_the_cad_route_is_recorded_as_a_disclosure(cad, integration):
    from audit.models import Action, AuditEvent

    put(cad, cad_body())
    before = AuditEvent.objects.filter(actor=integration, action=Action.DISCLOSE).count()

    assert cad.get(DETAIL).status_code == 200

    assert AuditEvent.objects.filter(actor=integration, action=Action.DISCLOSE).count() == before + 1


def test_an_incident_opened_here_has_no_cad_route(cad):
    incident = make_incident()

    assert incident.cad_ref is None
    assert cad.get(f"/api/cad/incidents/{incident.reference}/").status_code == 404
