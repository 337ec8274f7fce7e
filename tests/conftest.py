"""Shared fixtures. The database is the real PostgreSQL (make test sets DATABASE_URL)."""

import importlib

import pytest
from django.test import Client

from tests.factories import UserFactory

# The data the migrations ship (opening and closure codes, the THRIVE-SP wording, the
# prevention advice), in dependency order: (migration module, its forwards function).
# Each runs only when its table was empty before any of them ran (the crime flags follow the
# categories they flag).
MIGRATION_DATA = [
    ("incidents.migrations.0002_categories_and_closure_codes", "create", "incidents.Category"),
    ("incidents.migrations.0009_category_crime_and_victims_code_entry", "flag_crimes", "incidents.Category"),
    ("incidents.migrations.0012_seed_gradings_and_exemptions", "seed", "incidents.ResponseGrading"),
    ("thrive.migrations.0002_default_prompt_sets", "create", "thrive.PromptSet"),
    ("victims.migrations.0002_default_prevention_advice", "seed", "victims.PreventionAdvice"),
    ("qa.migrations.0003_grade_scale", "create", "qa.GradeLevel"),
]


def _uses_database(request: pytest.FixtureRequest) -> bool:
    names = set(request.fixturenames)
    return bool(names & {"db", "transactional_db"}) or request.node.get_closest_marker("django_db") is not None


@pytest.fixture(autouse=True)
def _migrations_data(request: pytest.FixtureRequest) -> None:
    """Every test starts with the data the migrations ship.

    A transactional test (a real Celery worker, a live server for the browser) ends with a
    flush that empties every table, the migrations' own rows included; a plain test that
    runs after it would find no wording and no opening codes. Put them back first.
    """
    if not _uses_database(request):
        return
    request.getfixturevalue("django_db_setup")
    blocker = request.getfixturevalue("django_db_blocker")
    from django.apps import apps
    from django.db import connection

    from incidents.gradings import grading_table_forget
    from incidents.models import Category, ResponseGrading
    from qa.models import GradeLevel
    from thrive.models import PromptSet

    # The gradings snapshot of an earlier test may hold rows its rollback took away.
    grading_table_forget()
    with blocker.unblock():
        if (
            Category.objects.exists()
            and PromptSet.objects.exists()
            and ResponseGrading.objects.exists()
            and GradeLevel.objects.exists()
        ):
            return
        empty = {model for _, _, model in MIGRATION_DATA if not apps.get_model(model).objects.exists()}
        with connection.schema_editor() as editor:
            for module, function, model in MIGRATION_DATA:
                if model in empty:
                    getattr(importlib.import_module(module), function)(apps, editor)


@pytest.fixture
def handler(db):
    return UserFactory(handler=True, username="handler")


@pytest.fixture
def supervisor(db):
    return UserFactory(supervisor=True, username="supervisor")


@pytest.fixture
def trainer(db):
    return UserFactory(trainer=True, username="trainer")


@pytest.fixture
def analyst(db):
    return UserFactory(analyst=True, username="analyst")


@pytest.fixture
def admin_user(db):
    return UserFactory(admin=True, username="administrator")


def _client_for(user) -> Client:
    # force_login: the login page itself (with its throttling) is tested through real POSTs.
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def handler_client(handler):
    return _client_for(handler)


@pytest.fixture
def supervisor_client(supervisor):
    return _client_for(supervisor)


@pytest.fixture
def trainer_client(trainer):
    return _client_for(trainer)


@pytest.fixture
def analyst_client(analyst):
    return _client_for(analyst)


@pytest.fixture
def client_for():
    return _client_for


@pytest.fixture
def api_client_for(db):
    """A DRF client authenticated with the user's API token (API.md)."""
    from rest_framework.test import APIClient

    from tests.factories import api_token

    def make(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
        return client

    return make


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse a transactional test without serialized_rollback.

    Its closing flush would re-run post_migrate (the role groups, the permissions), and the
    next serialized_rollback test would then fail to put its own copy back on top of them
    (a duplicate group name), depending only on the order the tests happen to run in.
    """
    offenders = []
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None and marker.kwargs.get("serialized_rollback"):
            continue
        transactional = "transactional_db" in getattr(item, "fixturenames", ()) or (
            marker is not None and marker.kwargs.get("transaction")
        )
        if transactional:
            offenders.append(item.nodeid)
    if offenders:
        raise pytest.UsageError(
            "Transactional tests must use @pytest.mark.django_db(transaction=True, serialized_rollback=True): "
            + ", ".join(offenders)
        )
