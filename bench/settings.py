"""Settings for the benchmark tools (`make bench`, `manage.py generate_volume`): the product's
settings with the bench app installed (for its generate_volume command), two reference pages
mounted beside the product's URLs, and the cookies a plain-HTTP load tool can carry back (in
production TLS ends at the proxy; the server's work is the same). `make bench` runs it with
production's DEBUG off and manifest static files; the product's settings never list bench."""

import os

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS, STORAGES, VAR_DIR

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
# bench/run.py collects static files into a temporary folder; a generate_volume run needs none.
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT") or str(VAR_DIR / "bench" / "static")
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# bench/cad_replay.py serves the API alone, with nothing collected: plain static names.
if os.environ.get("BENCH_STATIC_PLAIN") == "1":
    STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
