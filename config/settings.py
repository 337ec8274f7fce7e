"""Settings, read from the environment.

With nothing set, the app runs on the embedded default: SQLite in var/, Celery tasks run
in-process, texts written to the console gateway. Production sets DATABASE_URL, REDIS_URL,
SECRET_KEY, ALLOWED_HOSTS and DEBUG=false; with DEBUG off and no SECRET_KEY the app refuses
to start.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import csp.constants as csp
import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, url_origin

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


DEBUG = env_bool("DEBUG", default=not os.environ.get("SECRET_KEY"))
TESTING = "pytest" in sys.modules or env_bool("THRIVE_TESTING", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off THRIVE-SP will not start without one: "
            "set SECRET_KEY to a long random string (python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))')."
        )
    # Only the embedded demo and the tests reach this: DEBUG is on and nothing is set.
    SECRET_KEY = "insecure-embedded-demo-key-never-used-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    # API tokens (API.md "Tokens"): hashed, several per account, expiring (accounts.tokens).
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "axes",
    # Request counts and latency by view for /metrics (ops/metrics.py).
    "django_prometheus",
    # Structured logs with a request id carried into Celery tasks (config/logs.py).
    "django_structlog",
    "accounts",
    "incidents",
    "casework",
    "thrive",
    "victims",
    "qa",
    "audit",
    "idempotency",
    "emails",
    "alerts",
    "cad",
    "webhooks",
    "home",
    "ops",
]

MIDDLEWARE = [
    # First and last: times every request and counts it by view (ops/metrics.py).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their cache lifetimes; before everything else,
    # so a NUL never reaches a session, user or view look-up (config/http.py).
    "config.http.NoStoreMiddleware",
    "config.http.RefuseNulMiddleware",
    "accounts.middleware.IdleSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.LoginRequiredMiddleware",
    # A CAD integration account has no pages and no session: refused with a page that says so.
    "accounts.middleware.IntegrationSessionMiddleware",
    # Idempotency-Key on POSTs under /api/: runs the view inside the key's transaction.
    "idempotency.middleware.IdempotencyMiddleware",
    "csp.middleware.CSPMiddleware",
    # A request id (and the user's id) bound to every log line of the request, and handed
    # to the Celery tasks it publishes (config/logs.py).
    "django_structlog.middlewares.RequestMiddleware",
    # Last but one, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "home.context_processors.navigation",
            ],
        },
    },
]

# --- Storage ------------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'thrive.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded demo: several gunicorn/runserver threads share one file.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: at force scale the planner's cost estimates for ordinary page
    # queries pass jit_above_cost, and compiling costs 50-60 ms of CPU per query, several
    # times the query itself (docs/BENCHMARKS.md). The pages' queries are short; JIT is for
    # long analytical ones.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Background work ----------------------------------------------------------------------
# The broker, the worker and the beat schedule: config/background.py.
from config.background import *  # noqa: E402, F403

# --- Authentication -----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # django-axes' lockout, then a growing delay per account (accounts.throttle).
    "accounts.throttle.ThrottledAxesBackend",
    "accounts.backends.StaffBackend",
    # Single sign-on: answers only the OpenID Connect callback (accounts.sso).
    "accounts.sso.SSOBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 100)
AXES_COOLOFF_TIME = 1  # hour
# Per account AND address: a lock keyed on the account alone let anyone who knew a
# username (they are predictable) lock a handler out of a live shift. Guessing one account
# from many addresses is slowed by the per-account delay below instead.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "accounts.throttle.client_address"
AXES_USERNAME_CALLABLE = "accounts.throttle.client_username"
AXES_LOCKOUT_CALLABLE = "accounts.throttle.lockout_response"
# How many reverse proxies in front of the app append to X-Forwarded-For (0: none; the
# address is REMOTE_ADDR). Set it to the real number, or every sign-in shares the proxy's.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# accounts.throttle: after this many failures for one account in the hour (any address),
# an address that failed waits 1, 2, 4 ... seconds, at most LOGIN_DELAY_MAX_SECONDS, per try.
LOGIN_DELAY_FREE_FAILURES = env_int("LOGIN_DELAY_FREE_FAILURES", 5)
LOGIN_DELAY_MAX_SECONDS = env_int("LOGIN_DELAY_MAX_SECONDS", 60)
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
# Sessions in the database, read with one prepared statement (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"
# An idle timeout, not a fixed lifetime: accounts.middleware.IdleSessionMiddleware saves a
# signed-in session again when it is more than SESSION_TOUCH_SECONDS old, not on every page.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_SECONDS = 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Single sign-on (OpenID Connect) --------------------------------------------------------
from config.sso import *  # noqa: E402, F403
from config.sso import OIDC_DISCOVERY_URL  # noqa: E402

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
# Look files up per request in the demo and the tests (nothing is collected there), instead
# of warning "No directory at: staticfiles/" on every test client.
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# --- Email --------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "thrive-sp@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.StaffTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # JSON with a size and nesting limit (config/parsers.py); forms for the browser session.
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Every operation documents the error answers it can give (config/schema.py), and every
    # POST the Idempotency-Key header (idempotency/schema.py, a subclass).
    "DEFAULT_SCHEMA_CLASS": "idempotency.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# API tokens per role (accounts.tokens.token_lifetime): how long one may sit unused ("idle")
# and live at all ("absolute"). "default" is every role not listed. The `integration` role
# (a CAD adapter's account) is listed ahead of its arrival, so adding it needs no change here.
API_TOKEN_LIFETIMES: dict[str, dict[str, timedelta]] = {
    "default": {"idle": timedelta(hours=12), "absolute": timedelta(days=7)},
    "integration": {"idle": timedelta(days=90), "absolute": timedelta(days=90)},
}
# The only API paths an `integration` account's token opens (accounts.tokens): the CAD's
# routes and revoking its own token. Anything else is a 403.
INTEGRATION_API_PATHS = ("/api/cad/", "/api/auth/token/")
# How long a request waits for another holding the same Idempotency-Key before a 409.
IDEMPOTENCY_WAIT_SECONDS = env_int("IDEMPOTENCY_WAIT_SECONDS", 20)
REST_KNOX = {
    # Renew a token's expiry on use: that is what makes `expiry` the idle limit. The
    # lengths come from API_TOKEN_LIFETIMES, not knox's own TOKEN_TTL.
    "AUTO_REFRESH": True,
    "MIN_REFRESH_INTERVAL": 60,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "THRIVE-SP API",
    "DESCRIPTION": "Incident logs, THRIVE-SP assessments, victims, texts and QA figures.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Served by the app itself: this network reaches no CDN, and nor should a control room.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for a choice set several fields share (else drf_spectacular.W001 fails
    # `check --deploy`). A new shared choice set gets its line here.
    "ENUM_NAME_OVERRIDES": {
        "YesNoNotKnownEnum": ["yes", "no", "not_known"],
        "GradeEnum": "qa.models.Grade",
        "VictimsCodeAnswerEnum": ["yes", "no"],
        "WebhookEventTypeEnum": "webhooks.rules.EVENT_TYPES",
    },
}

# --- Security -----------------------------------------------------------------------------
# No inline script anywhere (htmx is configured by a meta tag with its indicator styles off;
# govuk-frontend's "JS supported" class is set from a file). Inline style attributes are
# allowed for the Django admin's sake; they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF, csp.UNSAFE_INLINE],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
        "base-uri": [csp.SELF],
        "object-src": [csp.NONE],
    }
}
if OIDC_DISCOVERY_URL:
    # Signing out sends the browser on to the provider's end-session page: a form's redirect
    # that form-action must allow (on the discovery document's host, as Entra ID's is).
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(url_origin(OIDC_DISCOVERY_URL))

# --- Security (production) ----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- The product's own settings -----------------------------------------------------------
# Rule 5: a re-THRIVE falls due this long after the last submitted assessment, per grading.
RETHRIVE_DEFAULT_MINUTES = env_int("RETHRIVE_MINUTES", 210)
RETHRIVE_MINUTES_BY_GRADING: dict[str, int] = {
    "immediate": env_int("RETHRIVE_MINUTES_IMMEDIATE", RETHRIVE_DEFAULT_MINUTES),
    "priority": env_int("RETHRIVE_MINUTES_PRIORITY", RETHRIVE_DEFAULT_MINUTES),
    "scheduled": env_int("RETHRIVE_MINUTES_SCHEDULED", RETHRIVE_DEFAULT_MINUTES),
    "resolution_without_deployment": env_int("RETHRIVE_MINUTES_RWD", RETHRIVE_DEFAULT_MINUTES),
}
# Which model the force uses (a prompt set family): THRIVE-SP unless the force chose another.
PROMPT_SET_FAMILY = os.environ.get("PROMPT_SET_FAMILY", "thrive_sp")
# Rule 6: how far back the repeat-victim check looks.
REPEAT_VICTIM_LOOKBACK_DAYS = env_int("REPEAT_VICTIM_LOOKBACK_DAYS", 365)
# Issue 19: an assessment that follows a response dispatched before it is due this long after.
ASSESSMENT_AFTER_DISPATCH_MINUTES = env_int("ASSESSMENT_AFTER_DISPATCH_MINUTES", 30)
# The longest answer a handler may type into one field (stated on the form).
ASSESSMENT_TEXT_MAX_LENGTH = env_int("ASSESSMENT_TEXT_MAX_LENGTH", 5000)
# An identical submission (same author, incident, answers, resend reason and client time)
# within this many seconds of the first is the same request arriving twice: answered with
# the version already made, never a second version or a second text. 0 turns it off.
ASSESSMENT_REPEAT_WINDOW_SECONDS = env_int("ASSESSMENT_REPEAT_WINDOW_SECONDS", 10)

# Rule 13 (alerts/): a submitted assessment at one of these risk levels alerts the supervisors
# on watch at once, as does a re-THRIVE overdue this many minutes; an alert nobody has
# acknowledged after ALERT_ESCALATE_MINUTES goes to every supervisor on watch. The home page
# asks for new alerts every ALERT_POLL_SECONDS. A watch nobody ended lapses after WATCH_MAX_HOURS.
ALERT_RISK_LEVELS = frozenset(env_list("ALERT_RISK_LEVELS", ["high"]))
ALERT_OVERDUE_MINUTES = env_int("ALERT_OVERDUE_MINUTES", 60)
ALERT_ESCALATE_MINUTES = env_int("ALERT_ESCALATE_MINUTES", 10)
ALERT_POLL_SECONDS = env_int("ALERT_POLL_SECONDS", 5)
WATCH_MAX_HOURS = env_int("WATCH_MAX_HOURS", 12)

# The text gateway: "console" (embedded default) or "notify" (GOV.UK Notify).
TEXT_GATEWAY = os.environ.get("TEXT_GATEWAY", "console")
NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY", "")
NOTIFY_TEMPLATE_ID = os.environ.get("NOTIFY_TEMPLATE_ID", "")
NOTIFY_BASE_URL = os.environ.get("NOTIFY_BASE_URL", "")
NOTIFY_CALLBACK_TOKEN = os.environ.get("NOTIFY_CALLBACK_TOKEN", "")
TEXT_RATE_LIMIT_PER_MINUTE = env_int("TEXT_RATE_LIMIT_PER_MINUTE", 3000)
FORCE_ADVICE_BASE_URL = os.environ.get("FORCE_ADVICE_BASE_URL", "https://www.example-police.uk/advice")

if TEXT_GATEWAY not in {"console", "notify"}:
    raise ImproperlyConfigured(f"TEXT_GATEWAY must be 'console' or 'notify', not {TEXT_GATEWAY!r}.")

# --- Logs and operations ------------------------------------------------------------------
from config.operations import *  # noqa: E402, F403
from config.operations import LOGGING  # noqa: E402

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    LOGGING["root"]["level"] = "WARNING"
