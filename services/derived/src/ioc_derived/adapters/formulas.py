"""The catalog's formulas in force, re-read at most every `refresh_seconds`.

An operator's catalog change reaches the service within that bound; a failed re-read
keeps the formulas last read (the batch is not held up by a catalog read).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import asyncpg

from ioc_catalog.derivation import DerivedIndicator
from ioc_derived.adapters.figures import read_formulas

_log = logging.getLogger(__name__)


class FormulaCache:
    def __init__(self, pool: asyncpg.Pool, *, refresh_seconds: float) -> None:
        self._pool = pool
        self._refresh_seconds = refresh_seconds
        self._formulas: tuple[DerivedIndicator, ...] | None = None
        self._read_at = 0.0

    async def current(self) -> Sequence[DerivedIndicator]:
        stale = time.monotonic() - self._read_at > self._refresh_seconds
        if self._formulas is None or stale:
            try:
                async with self._pool.acquire() as connection:
                    self._formulas = await read_formulas(connection)
                self._read_at = time.monotonic()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                if self._formulas is None:
                    raise
                _log.warning("could not re-read the formulas: %s", error)
        return self._formulas
