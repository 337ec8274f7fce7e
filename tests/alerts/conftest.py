"""Rule 13's fixtures: a team with a handler and two supervisors, and a second team."""

import pytest

from tests.factories import TeamFactory, UserFactory


@pytest.fixture
def blue(db):
    return TeamFactory(name="Blue Watch")


@pytest.fixture
def red(db):
    return TeamFactory(name="Red Watch")


@pytest.fixture
def sup_a(blue):
    return UserFactory(supervisor=True, username="sup_a", full_name="Ada Supervisor", team=blue)


@pytest.fixture
def sup_b(blue):
    return UserFactory(supervisor=True, username="sup_b", full_name="Bea Supervisor", team=blue)


@pytest.fixture
def sup_red(red):
    return UserFactory(supervisor=True, username="sup_red", full_name="Rex Supervisor", team=red)


@pytest.fixture
def blue_handler(blue):
    return UserFactory(handler=True, username="blue_handler", full_name="Hal Handler", team=blue)
