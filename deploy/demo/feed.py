"""The demo feed: the agencies of Bình Dương sending their 2023 figures to ingest.

Runs on the same simulated clock as the alert service (`--start`, `--speed`): a
figure is sent once the simulated day it describes has passed, through HTTP with
the publishing agency's own API key, as an agency without a Kafka client would.

    uv run python deploy/demo/feed.py --ingest-url http://127.0.0.1:8080 \\
        --start 2023-03-01T08:00:00+07:00 --speed 43200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg

from ioc_contracts import IndicatorEvent
from ioc_storage.credentials import create_api_key, list_api_keys, revoke_api_key

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scenario import scenario

DEMO_COMMENT = "demo feed"


def post_events(url: str, key: str, batch: list[dict[str, object]]) -> tuple[int, str, str]:
    """POST one batch; returns (status, Retry-After, body). The standard library only,
    so the feed runs in any of the project's images."""
    request = urllib.request.Request(  # noqa: S310 - the ingest URL we were given
        f"{url.rstrip('/')}/v1/events",
        data=json.dumps({"events": batch}).encode(),
        headers={"Content-Type": "application/json", "X-API-Key": key},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, "", answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Retry-After", "1"), error.read().decode()


def progress(message: str) -> None:
    print(f"[demo] {message}", file=sys.stderr, flush=True)


async def demo_keys(dsn: str, agencies: set[str]) -> dict[str, str]:
    """Fresh keys for the demo's agencies; the previous run's demo keys are revoked."""
    connection = await asyncpg.connect(dsn)
    try:
        for key in await list_api_keys(connection):
            if key.comment == DEMO_COMMENT and key.revoked_at is None:
                await revoke_api_key(connection, prefix=key.key_prefix)
        return {
            agency: (await create_api_key(connection, agency=agency, comment=DEMO_COMMENT)).key
            for agency in sorted(agencies)
        }
    finally:
        await connection.close()


async def run(
    ingest_url: str, start: datetime, speed: float, anchor: float, migrator_dsn: str
) -> None:
    events = scenario()
    keys = await demo_keys(migrator_dsn, {event.agency for event in events})
    sent = 0
    while sent < len(events):
        now = start + timedelta(seconds=(time.time() - anchor) * speed)
        due: list[IndicatorEvent] = []
        while sent + len(due) < len(events) and events[sent + len(due)].observed_at <= now:
            due.append(events[sent + len(due)])
        by_agency: dict[str, list[dict[str, object]]] = defaultdict(list)
        for event in due:
            by_agency[event.agency].append(event.model_dump(mode="json"))
        for agency, batch in by_agency.items():
            for _attempt in range(10):
                status, retry_after, body = await asyncio.to_thread(
                    post_events, ingest_url, keys[agency], batch
                )
                if status == 202:
                    break
                if status in (429, 503):
                    await asyncio.sleep(float(retry_after or "1"))
                    continue
                progress(f"{agency}: {status} {body[:300]}")
                break
        if due:
            sent += len(due)
            progress(
                f"{now.strftime('%d/%m/%Y')} (giờ Việt Nam): {sent}/{len(events)} figures sent"
            )
        await asyncio.sleep(0.5)
    progress("the demo year is over: every figure has been sent")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ingest-url", default="http://127.0.0.1:8080")
    parser.add_argument(
        "--start",
        type=datetime.fromisoformat,
        default=datetime.fromisoformat("2023-03-01T08:00:00+07:00"),
    )
    parser.add_argument("--speed", type=float, default=43_200, help="simulated seconds per second")
    parser.add_argument(
        "--anchor", type=float, default=None, help="Unix time at which the demo year starts"
    )
    arguments = parser.parse_args()
    dsn = os.environ.get("IOC_DATABASE_URL_MIGRATOR")
    if not dsn:
        sys.exit("IOC_DATABASE_URL_MIGRATOR is not set: run through ./dev up")
    anchor = arguments.anchor if arguments.anchor is not None else time.time()
    asyncio.run(run(arguments.ingest_url, arguments.start, arguments.speed, anchor, dsn))


if __name__ == "__main__":
    main()
