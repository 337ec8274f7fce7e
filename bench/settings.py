"""Settings for `make bench` only: production settings (DEBUG off, manifest static files) with
two reference pages mounted beside the product's URLs, and the cookies a plain-HTTP load
tool can carry back (in production TLS ends at the proxy; the server's work is the same)."""

import os

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
