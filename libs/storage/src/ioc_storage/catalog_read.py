"""What running services read back from the synced catalog.

The database, not the package's YAML, is the catalog in force: an operator may
have loaded a newer catalog than the one this service was built with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ioc_catalog.policy import Grant, PublishPolicy
from ioc_catalog.quality import FigureRules, ValueRange
from ioc_contracts.catalog import QualityChecks, Unit
from ioc_storage.connection import Connection

__all__ = ["CatalogRules", "FigureRules", "ValueRange", "read_catalog_rules"]


@dataclass(frozen=True, slots=True)
class CatalogRules:
    """Who may publish what, and what each indicator's figures must satisfy."""

    policy: PublishPolicy
    figures: dict[str, FigureRules]


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
    return CatalogRules(policy=policy, figures=figures)
