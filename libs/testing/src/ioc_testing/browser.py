"""A real browser for tests: headless Chromium driven over the DevTools protocol.

What a person does with an acknowledgement link, done by the browser itself: open the
page, find the button and press it with a mouse event (a trusted click, not a script).
No page script is run to find or press anything: the DOM domain finds the button and
the Input domain clicks where it is drawn.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import websockets

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_STEP_SECONDS = 60.0


class Page:
    """One tab, spoken to over its DevTools websocket."""

    def __init__(self, socket: Any) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self._events: list[dict[str, Any]] = []

    async def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        number = next(self._ids)
        await self._socket.send(
            json.dumps({"id": number, "method": method, "params": params or {}})
        )
        async with asyncio.timeout(_STEP_SECONDS):
            while True:
                message = json.loads(await self._socket.recv())
                if message.get("id") == number:
                    if "error" in message:
                        raise RuntimeError(f"{method}: {message['error']}")
                    result: dict[str, Any] = message.get("result", {})
                    return result
                self._events.append(message)

    async def loaded(self) -> None:
        """Waits for the next page load (a navigation, a form's answer)."""
        async with asyncio.timeout(_STEP_SECONDS):
            while True:
                for event in self._events:
                    if event.get("method") == "Page.loadEventFired":
                        self._events.remove(event)
                        return
                self._events.append(json.loads(await self._socket.recv()))

    async def open(self, url: str) -> None:
        await self.call("Page.navigate", {"url": url})
        await self.loaded()

    async def html(self) -> str:
        root = await self.call("DOM.getDocument", {"depth": 0})
        outer = await self.call("DOM.getOuterHTML", {"nodeId": root["root"]["nodeId"]})
        return str(outer["outerHTML"])

    async def click(self, selector: str) -> None:
        """A left click in the middle of the element, as a person's mouse would."""
        root = await self.call("DOM.getDocument", {"depth": 0})
        found = await self.call(
            "DOM.querySelector", {"nodeId": root["root"]["nodeId"], "selector": selector}
        )
        if not found.get("nodeId"):
            raise LookupError(f"no {selector} on the page")
        box = await self.call("DOM.getBoxModel", {"nodeId": found["nodeId"]})
        quad = box["model"]["content"]
        x, y = sum(quad[0::2]) / 4, sum(quad[1::2]) / 4
        for kind in ("mousePressed", "mouseReleased"):
            await self.call(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            )


# A headless Chromium of its own, with nothing of its own to do besides the page.
_HEADLESS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def rendered_by_link_scanner(url: str) -> str:
    """The page as a mail gateway's link-scanning headless browser leaves it, after
    running whatever scripts it holds."""
    assert CHROMIUM is not None, "Debian's chromium package is not installed"
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        result = subprocess.run(  # noqa: S603 - the system's Chromium, our own arguments
            [
                CHROMIUM,
                *_HEADLESS,
                "--disable-quic",
                f"--user-data-dir={profile}",
                "--virtual-time-budget=5000",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=90,
            check=True,
        )
    return result.stdout


@contextlib.asynccontextmanager
async def chromium_page() -> AsyncIterator[Page]:
    """A fresh headless Chromium (its own profile) and its first tab."""
    assert CHROMIUM is not None, "Debian's chromium package is not installed"
    # Chromium's helpers (renderer, crash handler) outlive the main process for a moment
    # and may still write to the profile: the whole group is killed below, and a file
    # written after that does not fail a test about the page.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        process = await asyncio.create_subprocess_exec(
            CHROMIUM,
            *_HEADLESS,
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "about:blank",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,  # its own process group, helpers included
        )
        try:
            port = await _devtools_port(Path(profile) / "DevToolsActivePort")
            async with httpx.AsyncClient(timeout=10) as client:
                targets = (await client.get(f"http://127.0.0.1:{port}/json/list")).json()
            (tab,) = [target for target in targets if target["type"] == "page"]
            async with websockets.connect(tab["webSocketDebuggerUrl"], max_size=None) as socket:
                page = Page(socket)
                await page.call("Page.enable")
                await page.call("DOM.enable")
                yield page
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()


def _announced_port(announced: Path) -> int | None:
    if not announced.exists():
        return None
    first = announced.read_text().split("\n", 1)[0].strip()
    return int(first) if first.isdigit() else None


async def _devtools_port(announced: Path) -> int:
    """Chromium writes the port it chose to its profile once it listens."""
    async with asyncio.timeout(_STEP_SECONDS):
        while True:
            port = await asyncio.to_thread(_announced_port, announced)
            if port is not None:
                return port
            await asyncio.sleep(0.05)
