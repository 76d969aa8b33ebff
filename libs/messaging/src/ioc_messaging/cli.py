"""`ioc-topics`: create and list the IOC monitor's Kafka topics, and apply its ACLs."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from aiokafka.errors import KafkaError

from ioc_contracts.topics import ALL_TOPICS
from ioc_messaging.acl_admin import create_acls, describe_acls
from ioc_messaging.acls import SERVICE_PRINCIPALS, Acl, agency_principal, all_acls
from ioc_messaging.settings import KafkaSettings
from ioc_messaging.topics_admin import ensure_topics, topic_drift
from ioc_runtime import load_settings


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
    acls = commands.add_parser(
        "acls",
        help="apply each service's least-privilege ACLs (and those of --agency principals) "
        "through the admin API; connect as a super user (IOC_KAFKA_SASL_USERNAME=ioc-admin)",
    )
    acls.add_argument(
        "--agency",
        action="append",
        default=[],
        metavar="CODE",
        help="also let agency CODE (principal agency-CODE) write ioc.indicator-events; repeatable",
    )
    mode = acls.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="print the rules, change nothing")
    mode.add_argument(
        "--check",
        action="store_true",
        help="compare the broker's rules of these principals with the code; exit 1 if they differ",
    )
    return parser


def _by_principal(rules: list[Acl]) -> dict[str, set[Acl]]:
    grouped: dict[str, set[Acl]] = {}
    for rule in rules:
        grouped.setdefault(rule.principal, set()).add(rule)
    return grouped


async def _acl_drift(settings: KafkaSettings, wanted: list[Acl]) -> list[str]:
    problems: list[str] = []
    for principal, rules in sorted(_by_principal(wanted).items()):
        held = await describe_acls(settings, principal)
        problems += [f"missing: {rule}" for rule in sorted(rules - held)]
        problems += [f"not in the code (remove it): {rule}" for rule in sorted(held - rules)]
    return problems


def _acls(arguments: argparse.Namespace, settings: KafkaSettings) -> int:
    try:
        principals = [agency_principal(code) for code in arguments.agency]
    except ValueError as error:
        print(f"ioc-topics: {error}", file=sys.stderr)
        return 2
    wanted = all_acls(arguments.agency)
    if arguments.dry_run:
        for rule in wanted:
            print(rule)
        return 0
    try:
        if arguments.check:
            problems = asyncio.run(_acl_drift(settings, wanted))
            for problem in problems:
                print(problem, file=sys.stderr)
            if problems:
                return 1
            print("ACLs match the code", file=sys.stderr)
            return 0
        applied = asyncio.run(create_acls(settings, wanted))
    except KafkaError as error:
        print(
            f"ioc-topics: ACLs on Kafka at {settings.bootstrap_servers} as "
            f"{settings.sasl_username or 'ANONYMOUS'}: {error}",
            file=sys.stderr,
        )
        return 1
    print(
        f"ACLs applied: {applied} rules for {', '.join([*SERVICE_PRINCIPALS, *principals])}",
        file=sys.stderr,
    )
    return 0


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
    settings = load_settings(KafkaSettings, "ioc-topics")
    if arguments.command == "check":
        return _check(settings)
    if arguments.command == "acls":
        return _acls(arguments, settings)
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
