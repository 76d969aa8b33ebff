"""The demo mailbox: a local SMTP server that keeps every message as an .eml file.

Leaders' email in the demo lands here instead of the internet; each message is
also announced on standard output (one JSON line) so the runner can show it.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import json
import re
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class Mailbox:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.count += 1
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        slug = re.sub(r"[^a-z0-9]+", "-", str(message.get("To", "")).lower())[:40]
        path = self.folder / f"{stamp}-{self.count:05d}-{slug}.eml"
        path.write_bytes(envelope.original_content)
        line = {
            "to": str(message.get("To")),
            "subject": str(message.get("Subject")),
            "file": str(path),
        }
        print(json.dumps(line, ensure_ascii=False), flush=True)
        return "250 Message accepted for delivery"


async def serve(folder: Path, port: int) -> None:
    controller = Controller(Mailbox(folder), hostname="127.0.0.1", port=port)
    controller.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        controller.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folder", type=Path, required=True, help="where .eml files are written")
    parser.add_argument("--port", type=int, default=1025, help="SMTP port on 127.0.0.1")
    arguments = parser.parse_args()
    arguments.folder.mkdir(parents=True, exist_ok=True)
    asyncio.run(serve(arguments.folder, arguments.port))


if __name__ == "__main__":
    main()
