"""OpenAPI pieces for drf-spectacular (imported by AccountsConfig.ready)."""

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme


class StaffTokenScheme(KnoxTokenScheme):
    """`Authorization: Token <token>`, under the scheme name DRF's tokens had."""

    target_class = "accounts.tokens.StaffTokenAuthentication"
    name = "tokenAuth"
