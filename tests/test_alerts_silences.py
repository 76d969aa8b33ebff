"""Silences through the operators' API: listed by state, ended early (a pending one ends
with an empty window), and what names nothing, or something unknown, refused. The real
process, on a database of the test's own."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from ioc_storage.operators import Role
from ioc_testing import ScratchDatabase
from ioc_testing.database import operator_with_token
from ioc_testing.pipeline import ServiceProcess

pytestmark = pytest.mark.connected


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_silences_are_listed_ended_and_unknown_things_are_404_or_422(
    alerts_serving: ServiceProcess, catalog_database: ScratchDatabase
) -> None:
    operator = await operator_with_token(catalog_database, "truc.ban", role=Role.OPERATOR)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    async with httpx.AsyncClient(base_url=alerts_serving.url, timeout=30) as api:

        async def silence(**body: Any) -> httpx.Response:
            return await api.post(
                "/v1/silences", json={"comment": "kiểm tra", **body}, headers=_as(operator)
            )

        kept = (await silence(indicator="dvc.paperless-rate", ends_at=tomorrow)).json()
        later = await silence(
            scope="so-tnmt",
            starts_at=(datetime.now(UTC) + timedelta(hours=2)).isoformat(),
            ends_at=tomorrow,
        )
        assert later.json()["state"] == "pending"
        gone = (await silence(target="dvc.paperless-100", ends_at=tomorrow)).json()
        assert (await api.post(f"/v1/silences/{gone['id']}/end", headers=_as(operator))).is_success
        # A silence that had not begun ends with an empty window.
        pending_end = await api.post(
            f"/v1/silences/{later.json()['id']}/end", headers=_as(operator)
        )
        assert pending_end.json()["ends_at"] == pending_end.json()["starts_at"]

        def ids(answer: httpx.Response) -> set[str]:
            assert answer.status_code == 200, answer.text
            return {s["id"] for s in answer.json()}

        async def listed(state: str | None = None) -> httpx.Response:
            query = {"state": state} if state else {}
            return await api.get("/v1/silences", params=query, headers=_as(operator))

        assert ids(await listed("active")) == {kept["id"]}
        assert ids(await listed("ended")) == {gone["id"], later.json()["id"]}
        assert ids(await listed()) == {kept["id"], gone["id"], later.json()["id"]}

        again = await api.post(f"/v1/silences/{gone['id']}/end", headers=_as(operator))
        assert again.status_code == 409
        missing = await api.post(f"/v1/silences/{uuid.uuid4()}/end", headers=_as(operator))
        assert missing.status_code == 404
        unknown_target = await silence(target="khong-co", ends_at=tomorrow)
        assert unknown_target.status_code == 404
        assert "khong-co" in unknown_target.json()["detail"]
        assert (await silence(indicator="khong-co", ends_at=tomorrow)).status_code == 404
        assert (await silence(scope="khong-co", ends_at=tomorrow)).status_code == 404
        nothing_named = await silence(ends_at=tomorrow)
        assert nothing_named.status_code == 422
        assert "names a target, indicator or scope" in nothing_named.text
        backwards = await silence(
            target="dvc.paperless-100", starts_at=tomorrow, ends_at="2020-01-01T00:00:00+07:00"
        )
        assert backwards.status_code == 422
        assert "ends_at must be after starts_at" in backwards.text
        naive = await silence(target="dvc.paperless-100", ends_at="2099-01-01T00:00:00")
        assert naive.status_code == 422
        assert "UTC offset" in naive.text
        # No stored text holds U+0000: refused as invalid, never a database error.
        for field in ("comment", "target", "indicator", "scope"):
            nul = await silence(
                **{"target": "dvc.paperless-100", field: "a\x00b"}, ends_at=tomorrow
            )
            assert nul.status_code == 422, (field, nul.text)
            assert "U+0000 (NUL)" in nul.text, field


async def test_a_body_that_names_a_field_twice_is_refused_and_silences_nothing(
    alerts_serving: ServiceProcess, catalog_database: ScratchDatabase
) -> None:
    """The standard library would keep the last `ends_at`: a silence of a length the
    operator's script never showed. Refused like an agency's event with a name given twice."""
    operator = await operator_with_token(catalog_database, "truc.ban", role=Role.OPERATOR)
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    later = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    body = (
        f'{{"target": "dvc.paperless-100", "comment": "bảo trì", '
        f'"ends_at": "{soon}", "ends_at": "{later}"}}'
    )
    async with httpx.AsyncClient(base_url=alerts_serving.url, timeout=30) as api:
        twice = await api.post(
            "/v1/silences",
            content=body.encode(),
            headers={**_as(operator), "Content-Type": "application/json"},
        )
        once = await api.post(
            "/v1/silences",
            content=body.replace(f', "ends_at": "{later}"', "").encode(),
            headers={**_as(operator), "Content-Type": "application/json"},
        )
        listed = await api.get("/v1/silences", headers=_as(operator))
    assert twice.status_code == 422, twice.text
    [problem] = twice.json()["detail"]
    assert problem["loc"] == ["body", "ends_at"]
    assert problem["msg"].startswith("the field appears more than once")
    assert once.is_success, once.text
    assert [s["id"] for s in listed.json()] == [once.json()["id"]]


async def test_a_lone_surrogate_in_a_body_is_answered_422_naming_where_it_is(
    alerts_serving: ServiceProcess, catalog_database: ScratchDatabase
) -> None:
    """FastAPI's 422 quoted the name or value it refused; one holding a lone UTF-16
    surrogate could not be encoded: a 500 for a name, a dropped connection for a value."""
    operator = await operator_with_token(catalog_database, "truc.ban", role=Role.OPERATOR)
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    bodies = [
        f'{{"target": "dvc.paperless-100", "comm\\ud800ent": "x", "ends_at": "{soon}"}}',
        f'{{"target": "dvc.paperless-100", "comment": "x\\udc00", "ends_at": "{soon}"}}',
    ]
    async with httpx.AsyncClient(base_url=alerts_serving.url, timeout=30) as api:
        answers = [
            await api.post(
                "/v1/silences",
                content=body.encode(),
                headers={**_as(operator), "Content-Type": "application/json"},
            )
            for body in bodies
        ]
        listed = await api.get("/v1/silences", headers=_as(operator))
    assert [a.status_code for a in answers] == [422, 422], [a.text for a in answers]
    named = {tuple(p["loc"]) for a in answers for p in a.json()["detail"]}
    assert ("body", "comm\\ud800ent") in named
    assert ("body", "comment") in named
    assert listed.json() == []


async def test_query_parameters_repeated_or_unknown_are_refused_after_the_token(
    alerts_serving: ServiceProcess, catalog_database: ScratchDatabase
) -> None:
    """`?state=ended&state=active` would list the active ones, where a script or the
    access log shows the first; an unknown name would be ignored, the list looking
    filtered when it is not."""
    operator = await operator_with_token(catalog_database, "truc.ban", role=Role.OPERATOR)
    async with httpx.AsyncClient(base_url=alerts_serving.url, timeout=30) as api:
        repeated = await api.get("/v1/silences?state=ended&state=active", headers=_as(operator))
        unknown = await api.get("/v1/alerts?state=firing", headers=_as(operator))
        on_post = await api.post(f"/v1/silences/{uuid.uuid4()}/end?force=1", headers=_as(operator))
        fine = await api.get("/v1/silences?state=active", headers=_as(operator))
        without_token = await api.get("/v1/silences?state=ended&state=active")
    assert fine.status_code == 200, fine.text
    assert without_token.status_code == 401
    assert [a.status_code for a in (repeated, unknown, on_post)] == [422] * 3
    [twice] = repeated.json()["detail"]
    assert twice["loc"] == ["query", "state"]
    assert twice["msg"].endswith("the parameter appears more than once; give it once")
    [not_taken] = unknown.json()["detail"]
    assert not_taken["loc"] == ["query", "state"]
    assert not_taken["msg"].startswith("đường dẫn này không nhận tham số này / ")
    assert on_post.json()["detail"][0]["loc"] == ["query", "force"]


async def test_the_audit_reads_a_time_pasted_into_the_url_with_its_plus(
    alerts_serving: ServiceProcess, catalog_database: ScratchDatabase
) -> None:
    """An unescaped `+` reads as a space in a query; `?from=…+07:00` was refused."""
    admin = await operator_with_token(catalog_database, "quan.tri", role=Role.ADMIN)
    async with httpx.AsyncClient(base_url=alerts_serving.url, timeout=30) as api:
        pasted = await api.get(
            "/v1/audit?from=2023-06-30T00:00:00+07:00&to=2099-01-01T00:00:00+07:00",
            headers=_as(admin),
        )
    assert pasted.status_code == 200, pasted.text


async def test_a_body_is_judged_only_after_the_token(
    alerts_serving: ServiceProcess, catalog_database: ScratchDatabase
) -> None:
    """FastAPI parses a body before it solves the route's dependencies: without a token,
    a body that was not JSON, or named a field twice, was answered 422, judged for
    anyone. The token comes first; a caller with one has the body judged as before."""
    operator = await operator_with_token(catalog_database, "truc.ban", role=Role.OPERATOR)
    bodies = {
        "not JSON": b"{not json",
        "a field twice": b'{"comment": "a", "comment": "b"}',
        "wrong fields": b'{"muted": true}',
    }
    json_type = {"Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=alerts_serving.url, timeout=30) as api:
        anonymous = {
            name: (await api.post("/v1/silences", content=body, headers=json_type)).status_code
            for name, body in bodies.items()
        }
        forged = await api.post(
            f"/v1/alerts/{uuid.uuid4()}/ack",
            content=bodies["not JSON"],
            headers={**json_type, **_as("iocop_abcdefgh_" + "x" * 40)},
        )
        known = {
            name: (
                await api.post("/v1/silences", content=body, headers={**json_type, **_as(operator)})
            ).status_code
            for name, body in bodies.items()
        }
    assert anonymous == dict.fromkeys(bodies, 401)
    assert forged.status_code == 401
    assert forged.headers["www-authenticate"] == 'Bearer realm="ioc-alerts"'
    assert known == dict.fromkeys(bodies, 422)
