"""What the pathways tests share: an enterprise-scale world with two years of stored results."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.factories import Login, World, commit
from tests.pathways.test_decomposition import GLASS, STEEL, activity_csv, glass, steel


@pytest.fixture
def seeded(client: TestClient, login: Login, world: World) -> World:
    """Steel: 2023 and 2024 annual (more output, less coke per tonne, more power); glass: 2023 and 2024."""
    commit(client, login("steel"), world.org("steel"), activity_csv(STEEL, [
        *steel("2023", 12000, 60000), *steel("2024", 11500, 66000, power=200)]))
    commit(client, login("glass"), world.org("glass"), activity_csv(GLASS, [*glass("2023", 600, 480000),
                                                                            *glass("2024", 560, 470000)]))
    return world
