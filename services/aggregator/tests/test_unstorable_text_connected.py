"""Characters no stored text can hold, in records straight from Kafka, through the real
aggregator: a NUL in an event's free text is a contract violation named as such (it
used to pass screening and fail its batch's COPY, which was then stored again one event
at a time and the event dead-lettered as refused by the database), and a refusal whose
reason quotes such a character is still recorded for the agency to read back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from ioc_testing import ScratchDatabase
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for

from .feeding import dead_letters_by_code, event, fetch, publish, stored_at_least

pytestmark = pytest.mark.connected


async def test_a_nul_is_a_contract_violation_and_every_refusal_is_recorded(
    aggregator_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
) -> None:
    aggregator_process.start()
    aggregator_process.wait_ready()
    valid = [event(value=50.0 + n, day=n) for n in range(20)]
    in_note = event(value=40.0, day=30, note="Số liệu\x00 tháng 7")
    named = event(value=41.0, day=31)
    # A field whose very name holds a NUL: the reason quotes it.
    odd_field = (json.dumps(named)[:-1] + ', "col\\u0000our": 1}').encode()
    # Lone UTF-16 surrogates, as JSON lets a string write them: in a field's name and in
    # a value. Each refusal names where it is, the name written as it was sent.
    surrogate_named = event(value=42.0, day=32)
    surrogate_name = (json.dumps(surrogate_named)[:-1] + ', "col\\ud800our": 1}').encode()
    surrogate_noted = event(value=43.0, day=33, note="MARK")
    surrogate_note = json.dumps(surrogate_noted).replace('"MARK"', '"x\\udc00"').encode()
    odd: list[dict[str, Any] | bytes] = [in_note, odd_field, surrogate_name, surrogate_note]
    await publish(producer, pipeline_topics.events, [*valid[:10], *odd, *valid[10:]])
    await wait_for(lambda: stored_at_least(catalog_database, 20), what="the valid events")

    letters = await dead_letters_by_code(kafka_bootstrap, pipeline_topics.dead_letters, 4)
    assert sorted(letters) == ["schema_violation"], letters
    reasons = letters["schema_violation"]
    assert len(reasons) == 4
    assert any("U+0000 (NUL)" in reason for reason in reasons), reasons
    assert any(
        r.startswith("col\\ud800our: the field's name holds a lone UTF-16 surrogate (\\ud800)")
        for r in reasons
    ), reasons
    assert any(
        r.startswith("note: the value holds a lone UTF-16 surrogate (\\udc00)") for r in reasons
    ), reasons

    reader = catalog_database.dsns["reader"]
    stored = await fetch(reader, "SELECT event_id::text AS id FROM ioc.observations")
    assert sorted(r["id"] for r in stored) == sorted(e["event_id"] for e in valid)

    async def all_recorded() -> bool:
        rows = await fetch(reader, "SELECT count(*) AS n FROM ioc.refused_events")
        return int(rows[0]["n"]) >= len(odd)

    await wait_for(all_recorded, what="every refusal recorded for read-back")
    refusals = await fetch(
        reader, "SELECT event_id::text AS id, error_code, reason FROM ioc.refused_events"
    )
    assert {r["id"] for r in refusals} == {
        e["event_id"] for e in (in_note, named, surrogate_named, surrogate_noted)
    }
    assert {r["error_code"] for r in refusals} == {"schema_violation"}
    assert all("\x00" not in r["reason"] for r in refusals)
