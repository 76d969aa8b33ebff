"""`ioc-topics`: create and list the IOC monitor's Kafka topics."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from aiokafka.errors import KafkaError

from ioc_contracts.topics import ALL_TOPICS
from ioc_messaging.settings import KafkaSettings
from ioc_messaging.topics_admin import ensure_topics, topic_drift


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ioc-topics",
        description="Manage the IOC monitor's Kafka topics. The broker comes from "
        "IOC_KAFKA_BOOTSTRAP_SERVERS (default 127.0.0.1:9092).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "create",
        help="create missing topics with their partitions and retention, "
        "IOC_KAFKA_REPLICATION_FACTOR copies each (default 1)",
    )
    commands.add_parser("list", help="print the topics the contracts define")
    commands.add_parser(
        "check",
        help="compare the broker's topics with the contract (partitions, replicas); "
        "exit 1 if they differ",
    )
    return parser


def _check(settings: KafkaSettings) -> int:
    try:
        problems = asyncio.run(topic_drift(settings))
    except KafkaError as error:
        print(
            f"ioc-topics: cannot reach Kafka at {settings.bootstrap_servers}: {error}",
            file=sys.stderr,
        )
        return 1
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(f"topics match the contract ({len(ALL_TOPICS)} topics)", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    if arguments.command == "list":
        for spec in ALL_TOPICS:
            print(f"{spec.name}\t{spec.partitions} partitions\t{spec.description}")
        return 0
    settings = KafkaSettings()
    if arguments.command == "check":
        return _check(settings)
    try:
        created = asyncio.run(
            ensure_topics(
                settings,
                on_created=lambda spec: print(
                    f"created {spec.name} ({spec.partitions} partitions)", file=sys.stderr
                ),
            )
        )
    except KafkaError as error:
        print(
            f"ioc-topics: cannot reach Kafka at {settings.bootstrap_servers}: {error}",
            file=sys.stderr,
        )
        return 1
    print(
        f"topics ready: {len(created)} created, {len(ALL_TOPICS) - len(created)} already there",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
