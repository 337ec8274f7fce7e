"""Settings for single sign-on over OpenID Connect (accounts/sso.py) and password sign-in
under SSO_ONLY, read by config/settings.py; docs/DEPLOYMENT.md "Single sign-on" has an Entra ID
example."""

import os

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int, env_list, env_pairs

# accounts/sso.py; docs/DEPLOYMENT.md "Single sign-on" has an Entra ID example. On when the
# discovery address, the client id and the secret are all set; the endpoints are read from the
# discovery document when first needed (and kept for OIDC_DISCOVERY_CACHE_SECONDS).
OIDC_DISCOVERY_URL = os.environ.get("OIDC_DISCOVERY_URL", "").strip()
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "").strip()
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "").strip()
_oidc_given = {
    "OIDC_DISCOVERY_URL": OIDC_DISCOVERY_URL,
    "OIDC_CLIENT_ID": OIDC_RP_CLIENT_ID,
    "OIDC_CLIENT_SECRET": OIDC_RP_CLIENT_SECRET,
}
if any(_oidc_given.values()) and not all(_oidc_given.values()):
    _missing = ", ".join(name for name, value in _oidc_given.items() if not value)
    raise ImproperlyConfigured(f"Single sign-on is half configured: set {_missing} as well (or none of the three).")
# The claim that names the person, and the staff record's field it is compared with (case
# ignored): `username` or `email`. Staff are never created by signing in.
OIDC_USERNAME_CLAIM = os.environ.get("OIDC_USERNAME_CLAIM", "").strip() or "preferred_username"
OIDC_MATCH_FIELD = env_choice("OIDC_MATCH_FIELD", "username", ("username", "email"))
# Roles from the provider's groups instead of the staff record: `group=role,group=role` (role
# codes: call_handler, supervisor, trainer, analyst, admin). The first pair whose group the
# person carries wins, so list the most senior first. Set, it is the whole truth: a person in
# none of the groups is refused.
OIDC_GROUPS_CLAIM = os.environ.get("OIDC_GROUPS_CLAIM", "").strip() or "groups"
OIDC_GROUP_ROLES = env_pairs("OIDC_GROUP_ROLES")
OIDC_RP_SCOPES = os.environ.get("OIDC_SCOPES", "").strip() or "openid email profile"
OIDC_DISCOVERY_CACHE_SECONDS = env_int("OIDC_DISCOVERY_CACHE_SECONDS", 3600)
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT_SECONDS", 10)
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True  # the hint that ends the provider's session at sign-out
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:sso_callback"
# Password sign-in off for everyone but the named break-glass accounts (and, at the API,
# integration accounts): accounts.backends.password_sign_in_allowed.
SSO_ONLY = env_bool("SSO_ONLY", False)
BREAK_GLASS_USERNAMES = env_list("BREAK_GLASS_USERNAMES", [])
if SSO_ONLY and not OIDC_DISCOVERY_URL:
    raise ImproperlyConfigured(
        "SSO_ONLY is true but single sign-on is not configured: set OIDC_DISCOVERY_URL, OIDC_CLIENT_ID "
        "and OIDC_CLIENT_SECRET."
    )
