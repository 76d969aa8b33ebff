"""The catalog in force, read from the database the alert service judges against."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

import asyncpg

from ioc_alerts.lifecycle.decisions import EscalationStep
from ioc_catalog.scopes import EMPTY_HISTORY, ScopeHistory
from ioc_contracts.catalog import (
    Agency,
    Baseline,
    EscalationLevel,
    Indicator,
    PublishGrant,
    Recipient,
    Target,
)
from ioc_storage.catalog_read import read_scope_history
from ioc_storage.connection import Connection


@dataclass(frozen=True)
class AlertingCatalog:
    targets: dict[str, Target]
    indicators: dict[str, Indicator]
    agencies: dict[str, Agency]
    recipients: dict[str, Recipient]
    steps: dict[str, tuple[EscalationStep, ...]] = field(default_factory=dict)
    scopes: ScopeHistory = field(default=EMPTY_HISTORY)

    def targets_of_series(self, indicator: str, scope: str) -> list[Target]:
        return [t for t in self.targets.values() if t.indicator == indicator and t.scope == scope]

    def scope_names(self, scope: str) -> tuple[str, str]:
        agency = self.agencies.get(scope)
        return (agency.name_vi, agency.name_en) if agency else (scope, scope)


async def load_alerting_catalog(connection: Connection) -> AlertingCatalog:
    grants: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in await connection.fetch(
        "SELECT indicator, agency, scope FROM ioc.publish_grants ORDER BY 1, 2, 3"
    ):
        grants[row["indicator"]][row["agency"]].append(row["scope"])
    indicators = {}
    for row in await connection.fetch("SELECT * FROM ioc.indicators"):
        # Grants come back expanded; as explicit agency/scope lists they are still
        # valid grants, which the model requires at least one of.
        publishers = tuple(
            PublishGrant(agency=agency, scopes=tuple(scopes))
            for agency, scopes in grants[row["code"]].items()
        ) or (PublishGrant(agency="province", scopes=("province",)),)
        indicators[row["code"]] = Indicator(
            code=row["code"],
            name_vi=row["name_vi"],
            name_en=row["name_en"],
            domain=row["domain"],
            unit=row["unit"],
            direction=row["direction"],
            cadence=row["cadence"],
            rollup=row["rollup"],
            publishers=publishers,
            min_value=row["min_value"],
            max_value=row["max_value"],
            description_vi=row["description_vi"],
            due_day=row["due_day"],
        )
    escalations: dict[str, list[asyncpg.Record]] = defaultdict(list)
    for row in await connection.fetch(
        "SELECT * FROM ioc.target_escalations ORDER BY target, level"
    ):
        escalations[row["target"]].append(row)
    targets = {}
    for row in await connection.fetch("SELECT * FROM ioc.targets"):
        levels = escalations[row["code"]]
        targets[row["code"]] = Target(
            code=row["code"],
            indicator=row["indicator"],
            scope=row["scope"],
            kind=row["kind"],
            value=row["value"],
            deadline=row["deadline"],
            baseline=(
                Baseline(value=row["baseline_value"], at=row["baseline_at"])
                if row["baseline_at"] is not None
                else None
            ),
            severity=row["severity"],
            escalation=tuple(
                EscalationLevel(
                    after_minutes=level["after_minutes"], notify=tuple(level["recipients"])
                )
                for level in levels
            ),
            title_vi=row["title_vi"],
            title_en=row["title_en"],
        )
    agencies = {
        row["code"]: Agency(
            code=row["code"], name_vi=row["name_vi"], name_en=row["name_en"], kind=row["kind"]
        )
        for row in await connection.fetch("SELECT code, name_vi, name_en, kind FROM ioc.agencies")
    }
    recipients = {
        row["id"]: Recipient(
            id=row["id"],
            name=row["name"],
            role_vi=row["role_vi"],
            email=row["email"],
            telegram_chat_id=row["telegram_chat_id"],
            zalo_user_id=row["zalo_user_id"],
            language=row["language"],
            agency=row["agency"],
            duty=row["duty"],
        )
        for row in await connection.fetch("SELECT * FROM ioc.recipients")
    }
    steps = {
        code: tuple(
            EscalationStep(level, timedelta(minutes=step.after_minutes), step.notify)
            for level, step in enumerate(target.escalation)
        )
        for code, target in targets.items()
    }
    scopes = await read_scope_history(connection)
    return AlertingCatalog(targets, indicators, agencies, recipients, steps, scopes)
