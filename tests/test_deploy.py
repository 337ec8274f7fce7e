"""Production: `check --deploy` is clean, the static files collect and serve, and the
docker-compose.yml runs what it says (issue 2)."""

import importlib
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from django.core.management import get_commands

BASE_DIR = Path(__file__).resolve().parent.parent
COMPOSE_FILE = BASE_DIR / "docker-compose.yml"

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DEBUG": "false",
    "SECRET_KEY": "aV3-nL8qZ1xR6tY0wE4uI9oP2sD7fG5hJ3kL1zX8cV6bN4mQ0wE2rT7yU9iO5pA",
    "ALLOWED_HOSTS": "thrive.example-police.uk",
    "DATABASE_URL": "postgres://thrive:secret@127.0.0.1:5432/thrive",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def run_production(args: list[str], **extra: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env={**env, **PRODUCTION_ENV, **extra},
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = run_production(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_static_files_collect_and_the_login_page_renders_with_them(tmp_path):
    """The manifest storage fails at render time on a missing or unhashed file: collect the
    files as the Dockerfile does, then render the login page with DEBUG off."""
    script = f"""
import django
django.setup()
from django.conf import settings
settings.STATIC_ROOT = {str(tmp_path / "static")!r}
from django.core.management import call_command
call_command("collectstatic", "--noinput", "-v0")
from django.test import Client
response = Client().get("/login/", secure=True, HTTP_HOST="thrive.example-police.uk")
assert response.status_code == 200, response.status_code
html = response.content.decode()
assert "Sign in to THRIVE-SP" in html
import re
print("CSS", *re.findall(r'href="(/static/[^"]+\\.css)"', html))
"""
    result = run_production(["-c", script])
    assert result.returncode == 0, result.stdout + result.stderr
    # The stylesheet link carries the manifest's content hash (app.<hash>.css).
    assert re.search(r"/static/build/app\.[0-9a-f]{12}\.css", result.stdout), result.stdout


# --- docker-compose.yml ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def command_words(service: dict) -> list[str]:
    command = service["command"]
    words = shlex.split(command) if isinstance(command, str) else list(command)
    if words[:2] == ["sh", "-c"]:
        words = shlex.split(words[2])
    return words


def test_compose_has_web_worker_beat_postgres_and_redis_each_with_a_healthcheck(compose):
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    for name in ("web", "worker", "beat", "db", "redis"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    assert re.fullmatch(r"postgres:1[56](\..*)?(-.*)?", services["db"]["image"])
    assert services["redis"]["image"].startswith("redis:")


def test_compose_keeps_the_database_and_redis_on_named_volumes(compose):
    volumes = compose["volumes"]
    db_mounts = compose["services"]["db"]["volumes"]
    assert any(m.split(":")[0] in volumes and m.split(":")[1] == "/var/lib/postgresql/data" for m in db_mounts)
    assert any(m.split(":")[0] in volumes for m in compose["services"]["redis"]["volumes"])


def test_compose_app_services_run_gunicorn_and_celery_against_postgres_and_redis(compose):
    services = compose["services"]
    web = " ".join(command_words(services["web"]))
    assert "gunicorn config.wsgi:application" in web
    assert command_words(services["worker"])[:4] == ["celery", "-A", "config", "worker"]
    assert command_words(services["beat"])[:4] == ["celery", "-A", "config", "beat"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DEBUG"] == "false"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert "@db:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379/")
        # No default secret: compose refuses to start without one (${VAR:?message}).
        assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["web"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"


def _modules_named_by(words: list[str]) -> list[tuple[str, str]]:
    """(kind, name) for every Python module, app or manage.py command in a command line."""
    named = []
    for index, word in enumerate(words):
        if word == "gunicorn" or (word.startswith("gunicorn") and index == 0):
            target = next(w for w in words[index + 1 :] if not w.startswith("-"))
            named.append(("wsgi", target))
        if word == "celery" and index + 2 < len(words) and words[index + 1] in {"-A", "--app"}:
            named.append(("celery", words[index + 2]))
        if word == "manage.py":
            named.append(("manage", words[index + 1]))
    return named


# Importing config.wsgi loads whitenoise, which notes that nothing was collected here.
@pytest.mark.filterwarnings("ignore:No directory at")
def test_every_module_a_compose_command_names_is_importable(compose):
    named = []
    for service in compose["services"].values():
        if "command" in service:
            words = " ".join(command_words(service)).replace("&&", " ").split()
            named += _modules_named_by(words)
    kinds = {kind for kind, _ in named}
    assert {"wsgi", "celery", "manage"} <= kinds, named
    commands = get_commands()
    for kind, name in named:
        if kind == "wsgi":
            module, _, attribute = name.partition(":")
            assert callable(getattr(importlib.import_module(module), attribute or "application"))
        elif kind == "celery":
            assert isinstance(find_app(name), Celery), name
        else:
            assert name in commands, f"manage.py {name} is not a command"


def test_the_healthcheck_of_the_web_service_asks_the_readiness_endpoint(compose):
    """Issue 17: compose asks /health/ready (database, Redis, a worker, migrations), as a
    load balancer does, and the path it asks is one the app serves."""
    from django.urls import resolve

    test = " ".join(compose["services"]["web"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/health/ready" in test
    assert resolve("/health/ready").url_name == "health-ready"
    assert resolve("/health/live").url_name == "health-live"
    assert "127.0.0.1" in compose["services"]["web"]["environment"]["ALLOWED_HOSTS"]


def test_migrations_run_once_before_web_worker_and_beat(compose):
    """Several web nodes must not race to migrate; the worker and beat start on a migrated
    database (they no longer wait for web, whose readiness wants a worker)."""
    services = compose["services"]
    assert command_words(services["migrate"])[-3:] == ["manage.py", "migrate", "--noinput"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "web" not in services[name]["depends_on"]
        assert "migrate" not in " ".join(command_words(services[name]))


def test_web_collects_every_gunicorn_workers_metrics(compose):
    web = compose["services"]["web"]
    directory = web["environment"]["PROMETHEUS_MULTIPROC_DIR"]
    assert f"mkdir -p {directory}" in web["command"]
    assert "METRICS_TOKEN" in web["environment"]


def test_compose_carries_a_scheduled_postgres_dump_on_its_own_volume(compose):
    backup = compose["services"]["backup"]
    assert backup["image"] == compose["services"]["db"]["image"]  # pg_dump of the server's version
    script = " ".join(backup["command"])
    assert "pg_dump --format=custom" in script
    assert "sleep $$BACKUP_INTERVAL_SECONDS" in script
    assert "-mtime +$$BACKUP_KEEP_DAYS -delete" in script
    assert backup["environment"]["PGHOST"] == "db"
    assert backup["environment"]["PGPASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert any(m.split(":")[0] == "backups" and m.split(":")[1] == "/backups" for m in backup["volumes"])
    assert "backups" in compose["volumes"]
    assert "find /backups" in " ".join(backup["healthcheck"]["test"])
    assert backup["depends_on"]["db"]["condition"] == "service_healthy"


def test_the_dockerfile_builds_assets_collects_static_and_runs_as_a_non_root_user():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert "pip install -r requirements.txt" in dockerfile
    assert "bin/build-assets" in dockerfile
    assert "collectstatic" in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, flags=re.MULTILINE)
    assert users
    assert users[-1] not in {"root", "0"}
    # Everything COPY takes from the build context exists.
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, flags=re.MULTILINE):
        for path in source.split():
            assert (BASE_DIR / path).exists(), f"Dockerfile copies {path}, which does not exist"


def test_docker_compose_validates_the_file_when_the_tool_is_installed(tmp_path):
    binary = next((p for p in ("/usr/bin/docker-compose", "/usr/local/bin/docker-compose") if Path(p).exists()), None)
    if binary is None:
        pytest.skip("docker-compose is not installed; the YAML checks above still ran")
    result = subprocess.run(
        [binary, "-f", str(COMPOSE_FILE), "config", "-q"],
        env={**os.environ, "SECRET_KEY": "x" * 50, "POSTGRES_PASSWORD": "pw"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
