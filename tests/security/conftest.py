from collections.abc import Iterator
from typing import Any

import pytest

from tests.security.world import World, world_fixture


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """The world of tests/security/world.py, built once per module and rolled back after it."""
    yield from world_fixture(django_db_setup, django_db_blocker)
