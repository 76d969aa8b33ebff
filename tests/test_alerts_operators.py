"""Operators with personal accounts at the alert service: each acknowledges and
silences in their own name, the audit trail says who did what, a viewer only reads,
a revoked token is refused at once. The real process, on a database of the test's own."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from ioc_alerts.lifecycle.ack_links import ack_url
from ioc_storage.operators import Role, revoke_operator_token, token_prefix_of
from ioc_testing import ScratchDatabase
from ioc_testing.alert_service import ACK_SECRET, firing_alerts
from ioc_testing.database import operator_with_token
from ioc_testing.pipeline import ServiceProcess

pytestmark = pytest.mark.connected

LEADER = "chu-tich-ubnd"


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _trail(api: httpx.AsyncClient, admin: str, **query: Any) -> list[dict[str, Any]]:
    answer = await api.get("/v1/audit", params=query, headers=_as(admin))
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, Any]] = answer.json()["entries"]
    return entries


async def test_two_operators_act_in_their_own_names_and_the_trail_says_so(
    alerts_serving: ServiceProcess, catalog_database: ScratchDatabase
) -> None:
    an = await operator_with_token(
        catalog_database, "an.nguyen", role=Role.OPERATOR, display_name="Nguyễn Văn An"
    )
    binh = await operator_with_token(
        catalog_database, "binh.tran", role=Role.OPERATOR, display_name="Trần Thị Bình"
    )
    admin = await operator_with_token(catalog_database, "quan.tri", role=Role.ADMIN)
    first, second = await firing_alerts(catalog_database, 2)
    started = datetime.now(UTC) - timedelta(minutes=1)

    async with httpx.AsyncClient(base_url=alerts_serving.url, timeout=30) as api:
        me = await api.get("/v1/me", headers=_as(an))
        assert me.json() == {
            "name": "an.nguyen",
            "display_name": "Nguyễn Văn An",
            "role": "operator",
            "created_at": None,
            "disabled_at": None,
        }
        by_an = await api.post(f"/v1/alerts/{first}/ack", headers=_as(an))
        assert by_an.status_code == 200, by_an.text
        assert by_an.json()["changed"] is True
        assert by_an.json()["alert"]["acknowledged_by"] == "Nguyễn Văn An"
        by_binh = await api.post(
            f"/v1/alerts/{second}/ack", json={"comment": "Đã gọi Sở"}, headers=_as(binh)
        )
        assert by_binh.json()["alert"]["acknowledged_by"] == "Trần Thị Bình"
        # The body may not say who: that is the token's account.
        typed = await api.post(f"/v1/alerts/{first}/ack", json={"by": "x"}, headers=_as(an))
        assert typed.status_code == 422

        created = await api.post(
            "/v1/silences",
            json={
                "target": "dvc.paperless-100",
                "ends_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
                "comment": "Đang rà soát danh mục DVCTT giai đoạn 1",
            },
            headers=_as(an),
        )
        assert created.status_code == 201, created.text
        silence = created.json()
        assert (silence["created_by"], silence["state"]) == ("an.nguyen", "active")
        ended = await api.post(f"/v1/silences/{silence['id']}/end", headers=_as(binh))
        assert ended.status_code == 200, ended.text
        assert (ended.json()["ended_by"], ended.json()["state"]) == ("binh.tran", "ended")

        an_did = await _trail(api, admin, actor="an.nguyen")
        binh_did = await _trail(api, admin, actor="binh.tran")
        everything = await _trail(api, admin, **{"from": started.isoformat()})
    assert [(e["action"], e["subject"]) for e in reversed(an_did)] == [
        ("alert.acknowledge", str(first)),
        ("silence.create", silence["id"]),
    ]
    assert [(e["action"], e["subject"]) for e in reversed(binh_did)] == [
        ("alert.acknowledge", str(second)),
        ("silence.end", silence["id"]),
    ]
    assert {e["actor_kind"] for e in an_did + binh_did} == {"operator"}
    assert binh_did[1]["detail"]["comment"] == "Đã gọi Sở"
    assert {e["actor"] for e in everything} == {"an.nguyen", "binh.tran"}
    # The tokens were presented on every request and are in no log line.
    log = alerts_serving.log_path.read_text(encoding="utf-8", errors="replace")
    for token in (an, binh, admin):
        # iocop_<prefix>_<secret>; the secret itself may hold "_".
        secret = token.split("_", 2)[2]
        assert len(secret) >= 32
        assert secret not in log


async def test_a_viewer_reads_but_cannot_act_nor_read_the_trail(
    alerts_serving: ServiceProcess, catalog_database: ScratchDatabase
) -> None:
    viewer = await operator_with_token(catalog_database, "xem", role=Role.VIEWER)
    operator = await operator_with_token(catalog_database, "truc.ban", role=Role.OPERATOR)
    (alert,) = await firing_alerts(catalog_database, 1)
    async with httpx.AsyncClient(base_url=alerts_serving.url, timeout=30) as api:
        listing = await api.get("/v1/alerts", headers=_as(viewer))
        assert listing.status_code == 200
        assert str(alert) in {a["id"] for a in listing.json()}
        assert (await api.get("/v1/silences", headers=_as(viewer))).status_code == 200
        refused = [
            await api.post(f"/v1/alerts/{alert}/ack", headers=_as(viewer)),
            await api.post(
                "/v1/silences",
                json={"target": "dvc.paperless-100", "ends_at": "2099-01-01T00:00:00+07:00",
                      "comment": "thử"},
                headers=_as(viewer),
            ),
            await api.post(f"/v1/silences/{uuid.uuid4()}/end", headers=_as(viewer)),
            await api.get("/v1/audit", headers=_as(viewer)),
            await api.get("/v1/operators", headers=_as(viewer)),
            # An operator acts, but the trail and the accounts are the admins'.
            await api.get("/v1/audit", headers=_as(operator)),
        ]  # fmt: skip
        assert [answer.status_code for answer in refused] == [403] * len(refused)
        assert "viewer" in refused[0].json()["detail"]
    # Nothing changed.
    async with httpx.AsyncClient(base_url=alerts_serving.url, timeout=30) as api:
        after = await api.get("/v1/alerts", headers=_as(viewer))
    assert next(a for a in after.json() if a["id"] == str(alert))["state"] == "firing"


async def test_a_revoked_token_is_refused_at_once(
    alerts_serving: ServiceProcess, catalog_database: ScratchDatabase
) -> None:
    token = await operator_with_token(catalog_database, "tam.thoi", role=Role.OPERATOR)
    async with httpx.AsyncClient(base_url=alerts_serving.url, timeout=30) as api:
        assert (await api.get("/v1/alerts", headers=_as(token))).status_code == 200
        prefix = token_prefix_of(token)
        assert prefix is not None
        connection = await asyncpg.connect(catalog_database.dsns["migrator"])
        try:
            assert await revoke_operator_token(connection, prefix=prefix)
        finally:
            await connection.close()
        refused = await api.get("/v1/alerts", headers=_as(token))
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")


async def test_a_leaders_click_and_the_admins_reading_of_the_trail(
    alerts_serving: ServiceProcess, catalog_database: ScratchDatabase
) -> None:
    admin = await operator_with_token(catalog_database, "quan.tri", role=Role.ADMIN)
    (alert,) = await firing_alerts(catalog_database, 1)
    link = ack_url(
        alerts_serving.url,
        ACK_SECRET,
        alert,
        LEADER,
        expires_at=datetime.now(UTC) + timedelta(days=3),
    )
    async with httpx.AsyncClient(base_url=alerts_serving.url, timeout=30) as api:
        pressed = await api.post(link, data={"xac_nhan": "1"})
        assert "Đã xác nhận cảnh báo" in pressed.text
        clicks = await _trail(api, admin, action="alert.acknowledge")
        assert [(e["actor"], e["actor_kind"], e["subject"]) for e in clicks] == [
            (LEADER, "recipient", str(alert))
        ]
        assert clicks[0]["detail"]["via"] == "link"

        # An admin may do what operators do: a second entry, to page through.
        silenced = await api.post(
            "/v1/silences",
            json={"scope": "so-tnmt", "ends_at": "2099-01-01T00:00:00+07:00", "comment": "x"},
            headers=_as(admin),
        )
        assert silenced.status_code == 201
        page = await api.get("/v1/audit", params={"limit": 1}, headers=_as(admin))
        assert page.json()["next_offset"] == 1
        assert [e["action"] for e in page.json()["entries"]] == ["silence.create"]
        rest = await api.get("/v1/audit", params={"limit": 1, "offset": 1}, headers=_as(admin))
        assert rest.json()["next_offset"] is None
        assert [e["actor"] for e in rest.json()["entries"]] == [LEADER]
        naive = await api.get(
            "/v1/audit", params={"from": "2023-01-01T00:00:00"}, headers=_as(admin)
        )
        assert naive.status_code == 422
        for name in ("actor", "action"):
            nul = await api.get("/v1/audit", params={name: "a\x00b"}, headers=_as(admin))
            assert nul.status_code == 422, (name, nul.text)
            assert "U+0000 (NUL)" in nul.text, name
        future = await _trail(api, admin, **{"from": "2999-01-01T00:00:00+07:00"})
        assert future == []
        accounts = await api.get("/v1/operators", headers=_as(admin))
        assert [a["name"] for a in accounts.json()] == ["quan.tri"]

        schema = (await api.get("/openapi.json")).json()
    assert "OperatorToken" in schema["components"]["securitySchemes"]
    answer = schema["paths"]["/v1/alerts"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"]["items"]["$ref"].endswith("AlertView")
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("security") == [{"OperatorToken": []}], (method, path)
            ok = next(code for code in operation["responses"] if code.startswith("2"))
            assert operation["responses"][ok]["content"]["application/json"]["schema"], path
