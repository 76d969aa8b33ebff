"""Bodies sent to the real alert service are bounded before anything reads them: a client
without a token streaming megabytes to a route that takes a body is answered 401 unread
(a leader's link is judged before its body too), an operator's client streaming them is
answered 413 at the limit, a body declared too large 413 before anything, one streaming
without end is cut off, curl's `Expect: 100-continue` is answered before it sends, the service's
memory does not grow with any of it and it stays ready; an operator's largest real request (a
silence with a reason of 1,000 Vietnamese characters) still passes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ioc_alerts.main import MAX_REQUEST_BODY_BYTES
from ioc_storage.operators import Role
from ioc_testing import ScratchDatabase
from ioc_testing.database import operator_with_token
from ioc_testing.pipeline import ServiceProcess

pytestmark = pytest.mark.connected

# Read and thrown away so that the client reads the 413 (below the middleware's bound);
# the endless one is cut off at that bound.
STREAMED_MIB = 32
ENDLESS_MIB = 512
# The interpreter's own slack while it answers; reading the body would add its size.
MOST_GROWTH_MIB = 16.0


async def _spaces(mib: int) -> AsyncIterator[bytes]:
    """A valid start of JSON, spaces, for as long as the server reads."""
    yield b'{"reason": "'
    for _ in range(mib):
        yield b" " * (1 << 20)


async def test_a_huge_body_is_refused_at_the_limit_in_bounded_memory(
    alerts_serving: ServiceProcess, catalog_database: ScratchDatabase
) -> None:
    operator = await operator_with_token(catalog_database, "an.nguyen", role=Role.OPERATOR)
    json_type = {"Content-Type": "application/json"}
    paths = ("/v1/silences", f"/v1/alerts/{uuid.uuid4()}/ack", f"/ack/{uuid.uuid4()}")
    async with httpx.AsyncClient(base_url=alerts_serving.url, timeout=120) as api:
        before = alerts_serving.resident_mib()
        # Without a token nothing is read: the token comes first (401).
        anonymous = {
            path: await api.post(path, content=_spaces(STREAMED_MIB), headers=json_type)
            for path in paths
        }
        with_token = {**json_type, "Authorization": f"Bearer {operator}"}
        streamed = {
            path: await api.post(path, content=_spaces(STREAMED_MIB), headers=with_token)
            for path in paths[:2]
        }
        declared = await api.post(
            "/v1/silences", content=b" " * (MAX_REQUEST_BODY_BYTES + 1), headers=json_type
        )
        try:
            endless: int | str = (
                await api.post(paths[0], content=_spaces(ENDLESS_MIB), headers=with_token)
            ).status_code
        except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError) as cut_off:
            endless = type(cut_off).__name__
        after = alerts_serving.resident_mib()
        ready = await api.get("/readyz")
        now = datetime.now(UTC)
        silence = await api.post(
            "/v1/silences",
            json={
                "indicator": "dvc.paperless-rate",
                "starts_at": now.isoformat(),
                "ends_at": (now + timedelta(hours=1)).isoformat(),
                "comment": "Bảo trì hệ thống, số liệu đến chậm. " * 27 + "Ước tính",
            },
            headers={"Authorization": f"Bearer {operator}"},
        )
    limit = f"the request body is larger than {MAX_REQUEST_BODY_BYTES} bytes"
    # A link is judged before its body is read (a forged one never is): refused unread.
    assert {path: a.status_code for path, a in anonymous.items()} == {
        paths[0]: 401,
        paths[1]: 401,
        paths[2]: 422,
    }
    assert {path: a.status_code for path, a in streamed.items()} == dict.fromkeys(paths[:2], 413)
    assert all(a.json() == {"detail": limit} for a in streamed.values())
    assert declared.status_code == 413
    assert endless in (413, "ReadError", "WriteError", "RemoteProtocolError")
    assert after - before < MOST_GROWTH_MIB, (before, after)
    assert ready.status_code == 200
    assert silence.status_code == 201, silence.text
    log = alerts_serving.log_path.read_text(encoding="utf-8", errors="replace")
    assert "Exception in ASGI application" not in log


async def test_curl_is_answered_before_it_sends_a_large_body(
    alerts_serving: ServiceProcess, tmp_path: Path
) -> None:
    """curl asks `Expect: 100-continue` before a large body: the 413 comes unread."""
    body = tmp_path / "silence.json"
    body.write_bytes(b" " * (8 << 20))
    process = await asyncio.create_subprocess_exec(
        "curl", "--silent", "--show-error", "--output", "/dev/null",
        "--write-out", "%{http_code} %{size_upload}",
        "--header", "Content-Type: application/json", "--header", "Expect: 100-continue",
        "--data-binary", f"@{body}", f"{alerts_serving.url}/v1/silences",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    status, uploaded = output.decode().split()
    assert status == "413"
    assert int(float(uploaded)) < MAX_REQUEST_BODY_BYTES
