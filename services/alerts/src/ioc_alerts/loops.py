"""Background loops that must survive outages: each pass is retried, never fatal."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def every(name: str, seconds: float, work: Callable[[], Awaitable[object]]) -> None:
    """Runs `work` every `seconds`; a failed pass is logged and the next one still comes."""
    delay = seconds
    while True:
        try:
            await work()
            delay = seconds
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background pass failed", extra={"loop": name})
            # Back off while the database or broker is away, up to a minute.
            delay = min(max(delay * 2, seconds), 60.0)
        await asyncio.sleep(delay)
