"""What running services read back from the synced catalog.

The database, not the package's YAML, is the catalog in force: an operator may
have loaded a newer catalog than the one this service was built with.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from ioc_catalog.policy import Grant, PublishPolicy


@dataclass(frozen=True, slots=True)
class ValueRange:
    """The valid range of an indicator's values; None is open-ended."""

    low: float | None
    high: float | None

    def accepts(self, value: float) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def describe(self) -> str:
        low = "-∞" if self.low is None else f"{self.low:g}"
        high = "+∞" if self.high is None else f"{self.high:g}"
        return f"[{low}, {high}]"


@dataclass(frozen=True, slots=True)
class CatalogRules:
    """Who may publish what, and which values each indicator accepts."""

    policy: PublishPolicy
    ranges: dict[str, ValueRange]


async def read_catalog_rules(connection: asyncpg.Connection) -> CatalogRules:
    agencies = await connection.fetch("SELECT code FROM ioc.agencies")
    grant_rows = await connection.fetch("SELECT agency, indicator, scope FROM ioc.publish_grants")
    indicator_rows = await connection.fetch("SELECT code, min_value, max_value FROM ioc.indicators")
    policy = PublishPolicy(
        (row["code"] for row in agencies),
        (Grant(row["agency"], row["indicator"], row["scope"]) for row in grant_rows),
    )
    ranges = {row["code"]: ValueRange(row["min_value"], row["max_value"]) for row in indicator_rows}
    return CatalogRules(policy=policy, ranges=ranges)
