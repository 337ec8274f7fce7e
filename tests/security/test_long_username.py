"""Outside re-review of issue 13: a sign-in with a username longer than the throttle's
record can hold (axes keeps 255 characters) was a 500 on the token endpoint, the login page
and the admin's login, before any password was looked at. It is an ordinary failed
sign-in: 401 from the API, the form's error on the pages, and it is still counted."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from rest_framework.test import APIClient

LONG = "a" * 300


@pytest.mark.django_db
def test_token_endpoint_answers_401_to_a_very_long_username():
    response = APIClient(REMOTE_ADDR="203.0.113.9").post(
        "/api/auth/token/", {"username": LONG, "password": "guess"}, format="json"
    )
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/json"
    # Counted like any other failure (so hammering with long names is throttled too).
    assert AccessAttempt.objects.filter(ip_address="203.0.113.9").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_login_pages_show_the_form_again_for_a_very_long_username(path):
    response = Client(REMOTE_ADDR="203.0.113.9").post(path, {"username": LONG, "password": "guess"})
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()
