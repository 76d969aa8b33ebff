"""A batch stored on a connection of the aggregator's pool never waits for asyncpg to
ask the server about a type: the connection learned them when it opened.

The real use case and TimescaleDB adapter in process, on a pool of one connection whose
queries are logged: asyncpg's question is a recursive catalog query (`typeinfo_tree`)
run just before the statement that needed it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import asyncpg
import pytest

from ioc_aggregator.outbound.database import create_pool
from ioc_testing import ScratchDatabase

from .feeding import T0, event, fetch
from .in_process import Clock, processor_for, records

pytestmark = pytest.mark.connected

ACCOUNTS = "dvc.portal-accounts"  # checked against the figure before it (counter)


async def _questions_while_storing(
    catalog_database: ScratchDatabase, open_pool: Callable[[str], Awaitable[asyncpg.Pool]]
) -> list[str]:
    """Stores two batches (new figures, then a revision and figures after them) on a
    pool of one connection; the type questions its queries included."""
    pool = await open_pool(catalog_database.dsns["writer"])
    asked: list[str] = []
    try:
        async with pool.acquire() as connection:
            connection.add_query_logger(
                lambda record: (
                    asked.append(record.query) if "typeinfo_tree" in record.query else None
                )
            )
        processor, _ = await processor_for(catalog_database, pool, Clock(T0 + timedelta(days=40)))
        first = [event(value=50.0 + d, day=d) for d in range(3)] + [
            event(value=1_000 + d, day=d, indicator=ACCOUNTS, agency="so-tttt") for d in range(3)
        ]
        second = [
            event(value=49.0, day=0),  # a revision of the first figure
            event(value=60.0, day=4),
            event(value=1_010, day=4, indicator=ACCOUNTS, agency="so-tttt"),
        ]
        offset = 0
        for batch in (first, second):
            announced = await processor.store(await processor.screen(records(batch, offset)))
            await processor.acknowledged(announced)
            offset += len(batch)
    finally:
        await pool.close()
    stored = await fetch(
        catalog_database.dsns["reader"], "SELECT count(*) AS n FROM ioc.observations"
    )
    assert stored[0]["n"] == 9
    return asked


async def test_a_batch_waits_for_no_question_about_types(
    catalog_database: ScratchDatabase,
) -> None:
    async def aggregators_pool(dsn: str) -> asyncpg.Pool:
        return await create_pool(dsn, size=1, statement_timeout_ms=10_000)

    assert await _questions_while_storing(catalog_database, aggregators_pool) == []


async def test_without_learning_them_the_same_batches_ask(
    catalog_database: ScratchDatabase,
) -> None:
    """The probe sees the questions when a connection has not learned the types."""

    async def bare_pool(dsn: str) -> asyncpg.Pool:
        return await asyncpg.create_pool(dsn, min_size=0, max_size=1)

    assert await _questions_while_storing(catalog_database, bare_pool)
