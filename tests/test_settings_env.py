"""Settings come from the environment (issue 2). Each case starts a fresh Python with a
controlled environment: pytest is not loaded there, so settings.TESTING is False unless
THRIVE_TESTING says otherwise, exactly as under `make run` or gunicorn."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent

SHOW_SETTINGS = """
import json
import django
django.setup()
from django.conf import settings as s
db = s.DATABASES["default"]
print(json.dumps({
    "DEBUG": s.DEBUG,
    "TESTING": s.TESTING,
    "ENGINE": db["ENGINE"],
    "NAME": str(db["NAME"]),
    "HOST": db.get("HOST", ""),
    "PORT": str(db.get("PORT", "")),
    "USER": db.get("USER", ""),
    "CELERY_TASK_ALWAYS_EAGER": s.CELERY_TASK_ALWAYS_EAGER,
    "CELERY_BROKER_URL": s.CELERY_BROKER_URL,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "TEXT_GATEWAY": s.TEXT_GATEWAY,
    "SECRET_KEY": s.SECRET_KEY,
    "SESSION_COOKIE_SECURE": getattr(s, "SESSION_COOKIE_SECURE", False),
    "CSRF_COOKIE_SECURE": getattr(s, "CSRF_COOKIE_SECURE", False),
    "SECURE_HSTS_SECONDS": getattr(s, "SECURE_HSTS_SECONDS", 0),
    "PASSWORD_HASHERS": s.PASSWORD_HASHERS,
}))
"""

PRODUCTION_SECRET = "k3y-" + "x7Qp9vR2sT8wY4zA6bC1dE5fG0hJ3kL7mN9pQ2rS4tV6wX8yZ"


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -c code` in the project with only the given variables set (plus PATH/HOME)."""
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=60
    )


def settings_under(**env: str) -> dict:
    result = run_python(SHOW_SETTINGS, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_nothing_set_the_demo_runs_on_sqlite_in_var_with_tasks_in_process():
    s = settings_under()
    assert s["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(s["NAME"]) == BASE_DIR / "var" / "thrive.sqlite3"
    assert s["CELERY_TASK_ALWAYS_EAGER"] is True
    assert s["CELERY_BROKER_URL"] == "memory://"
    assert s["DEBUG"] is True
    assert s["TEXT_GATEWAY"] == "console"
    assert s["TESTING"] is False
    # The fast test hasher is for the tests only, never the demo.
    assert "MD5" not in s["PASSWORD_HASHERS"][0]


def test_thrive_testing_switches_on_the_test_settings():
    s = settings_under(THRIVE_TESTING="true")
    assert s["TESTING"] is True
    assert s["PASSWORD_HASHERS"] == ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_database_url_is_honoured():
    s = settings_under(DATABASE_URL="postgres://thrive:pw@db.example:6543/thrive_prod")
    assert s["ENGINE"] == "django.db.backends.postgresql"
    assert (s["NAME"], s["HOST"], s["PORT"], s["USER"]) == ("thrive_prod", "db.example", "6543", "thrive")


def test_redis_url_sends_tasks_to_the_broker_instead_of_running_them_in_process():
    s = settings_under(REDIS_URL="redis://cache.example:6379/3")
    assert s["CELERY_BROKER_URL"] == "redis://cache.example:6379/3"
    assert s["CELERY_TASK_ALWAYS_EAGER"] is False


def test_allowed_hosts_is_a_comma_separated_list():
    s = settings_under(ALLOWED_HOSTS="thrive.example-police.uk, cad.example-police.uk")
    assert s["ALLOWED_HOSTS"] == ["thrive.example-police.uk", "cad.example-police.uk"]


def test_text_gateway_is_honoured():
    assert settings_under(TEXT_GATEWAY="notify")["TEXT_GATEWAY"] == "notify"


def test_production_settings_take_the_secret_key_and_turn_on_the_security_settings():
    s = settings_under(DEBUG="false", SECRET_KEY=PRODUCTION_SECRET, ALLOWED_HOSTS="thrive.example-police.uk")
    assert s["DEBUG"] is False
    assert s["SECRET_KEY"] == PRODUCTION_SECRET
    assert s["SESSION_COOKIE_SECURE"] is True
    assert s["CSRF_COOKIE_SECURE"] is True
    assert s["SECURE_HSTS_SECONDS"] >= 31536000


def test_a_secret_key_alone_means_debug_is_off():
    assert settings_under(SECRET_KEY=PRODUCTION_SECRET)["DEBUG"] is False


def test_debug_off_without_a_secret_key_refuses_to_start_naming_secret_key():
    result = run_python(SHOW_SETTINGS, DEBUG="false")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is not set" in result.stderr


def test_manage_py_refuses_to_start_with_debug_off_and_no_secret_key():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), "DEBUG": "0"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("value", ["maybe", "2", "enabled"])
def test_a_bad_debug_value_is_a_clear_configuration_error(value):
    result = run_python(SHOW_SETTINGS, DEBUG=value, SECRET_KEY=PRODUCTION_SECRET)
    assert result.returncode != 0
    assert "ImproperlyConfigured: DEBUG must be true or false" in result.stderr
    assert repr(value) in result.stderr


def test_a_bad_text_gateway_is_a_clear_configuration_error():
    result = run_python(SHOW_SETTINGS, TEXT_GATEWAY="carrier-pigeon")
    assert result.returncode != 0
    assert "ImproperlyConfigured: TEXT_GATEWAY must be 'console' or 'notify'" in result.stderr
    assert "carrier-pigeon" in result.stderr


def test_a_bad_whole_number_setting_is_a_clear_configuration_error():
    result = run_python(SHOW_SETTINGS, RETHRIVE_MINUTES="three and a half hours")
    assert result.returncode != 0
    assert "ImproperlyConfigured: RETHRIVE_MINUTES must be a whole number" in result.stderr


def test_the_apps_postgresql_sessions_compile_no_jit(db):
    """At force scale page queries pass PostgreSQL's JIT threshold, and compiling costs more
    than the query (docs/BENCHMARKS.md): every connection the app opens has JIT off."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_the_background_settings_reach_django_settings_unchanged():
    """config/background.py holds the Celery block; every name in it is a Django setting."""
    from django.conf import settings

    from config import background

    names = [name for name in vars(background) if name.isupper()]
    assert "CELERY_BEAT_SCHEDULE" in names
    assert "CELERY_BROKER_URL" in names
    for name in names:
        assert getattr(settings, name) == getattr(background, name), name
