"""Applies, reads and removes Kafka ACLs through the admin API (Create/Describe/DeleteAcls).

aiokafka's AIOKafkaAdminClient has no create_acls/describe_acls, but aiokafka ships the
protocol's request classes; this sends them over its client, authenticated like every
other client (`connection_options`). Only a super user or a principal with ALTER on the
cluster may change ACLs: locally `ioc-admin`, or PLAINTEXT's ANONYMOUS.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiokafka.client import AIOKafkaClient
from aiokafka.errors import KafkaConnectionError, KafkaError, for_code
from aiokafka.protocol.admin import CreateAclsRequest, DeleteAclsRequest, DescribeAclsRequest

from ioc_messaging.acls import Acl, Operation, PatternType, Permission, ResourceType
from ioc_messaging.clients import check_login
from ioc_messaging.security import connection_options
from ioc_messaging.settings import KafkaSettings

_ANY_HOST = "*"


class AclError(KafkaError):  # type: ignore[misc]  # aiokafka is untyped
    """The broker refused to create or describe ACLs (no authorizer, not allowed...)."""


def _raise_for(code: int, message: str | None, what: str) -> None:
    if code != 0:
        name = for_code(code).__name__
        raise AclError(f"{what}: {name}{f' ({message})' if message else ''}")


async def _client(settings: KafkaSettings) -> AIOKafkaClient:
    client = AIOKafkaClient(**connection_options(settings))
    try:
        await client.bootstrap()
    except KafkaConnectionError:
        await client.close()
        await check_login(settings)  # a refused login, said plainly
        raise
    except BaseException:
        await client.close()
        raise
    return client


async def _send(client: AIOKafkaClient, request: Any) -> Any:
    return await client.send(client.get_random_node(), request)


def _rule(request: type[CreateAclsRequest | DeleteAclsRequest], acl: Acl) -> Any:
    return request(
        acl.resource_type,
        acl.resource_name,
        PatternType.LITERAL,
        acl.kafka_principal,
        _ANY_HOST,
        acl.operation,
        Permission.ALLOW,
    )


async def create_acls(settings: KafkaSettings, acls: Iterable[Acl]) -> int:
    """Creates each rule (creating one that exists is a no-op); returns how many were sent."""
    client = await _client(settings)
    sent = 0
    try:
        for acl in acls:
            response = await _send(client, _rule(CreateAclsRequest, acl))
            for code, message in response.creation_responses:
                _raise_for(code, message, f"creating ACL {acl}")
            sent += 1
    finally:
        await client.close()
    return sent


async def delete_acls(settings: KafkaSettings, acls: Iterable[Acl]) -> int:
    """Removes each rule (revoking an agency, cleaning up); returns how many existed."""
    client = await _client(settings)
    removed = 0
    try:
        for acl in acls:
            response = await _send(client, _rule(DeleteAclsRequest, acl))
            for code, message, matching in response.filter_responses:
                _raise_for(code, message, f"deleting ACL {acl}")
                removed += len(matching)
    finally:
        await client.close()
    return removed


async def describe_acls(settings: KafkaSettings, principal: str) -> set[Acl]:
    """The literal ALLOW rules the broker holds for `principal` (a user name).

    Rules this module cannot express (DENY, prefixed patterns, a host) come back as a
    problem to look at, not silently dropped.
    """
    client = await _client(settings)
    try:
        response = await _send(
            client,
            DescribeAclsRequest(
                ResourceType.ANY,
                None,
                PatternType.ANY,
                f"User:{principal}",
                None,
                Operation.ANY,
                Permission.ANY,
            ),
        )
    finally:
        await client.close()
    _raise_for(response.error_code, response.error_message, f"describing ACLs of {principal}")
    found: set[Acl] = set()
    for resource_type, resource_name, pattern_type, rules in response.resources:
        for _principal, host, operation, permission in rules:
            if (pattern_type, host, permission) != (
                PatternType.LITERAL,
                _ANY_HOST,
                Permission.ALLOW,
            ):
                msg = (
                    f"{principal} has a rule on {resource_name} this tool does not manage "
                    f"(pattern {pattern_type}, host {host}, permission {permission})"
                )
                raise AclError(msg)
            found.add(
                Acl(principal, ResourceType(resource_type), resource_name, Operation(operation))
            )
    return found
