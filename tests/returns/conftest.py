import pytest

from tests.factories import TeamFactory, UserFactory, make_incident


@pytest.fixture
def other_supervisor(db):
    return UserFactory(supervisor=True, username="red_supervisor", team=TeamFactory(name="Red Watch"))


@pytest.fixture
def assessed(handler):
    """An open incident of the supervisor's team (Blue Watch) with one submitted version."""
    return make_incident(handler=handler, assessed=True)


@pytest.fixture
def latest(assessed):
    return assessed.assessments.get(version=1)
