"""Fixtures for the JSON API tests: a client per person, speaking JSON with a token."""

from __future__ import annotations

import pytest

from minqing.api.tests.helpers import ApiClient


@pytest.fixture
def api(world):
    """``api("grid_worker")`` is a client with that person's token."""
    made: dict[str, ApiClient] = {}

    def for_user(name: str) -> ApiClient:
        if name not in made:
            made[name] = ApiClient(world.users[name])
        return made[name]

    return for_user
