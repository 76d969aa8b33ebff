from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from ioc_testing import ScratchDatabase


@pytest.fixture
async def writer(catalog_database: ScratchDatabase) -> AsyncIterator[asyncpg.Pool]:
    """A pool of the aggregator's own role on the scratch database."""
    pool = await asyncpg.create_pool(catalog_database.dsns["writer"], min_size=1, max_size=2)
    yield pool
    await pool.close()
