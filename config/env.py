"""Reading settings from the environment: a missing or blank variable takes the default; a
value that is not what the setting needs stops the app with the variable's name, rather
than starting with a guess."""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from exc


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {raw!r}.")
    return value


def env_pairs(name: str) -> list[tuple[str, str]]:
    """`key=value,key=value` as pairs, in the order given (the first pair that applies wins
    where the caller says so). A key may itself hold `=`: the value is after the last one."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return []
    pairs = []
    for item in raw.split(","):
        if not item.strip():
            continue
        key, sep, value = item.rpartition("=")
        if not sep or not key.strip() or not value.strip():
            raise ImproperlyConfigured(f"{name} must be a comma-separated list of key=value pairs; {item!r} is not.")
        pairs.append((key.strip(), value.strip()))
    return pairs


def url_origin(url: str) -> str:
    """`https://host:port` of an address (for a Content-Security-Policy source)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def sso_config_problem(discovery_url: str, client_id: str, client_secret: str, *, sso_only: bool) -> str | None:
    """Why the single sign-on settings cannot start (settings raises ImproperlyConfigured), or
    None: the three are set together or not at all, and SSO_ONLY needs them set."""
    given = {"OIDC_DISCOVERY_URL": discovery_url, "OIDC_CLIENT_ID": client_id, "OIDC_CLIENT_SECRET": client_secret}
    if any(given.values()) and not all(given.values()):
        missing = ", ".join(name for name, value in given.items() if not value)
        return f"Single sign-on is half configured: set {missing} as well (or none of the three)."
    if sso_only and not discovery_url:
        return (
            "SSO_ONLY is true but single sign-on is not configured: set OIDC_DISCOVERY_URL, OIDC_CLIENT_ID "
            "and OIDC_CLIENT_SECRET."
        )
    return None
