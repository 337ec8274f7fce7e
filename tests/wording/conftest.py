import pytest

from thrive.services import prompt_set_current


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process (REDIS_URL makes them real messages otherwise)."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def v1(db):
    return prompt_set_current()


def reworded(sections: list, **changes: str) -> list:
    """A copy of the sections with the harm question's hint changed."""
    import copy

    new = copy.deepcopy(sections)
    harm = next(s for s in new if s["key"] == "harm")
    harm["prompts"][0]["hint"] = changes.get(
        "hint", "Physical, psychological, financial or sexual; to everyone present."
    )
    return new
