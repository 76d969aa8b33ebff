"""Fixtures of the dashboard tests: a scratch database that tells the demo story."""

from __future__ import annotations

import pytest

from ioc_testing import ScratchDatabase

from .demo_story import load_demo


@pytest.fixture
async def demo_database(catalog_database: ScratchDatabase) -> ScratchDatabase:
    await load_demo(catalog_database)
    return catalog_database
