import pytest


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process (REDIS_URL makes them real messages otherwise)."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before
