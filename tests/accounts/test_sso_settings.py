"""Issue 17: single sign-on is configured from the environment (config/settings.py), and a
setting that is wrong stops the app naming the variable, never a guess. Each case is a fresh
Python with only the variables given (tests/test_settings_env.py)."""

import json
import subprocess
import sys

from tests.test_settings_env import BASE_DIR, run_python

SHOW_SSO = """
import json
import django
django.setup()
from django.conf import settings as s
from accounts.sso import sso_enabled
print(json.dumps({
    "enabled": sso_enabled(),
    "discovery": s.OIDC_DISCOVERY_URL,
    "client_id": s.OIDC_RP_CLIENT_ID,
    "claim": s.OIDC_USERNAME_CLAIM,
    "match": s.OIDC_MATCH_FIELD,
    "group_roles": s.OIDC_GROUP_ROLES,
    "sso_only": s.SSO_ONLY,
    "break_glass": s.BREAK_GLASS_USERNAMES,
    "form_action": s.CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"],
}))
"""

ENTRA = {
    "OIDC_DISCOVERY_URL": "https://login.microsoftonline.com/tenant-id/v2.0/.well-known/openid-configuration",
    "OIDC_CLIENT_ID": "app-id",
    "OIDC_CLIENT_SECRET": "app-secret",
}


def _sso(**env: str) -> dict:
    result = run_python(SHOW_SSO, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_nothing_set_single_sign_on_is_off_and_passwords_on():
    shown = _sso()
    assert shown["enabled"] is False
    assert shown["sso_only"] is False
    assert shown["claim"] == "preferred_username"
    assert shown["match"] == "username"
    assert shown["form_action"] == ["'self'"]


def test_the_three_variables_turn_it_on_and_let_sign_out_reach_the_provider():
    shown = _sso(
        **ENTRA,
        OIDC_MATCH_FIELD="email",
        OIDC_GROUP_ROLES="1111-aaaa=supervisor, 2222-bbbb=call_handler",
        SSO_ONLY="true",
        BREAK_GLASS_USERNAMES="duty-admin, second-admin",
    )
    assert shown["enabled"] is True
    assert shown["client_id"] == "app-id"
    assert shown["match"] == "email"
    assert shown["group_roles"] == [["1111-aaaa", "supervisor"], ["2222-bbbb", "call_handler"]]
    assert shown["sso_only"] is True
    assert shown["break_glass"] == ["duty-admin", "second-admin"]
    assert shown["form_action"] == ["'self'", "https://login.microsoftonline.com"]


def test_half_a_configuration_refuses_to_start_naming_what_is_missing():
    result = run_python(SHOW_SSO, OIDC_DISCOVERY_URL=ENTRA["OIDC_DISCOVERY_URL"], OIDC_CLIENT_ID="app-id")
    assert result.returncode != 0
    assert "ImproperlyConfigured: Single sign-on is half configured: set OIDC_CLIENT_SECRET" in result.stderr


def test_sso_only_without_single_sign_on_refuses_to_start():
    result = run_python(SHOW_SSO, SSO_ONLY="true")
    assert result.returncode != 0
    assert "SSO_ONLY is true but single sign-on is not configured" in result.stderr


def test_a_bad_match_field_or_group_mapping_is_named():
    result = run_python(SHOW_SSO, **ENTRA, OIDC_MATCH_FIELD="sub")
    assert "OIDC_MATCH_FIELD must be one of username, email" in result.stderr
    result = run_python(SHOW_SSO, **ENTRA, OIDC_GROUP_ROLES="just-a-group")
    assert "OIDC_GROUP_ROLES must be a comma-separated list of key=value pairs" in result.stderr


def test_a_group_mapped_to_a_role_that_does_not_exist_fails_the_start_up_check():
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings", **ENTRA}
    bad = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env={**env, "OIDC_GROUP_ROLES": "g1=supervisor,g2=integration,g3=boss"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode != 0
    assert "accounts.E001" in bad.stderr
    assert "'g2' to 'integration'" in bad.stderr
    assert "'g3' to 'boss'" in bad.stderr
    assert "'g1'" not in bad.stderr
