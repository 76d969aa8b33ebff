"""A service frozen with SIGSTOP and thawed with SIGCONT: the aggregator for longer
than its Kafka session timeout (its group evicts it), ingest for longer than the
agencies' HTTP timeout (their requests end without an answer)."""

from __future__ import annotations

import asyncio
import signal
import time
from typing import TYPE_CHECKING

import pytest

from ioc_testing.ledger import HttpPost
from ioc_testing.pipeline import ServiceProcess

if TYPE_CHECKING:
    from .conftest import Conclude
    from .streaming import StreamStarter

pytestmark = pytest.mark.connected

SESSION_TIMEOUT_SECONDS = 10  # aiokafka's default, which FastStream keeps
AGGREGATOR_FROZEN_SECONDS = 13.0
INGEST_FROZEN_SECONDS = 10.0  # longer than the 8 s timeout of the agencies' client


async def freeze(service: ServiceProcess, seconds: float) -> float:
    """SIGSTOP, a stretch of `seconds` (the fault itself), SIGCONT; when it thawed."""
    assert service.process is not None
    service.process.send_signal(signal.SIGSTOP)
    try:
        await asyncio.sleep(seconds)
    finally:
        service.process.send_signal(signal.SIGCONT)
    return time.monotonic()


async def test_aggregator_frozen_past_its_session_timeout(
    aggregator_process: ServiceProcess,
    start_stream: StreamStarter,
    conclude: Conclude,
) -> None:
    stream = await start_stream(9000, pause=0.1)
    await stream.stored_at_least(500)
    fault_ended = await freeze(aggregator_process, AGGREGATOR_FROZEN_SECONDS)
    await stream.finish()

    def evicted() -> bool:
        log = aggregator_process.log_path.read_text(errors="replace")
        return "re-joining group" in log or "offset commit refused" in log

    await conclude(
        aggregator_process,
        fault_ended=fault_ended,
        note=lambda: (
            "evicted from its group and rejoined"
            if evicted()
            else "not evicted (the freeze was shorter than the session)"
        ),
        fault="SIGSTOP aggregator",
        description=f"the aggregator is frozen (SIGSTOP) mid-stream for "
        f"{AGGREGATOR_FROZEN_SECONDS:g} s, past its {SESSION_TIMEOUT_SECONDS} s Kafka "
        "session timeout, so the group evicts it; then SIGCONT: its pending offset commit "
        "is refused, it rejoins and reads the batch again",
    )
    assert evicted(), "the group never evicted the frozen aggregator"


async def test_ingest_frozen_past_the_clients_timeout(
    aggregator_process: ServiceProcess,
    fault_ingest: ServiceProcess,
    start_stream: StreamStarter,
    http_post: HttpPost,
    conclude: Conclude,
) -> None:
    stream = await start_stream(6000, chunk=50, pause=0.05, post=http_post, http_every=1)
    await stream.stored_at_least(300)
    fault_ended = await freeze(fault_ingest, INGEST_FROZEN_SECONDS)
    await stream.finish()
    reconciliation = await conclude(
        aggregator_process,
        fault_ended=fault_ended,
        fault="SIGSTOP ingest",
        description=f"ingest is frozen (SIGSTOP) for {INGEST_FROZEN_SECONDS:g} s while "
        "every batch goes through HTTP; the agency's request times out (indeterminate), "
        "then SIGCONT: ingest finishes the request nobody waits for any more",
    )
    assert reconciliation.indeterminate > 0, "no request went unanswered during the freeze"
