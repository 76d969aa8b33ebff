"""`ioc-db operator` and `ioc-db operator-token`: the operators' accounts and tokens.

Run as the migration role, like `api-key`: the alert service may only read the token
hashes. Every change is written to the audit log, in the same transaction, with the
system user who ran the command as its actor.
"""

from __future__ import annotations

import argparse
import sys

import asyncpg

from ioc_runtime import load_settings
from ioc_storage.audit import AuditAction, AuditRecord, cli_actor, record_audit
from ioc_storage.connection import Connection
from ioc_storage.operators import (
    OperatorAccount,
    OperatorTokenInfo,
    Role,
    create_operator,
    disable_operator,
    issue_operator_token,
    list_operator_tokens,
    list_operators,
    revoke_operator_token,
    set_role,
)
from ioc_storage.settings import DatabaseSettings

_ROLES = [role.value for role in Role]


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def add_operator_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    operator = commands.add_parser(
        "operator", help="create, change, disable and list the operators' accounts"
    )
    actions = operator.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create an account")
    create.add_argument("--name", required=True, help="login name, e.g. nguyen.van.an")
    create.add_argument("--display-name", required=True, help="e.g. 'Nguyễn Văn An (trực ban)'")
    create.add_argument(
        "--role",
        required=True,
        choices=_ROLES,
        help="viewer reads; operator also acknowledges and silences; admin also reads "
        "the audit log and the accounts",
    )
    role = actions.add_parser("set-role", help="change an account's role")
    role.add_argument("--name", required=True)
    role.add_argument("--role", required=True, choices=_ROLES)
    disable = actions.add_parser("disable", help="disable an account and revoke its tokens")
    disable.add_argument("--name", required=True)
    actions.add_parser("list", help="list the accounts")

    token = commands.add_parser(
        "operator-token", help="issue, revoke and list the operators' personal API tokens"
    )
    token_actions = token.add_subparsers(dest="action", required=True)
    issue = token_actions.add_parser(
        "create", help="issue a token for an account and print it once"
    )
    issue.add_argument("--operator", required=True, help="the account's name")
    issue.add_argument("--comment", help="e.g. 'laptop of the duty desk'")
    revoke = token_actions.add_parser(
        "revoke", help="revoke the token with this prefix (refused at once)"
    )
    revoke.add_argument("--prefix", required=True, help="the 8 characters after 'iocop_'")
    listing = token_actions.add_parser("list", help="list tokens (never the secrets)")
    listing.add_argument("--operator", help="only this account's tokens")


async def run_operator_command(arguments: argparse.Namespace) -> int:
    settings = load_settings(DatabaseSettings, "ioc-db")
    connection = await asyncpg.connect(settings.database_url.get_secret_value())
    try:
        if arguments.command == "operator":
            return await _account_command(connection, arguments)
        return await _token_command(connection, arguments)
    finally:
        await connection.close()


async def _audit(
    connection: Connection, action: AuditAction, subject: str, **detail: object
) -> None:
    await record_audit(
        connection, AuditRecord(actor=cli_actor(), action=action, subject=subject, detail=detail)
    )


async def _account_command(connection: Connection, arguments: argparse.Namespace) -> int:
    if arguments.action == "list":
        print("name\trole\tstate\tdisplay name")
        for account in await list_operators(connection):
            print(_describe_account(account))
        return 0
    async with connection.transaction():
        if arguments.action == "create":
            account = await create_operator(
                connection,
                name=arguments.name,
                display_name=arguments.display_name,
                role=Role(arguments.role),
            )
            await _audit(connection, AuditAction.OPERATOR_CREATE, account.name, role=account.role)
        elif arguments.action == "set-role":
            account = await set_role(connection, name=arguments.name, role=Role(arguments.role))
            await _audit(connection, AuditAction.OPERATOR_ROLE, account.name, role=account.role)
        else:
            account = await disable_operator(connection, name=arguments.name)
            await _audit(connection, AuditAction.OPERATOR_DISABLE, account.name)
    _say(_describe_account(account))
    return 0


async def _token_command(connection: Connection, arguments: argparse.Namespace) -> int:
    if arguments.action == "list":
        print("prefix\toperator\tcreated\tstate\tcomment")
        for token in await list_operator_tokens(connection, operator=arguments.operator):
            print(_describe_token(token))
        return 0
    if arguments.action == "create":
        async with connection.transaction():
            issued = await issue_operator_token(
                connection, operator=arguments.operator, comment=arguments.comment
            )
            await _audit(
                connection,
                AuditAction.OPERATOR_TOKEN_CREATE,
                issued.token_prefix,
                operator=issued.operator,
                comment=arguments.comment,
            )
        # The token alone on stdout, so `TOKEN=$(ioc-db operator-token create ...)` works.
        print(issued.token, flush=True)
        _say(
            f"created operator token {issued.token_prefix} for {issued.operator!r}. It is "
            "shown only this once: hand it to its owner over a secure channel."
        )
        return 0
    async with connection.transaction():
        revoked = await revoke_operator_token(connection, prefix=arguments.prefix)
        for token in revoked:
            await _audit(
                connection,
                AuditAction.OPERATOR_TOKEN_REVOKE,
                token.token_prefix,
                operator=token.operator,
            )
    if not revoked:
        _say(f"ioc-db: no active operator token has the prefix {arguments.prefix!r}")
        return 1
    for token in revoked:
        _say(f"revoked operator token {token.token_prefix} of {token.operator!r}")
    return 0


def _describe_account(account: OperatorAccount) -> str:
    state = "active" if account.active else f"disabled {account.disabled_at:%Y-%m-%d %H:%M%z}"
    return "\t".join((account.name, account.role.value, state, account.display_name))


def _describe_token(token: OperatorTokenInfo) -> str:
    state = "active" if token.revoked_at is None else f"revoked {token.revoked_at:%Y-%m-%d %H:%M%z}"
    return "\t".join(
        (
            token.token_prefix,
            token.operator,
            f"{token.created_at:%Y-%m-%d %H:%M:%S%z}",
            state,
            token.comment or "",
        )
    )
