"""How `ioc-dlq` shows dead letters and quarantined records: tab-separated lines for a
terminal (times in Asia/Ho_Chi_Minh), or one JSON object per line for tools."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TextIO

from ioc_contracts.types import VIETNAM_TIME
from ioc_messaging.dead_letters import DeadLetterRecord, Summary
from ioc_storage.quarantine import QuarantinedRecord

# Enough of the original bytes to recognise an event in a terminal.
PREVIEW_LENGTH = 160


def shown_time(moment: datetime | None) -> str:
    return moment.astimezone(VIETNAM_TIME).strftime("%d/%m/%Y %H:%M:%S") if moment else "—"


def letter_line(record: DeadLetterRecord) -> str:
    preview = (record.value or b"").decode("utf-8", "replace").replace("\n", " ")
    if len(preview) > PREVIEW_LENGTH:
        preview = preview[: PREVIEW_LENGTH - 1] + "…"
    letter = record.letter
    if letter is None:
        return f"{record.position}\t—\tunreadable\t—\t{record.problem}\t{preview}"
    return "\t".join(
        (
            record.position,
            shown_time(letter.failed_at),
            letter.error_code.value,
            f"{letter.source_topic}/{letter.source_partition}/{letter.source_offset}",
            letter.reason,
            preview,
        )
    )


def letter_json(record: DeadLetterRecord) -> str:
    letter = record.letter
    return json.dumps(
        {
            "partition": record.partition,
            "offset": record.offset,
            "key": (record.key or b"").decode("utf-8", "replace"),
            "value": (record.value or b"").decode("utf-8", "replace"),
            "dead_letter": letter.model_dump(mode="json") if letter else None,
            "problem": record.problem,
        },
        ensure_ascii=False,
    )


def print_summary(summary: Summary, topic: str, out: TextIO) -> None:
    print(f"{topic}: {summary.total} dead letters", file=out)
    print(
        f"  first {shown_time(summary.first_failed_at)}, last {shown_time(summary.last_failed_at)} "
        "(Asia/Ho_Chi_Minh)",
        file=out,
    )
    for code, count in summary.by_code.most_common():
        print(f"  {code}\t{count}", file=out)
    for source, count in summary.by_source.most_common():
        print(f"  from {source}\t{count}", file=out)
    if summary.unreadable:
        print(f"  unreadable headers\t{summary.unreadable}", file=out)


def quarantine_line(record: QuarantinedRecord, as_json: bool) -> str:
    preview = record.value_head.decode("utf-8", "replace").replace("\n", " ")
    if as_json:
        return json.dumps(
            {
                "source": record.position,
                "error_code": record.error_code,
                "reason": record.reason,
                "dead_letter_error": record.dead_letter_error,
                "original_size": record.original_size,
                "truncated": record.truncated,
                "key": (record.key or b"").decode("utf-8", "replace"),
                "value_head": preview,
                "failed_at": record.failed_at.isoformat(),
                "quarantined_at": record.quarantined_at.isoformat()
                if record.quarantined_at
                else None,
            },
            ensure_ascii=False,
        )
    if len(preview) > PREVIEW_LENGTH:
        preview = preview[: PREVIEW_LENGTH - 1] + "…"
    return "\t".join(
        (
            shown_time(record.quarantined_at),
            record.position,
            record.error_code,
            f"{record.original_size} B{' (cut)' if record.truncated else ''}",
            record.reason,
            record.dead_letter_error,
            preview,
        )
    )
