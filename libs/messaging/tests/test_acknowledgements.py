import asyncio

import pytest

from ioc_messaging.acknowledgements import acknowledgement_failures, all_acknowledged


async def test_every_failure_is_reported_and_every_delivery_awaited() -> None:
    loop = asyncio.get_running_loop()
    deliveries: list[asyncio.Future[object]] = [loop.create_future() for _ in range(3)]
    first, second = RuntimeError("leader moved"), RuntimeError("timed out")
    loop.call_soon(deliveries[0].set_exception, first)
    loop.call_soon(deliveries[1].set_result, None)
    loop.call_later(0.01, deliveries[2].set_exception, second)
    assert await acknowledgement_failures(deliveries) == [first, second]
    assert all(delivery.done() for delivery in deliveries)


async def test_a_deadline_does_not_cancel_the_clients_futures() -> None:
    delivery: asyncio.Future[object] = asyncio.get_running_loop().create_future()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.01):
            await all_acknowledged([delivery])
    assert not delivery.cancelled()
    delivery.set_result(None)
    await all_acknowledged([delivery])


async def test_the_first_failure_is_raised() -> None:
    delivery: asyncio.Future[object] = asyncio.get_running_loop().create_future()
    delivery.set_exception(ValueError("refused"))
    with pytest.raises(ValueError, match="refused"):
        await all_acknowledged([delivery])
    assert await acknowledgement_failures([]) == []
