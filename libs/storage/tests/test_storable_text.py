"""Text from outside made storable (`ioc_storage.text`): in memory, and written to the
real database where a NUL or a lone surrogate used to fail the whole statement."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest

from ioc_storage.quarantine import QuarantinedRecord, held, hold
from ioc_storage.text import storable_document, storable_text
from ioc_testing import ScratchDatabase

UNSTORABLE = "a\x00b\ud800c\udfffd"


def test_only_what_no_stored_text_holds_is_replaced() -> None:
    assert storable_text(UNSTORABLE) == "a\ufffdb\ufffdc\ufffdd"
    # Everything else is kept as it was: other controls, Vietnamese, astral characters.
    kept = "Số liệu\x01\x1f\t\n\u2028 😀 \ufffd"
    assert storable_text(kept) == kept
    assert storable_text("") == ""


def test_a_document_is_made_storable_in_every_string_and_key() -> None:
    document = {"errors": [{"field": "col\x00our", "n": 3}], "k\ud800": ("x\x00", None, 1.5)}
    assert storable_document(document) == {
        "errors": [{"field": "col\ufffdour", "n": 3}],
        "k\ufffd": ["x\ufffd", None, 1.5],
    }


@pytest.mark.connected
async def test_a_quarantined_record_quoting_a_nul_is_held(
    migrated_database: ScratchDatabase,
) -> None:
    record = QuarantinedRecord(
        source_topic="ioc.indicator-events",
        source_partition=0,
        source_offset=7,
        error_code="schema_violation",
        reason=f"{UNSTORABLE}: Extra inputs are not permitted",
        dead_letter_error=f"KafkaError('{UNSTORABLE}')",
        original_size=40,
        key=b"k\x00",
        value_head=b"{\x00}",
        truncated=False,
        failed_at=datetime(2026, 12, 7, tzinfo=UTC),
    )
    connection = await asyncpg.connect(migrated_database.dsns["migrator"])
    try:
        await hold(connection, [record])
        [kept] = await held(connection)
    finally:
        await connection.close()
    assert kept.reason == "a\ufffdb\ufffdc\ufffdd: Extra inputs are not permitted"
    assert kept.dead_letter_error == "KafkaError('a\ufffdb\ufffdc\ufffdd')"
    # Bytes are bytes: kept exactly.
    assert (kept.key, kept.value_head) == (b"k\x00", b"{\x00}")
