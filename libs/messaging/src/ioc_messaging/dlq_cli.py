"""`ioc-dlq`: look into the dead-letter topic and replay what was fixed.

    ioc-dlq summary                        counts by error code and source topic
    ioc-dlq list --error-code unknown_indicator --limit 20
    ioc-dlq replay --error-code unknown_indicator --since 2026-11-26 --dry-run
    ioc-dlq replay --error-code unknown_indicator --since 2026-11-26
    ioc-dlq quarantine                     records Kafka refused even as dead letters

Times are read and shown in Asia/Ho_Chi_Minh unless they carry their own offset.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from contextlib import aclosing
from datetime import datetime

from aiokafka.errors import KafkaError

from ioc_contracts.dead_letter import DeadLetterErrorCode
from ioc_contracts.topics import INDICATOR_EVENTS_DLQ_TOPIC
from ioc_contracts.types import VIETNAM_TIME
from ioc_messaging.dead_letters import (
    ReplayReport,
    Selection,
    Summary,
    read_dead_letters,
    replay,
)
from ioc_messaging.dlq_output import letter_json, letter_line, print_summary, quarantine_line
from ioc_messaging.settings import KafkaSettings
from ioc_runtime import load_settings
from ioc_storage.quarantine import held


def local_time(text: str) -> datetime:
    """argparse type: an ISO date or date-time; without an offset it is Vietnam time."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        msg = f"{text!r} is not a date (2026-11-26) or a date-time (2026-11-26T08:00)"
        raise argparse.ArgumentTypeError(msg) from error
    return moment if moment.tzinfo else moment.replace(tzinfo=VIETNAM_TIME)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ioc-dlq",
        description="Inspect the dead-letter topic and replay dead letters to the topic they "
        "came from once their cause is fixed. Replaying twice is harmless: the aggregator "
        "stores an event once, and one still wrong returns to the DLQ with a new reason. "
        "The broker comes from IOC_KAFKA_BOOTSTRAP_SERVERS (default 127.0.0.1:9092).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--topic", default=INDICATOR_EVENTS_DLQ_TOPIC, help="the dead-letter topic (%(default)s)"
    )
    common.add_argument(
        "--since",
        type=local_time,
        help="only dead letters written at or after this time (Vietnam time unless an offset "
        "is given), e.g. 2026-11-26 or 2026-11-26T08:30",
    )
    chosen = argparse.ArgumentParser(add_help=False)
    chosen.add_argument(
        "--error-code",
        action="append",
        default=[],
        choices=[code.value for code in DeadLetterErrorCode],
        help="only this error code (repeatable)",
    )
    chosen.add_argument(
        "--source-topic", action="append", default=[], help="only from this topic (repeatable)"
    )
    chosen.add_argument("--limit", type=int, help="stop after this many dead letters")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "summary", parents=[common], help="counts by error code and source topic, first and last"
    )
    listing = commands.add_parser(
        "list", parents=[common, chosen], help="one line per dead letter, oldest first"
    )
    listing.add_argument("--json", action="store_true", help="one JSON object per line instead")
    replaying = commands.add_parser(
        "replay", parents=[common, chosen], help="send the chosen dead letters back"
    )
    replaying.add_argument(
        "--to", dest="target_topic", help="send to this topic instead of each one's source"
    )
    replaying.add_argument(
        "--dry-run", action="store_true", help="say what would be sent and send nothing"
    )
    quarantine = commands.add_parser(
        "quarantine",
        help="records that could be neither stored nor dead-lettered, from the database "
        "(IOC_DATABASE_URL, the ioc_reader role)",
    )
    quarantine.add_argument("--since", type=local_time, help="only those quarantined since")
    quarantine.add_argument("--limit", type=int, default=1000, help="at most (%(default)s)")
    quarantine.add_argument("--json", action="store_true", help="one JSON object per line")
    return parser


def _selection(arguments: argparse.Namespace) -> Selection:
    return Selection(
        error_codes=frozenset(DeadLetterErrorCode(code) for code in arguments.error_code),
        source_topics=frozenset(arguments.source_topic),
    )


async def _summary(arguments: argparse.Namespace, settings: KafkaSettings) -> int:
    summary = Summary()
    async with aclosing(read_dead_letters(settings, arguments.topic, since=arguments.since)) as rs:
        async for record in rs:
            summary.add(record)
    print_summary(summary, arguments.topic, sys.stdout)
    return 0


async def _list(arguments: argparse.Namespace, settings: KafkaSettings) -> int:
    selection = _selection(arguments)
    shown = 0
    async with aclosing(read_dead_letters(settings, arguments.topic, since=arguments.since)) as rs:
        async for record in rs:
            # Unreadable letters match no filter, but a plain listing shows them too.
            shown_anyway = record.letter is None and selection.is_everything
            if not (shown_anyway or selection.matches(record)):
                continue
            if arguments.limit is not None and shown >= arguments.limit:
                break
            print(letter_json(record) if arguments.json else letter_line(record))
            shown += 1
    print(f"{shown} dead letters listed", file=sys.stderr)
    return 0


def _progress(report: ReplayReport) -> None:
    print(
        f"… {len(report.replayed)} sent of {report.examined} examined", file=sys.stderr, flush=True
    )


async def _replay(arguments: argparse.Namespace, settings: KafkaSettings) -> int:
    async with aclosing(read_dead_letters(settings, arguments.topic, since=arguments.since)) as rs:
        report = await replay(
            settings,
            rs,
            _selection(arguments),
            dlq_topic=arguments.topic,
            target_topic=arguments.target_topic,
            dry_run=arguments.dry_run,
            limit=arguments.limit,
            on_progress=_progress,
        )
    verb = "would send" if arguments.dry_run else "sent and acknowledged"
    print(f"examined {report.examined} dead letters; {verb} {len(report.replayed)}")
    for target, count in report.by_target.most_common():
        print(f"  to {target}\t{count}")
    if report.skipped_unreadable:
        print(f"  skipped {report.skipped_unreadable} with unreadable headers (see `list`)")
    if report.skipped_truncated:
        print(f"  skipped {report.skipped_truncated} holding only the start of a record too large")
    return 0


async def _quarantine(arguments: argparse.Namespace, settings: KafkaSettings) -> int:
    import asyncpg  # only this command needs the database

    from ioc_storage.settings import DatabaseSettings

    database = load_settings(DatabaseSettings, "ioc-dlq")
    connection = await asyncpg.connect(database.database_url.get_secret_value())
    try:
        records = await held(connection, since=arguments.since, limit=arguments.limit)
    finally:
        await connection.close()
    for record in records:
        print(quarantine_line(record, arguments.json))
    print(f"{len(records)} quarantined records listed", file=sys.stderr)
    return 0


COMMANDS = {"summary": _summary, "list": _list, "replay": _replay, "quarantine": _quarantine}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    if getattr(arguments, "limit", None) is not None and arguments.limit < 1:
        print("ioc-dlq: --limit must be at least 1", file=sys.stderr)
        return 2
    settings = load_settings(KafkaSettings, "ioc-dlq")
    try:
        return asyncio.run(COMMANDS[arguments.command](arguments, settings))
    except LookupError as error:
        print(f"ioc-dlq: {error}", file=sys.stderr)
        return 1
    except KafkaError as error:
        print(
            f"ioc-dlq: Kafka at {settings.bootstrap_servers} failed: {error!r}. "
            "Is it running? (`./dev status`)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
