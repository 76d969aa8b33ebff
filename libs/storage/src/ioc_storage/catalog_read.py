"""What running services read back from the synced catalog.

The database, not the package's YAML, is the catalog in force: an operator may
have loaded a newer catalog than the one this service was built with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ioc_catalog.policy import Grant, PublishPolicy
from ioc_catalog.quality import FigureRules, ValueRange
from ioc_catalog.scopes import EMPTY_HISTORY, ResolvedChange, ScopeHistory, ScopeSpan
from ioc_contracts.catalog import AgencyKind, CarryOver, QualityChecks, ScopeChangeKind, Unit
from ioc_storage.connection import Connection

__all__ = [
    "CatalogRules",
    "FigureRules",
    "ValueRange",
    "read_catalog_rules",
    "read_scope_history",
]


@dataclass(frozen=True, slots=True)
class CatalogRules:
    """Who may publish what, what each indicator's figures must satisfy, and which scopes
    exist when."""

    policy: PublishPolicy
    figures: dict[str, FigureRules]
    scopes: ScopeHistory = field(default=EMPTY_HISTORY)


async def read_scope_history(connection: Connection) -> ScopeHistory:
    """The administrative map through time, as the catalog sync stored it."""
    agencies = await connection.fetch(
        "SELECT code, name_vi, kind, parent, valid_from, valid_until FROM ioc.agencies"
    )
    changes = await connection.fetch(
        """
        SELECT c.code, c.kind, c.effective, c.carry_over,
               coalesce(array_agg(s.scope ORDER BY s.position)
                        FILTER (WHERE s.role = 'retired'), '{}') AS retired,
               coalesce(array_agg(s.scope ORDER BY s.position)
                        FILTER (WHERE s.role = 'successor'), '{}') AS successors
          FROM ioc.scope_changes c
          LEFT JOIN ioc.scope_change_scopes s ON s.change = c.code
         GROUP BY c.code
        """
    )
    return ScopeHistory(
        (
            ScopeSpan(
                row["code"],
                row["name_vi"],
                AgencyKind(row["kind"]),
                row["parent"],
                row["valid_from"],
                row["valid_until"],
            )
            for row in agencies
        ),
        (
            ResolvedChange(
                row["code"],
                ScopeChangeKind(row["kind"]),
                row["effective"],
                tuple(row["retired"]),
                tuple(row["successors"]),
                CarryOver(row["carry_over"]),
            )
            for row in changes
        ),
    )


async def read_catalog_rules(connection: Connection) -> CatalogRules:
    agencies = await connection.fetch("SELECT code FROM ioc.agencies")
    grant_rows = await connection.fetch("SELECT agency, indicator, scope FROM ioc.publish_grants")
    indicator_rows = await connection.fetch(
        "SELECT code, unit, min_value, max_value, observed_since, quality::text AS quality"
        " FROM ioc.indicators"
    )
    policy = PublishPolicy(
        (row["code"] for row in agencies),
        (Grant(row["agency"], row["indicator"], row["scope"]) for row in grant_rows),
    )
    figures = {
        row["code"]: FigureRules(
            ValueRange(row["min_value"], row["max_value"]),
            Unit(row["unit"]),
            row["observed_since"],
            QualityChecks.model_validate(json.loads(row["quality"])),
        )
        for row in indicator_rows
    }
    return CatalogRules(policy=policy, figures=figures, scopes=await read_scope_history(connection))
