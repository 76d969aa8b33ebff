"""Fixtures of the storage tests: a database of the test's own with the shipped schema."""

from __future__ import annotations

import asyncpg
import pytest

from ioc_storage.migrate import apply_migrations, shipped_migrations
from ioc_testing import ScratchDatabase


@pytest.fixture
async def migrated_database(scratch_database: ScratchDatabase) -> ScratchDatabase:
    """The test's own database with every shipped migration applied (no catalog)."""
    connection = await asyncpg.connect(scratch_database.dsns["migrator"])
    try:
        await apply_migrations(connection, shipped_migrations())
    finally:
        await connection.close()
    return scratch_database
