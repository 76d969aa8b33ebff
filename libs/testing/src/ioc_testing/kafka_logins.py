"""The local broker's SASL listener and its principals, for the Kafka security tests.

deploy/local/kafka.sh writes the listener's address and one password per principal to
`.local/kafka-sasl.env`; `./dev` exports the same variables, which take precedence.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr

from ioc_messaging.acl_admin import create_acls, delete_acls, describe_acls
from ioc_messaging.acls import Acl
from ioc_messaging.settings import KafkaSettings, SaslMechanism, SecurityProtocol
from ioc_runtime.env_file import read_env_file


@dataclass(frozen=True)
class SaslListener:
    bootstrap_servers: str
    entries: dict[str, str]

    def password(self, principal: str) -> str:
        variable = "IOC_KAFKA_PASSWORD_" + principal.upper().replace("-", "_")
        if variable not in self.entries:
            pytest.fail(f"{variable} is missing: restart Kafka with deploy/local/kafka.sh start")
        return self.entries[variable]

    def settings(self, principal: str, *, password: str | None = None) -> KafkaSettings:
        """A client logging in as `principal` (with its own password unless one is given)."""
        return KafkaSettings(
            bootstrap_servers=self.bootstrap_servers,
            client_id=f"test-{principal}",
            security_protocol=SecurityProtocol.SASL_PLAINTEXT,
            sasl_mechanism=SaslMechanism.PLAIN,
            sasl_username=principal,
            sasl_password=SecretStr(password if password is not None else self.password(principal)),
        )


def _sasl_env_file(root: Path) -> Path:
    if "IOC_KAFKA_SASL_ENV_FILE" in os.environ:
        return Path(os.environ["IOC_KAFKA_SASL_ENV_FILE"])
    if "IOC_ENV_FILE" in os.environ:
        return Path(os.environ["IOC_ENV_FILE"]).parent / "kafka-sasl.env"
    return root / ".local" / "kafka-sasl.env"


def _listening(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def sasl_listener(pytestconfig: pytest.Config) -> SaslListener:
    path = _sasl_env_file(pytestconfig.rootpath)
    entries = read_env_file(path) | {
        k: v for k, v in os.environ.items() if k.startswith("IOC_KAFKA_")
    }
    address = entries.get("IOC_KAFKA_SASL_BOOTSTRAP_SERVERS")
    if address is None or not _listening(address):
        pytest.fail(
            f"Kafka's SASL listener is not running ({path}: {address or 'missing'}): "
            "start the broker with the current deploy/local/kafka.sh (./dev infra)",
            pytrace=False,
        )
    return SaslListener(address, entries)


# Generous: the broker shares two cores with the whole test suite.
ACL_WAIT_SECONDS = 60.0


async def wait_for_acls(
    admin: KafkaSettings, acls: Iterable[Acl], *, held: bool, within: float = ACL_WAIT_SECONDS
) -> None:
    """Waits until the broker's authorizer holds every rule of `acls` (or none of them).

    The controller answers CreateAcls/DeleteAcls once the change is in its metadata log;
    the broker's authorizer applies it a moment later. Its DescribeAcls answer comes
    from the same rules it authorizes with, so once it shows the change, it is in force.
    """
    wanted: dict[str, set[Acl]] = {}
    for acl in acls:
        wanted.setdefault(acl.principal, set()).add(acl)
    deadline = asyncio.get_running_loop().time() + within
    while True:
        pending = {}
        for principal, rules in wanted.items():
            current = await describe_acls(admin, principal)
            left = rules - current if held else rules & current
            if left:
                pending[principal] = left
        if not pending:
            return
        if asyncio.get_running_loop().time() > deadline:
            state = "in force" if held else "removed"
            raise AssertionError(f"ACLs not {state} after {within} s: {pending}")
        await asyncio.sleep(0.2)


async def grant(admin: KafkaSettings, acls: Iterable[Acl]) -> None:
    """Creates the rules and returns once the broker enforces them."""
    rules = list(acls)
    await create_acls(admin, rules)
    await wait_for_acls(admin, rules, held=True)


async def revoke(admin: KafkaSettings, acls: Iterable[Acl]) -> None:
    """Deletes the rules and returns once the broker no longer holds them."""
    rules = list(acls)
    await delete_acls(admin, rules)
    await wait_for_acls(admin, rules, held=False)


@contextlib.asynccontextmanager
async def rules_in_force(admin: KafkaSettings, acls: Iterable[Acl]) -> AsyncIterator[None]:
    """The rules, enforced by the broker for the block and gone after it."""
    rules = list(acls)
    await grant(admin, rules)
    try:
        yield
    finally:
        await revoke(admin, rules)
