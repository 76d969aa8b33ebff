"""The benchmark's events: realistic, many series, keyed as in production, reproducible.

Event `n` of a workload is a pure function of (seed, series count, n), so every
contender — even one in another process or another language — gets exactly the
same events: the same ids, series, times, values and bytes.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from ioc_aggregator.outbound.copy_rows import LEDGER_COLUMNS
from ioc_catalog import load_catalog
from ioc_catalog.policy import grants
from ioc_contracts.topics import series_key_bytes

# Figures are hourly from here on: a 200k-event run over ~900 series covers ten days,
# so the hypertable has one or two chunks, as a live system's recent data does.
EPOCH = datetime(2023, 6, 1, tzinfo=UTC)
SOURCES = (
    "Hệ thống thông tin giải quyết thủ tục hành chính tỉnh Bình Dương",
    "Cổng dịch vụ công tỉnh Bình Dương",
    "Báo cáo định kỳ của Sở Thông tin và Truyền thông",
    "Kho dữ liệu dùng chung của tỉnh (LGSP)",
)
NOTES = (
    "Số liệu chính thức, đã được lãnh đạo đơn vị phê duyệt.",
    "Số liệu ước tính, sẽ cập nhật khi có báo cáo chính thức cuối kỳ.",
    "Đã đối chiếu với hồ sơ trên Cổng dịch vụ công quốc gia.",
)
# The ledger's columns a producer's event fills (the aggregator adds the rest), in order.
COLUMNS = tuple(
    c for c in LEDGER_COLUMNS if c not in ("received_at", "revised_at", "quality_flags")
)


@dataclass(frozen=True, slots=True)
class Series:
    agency: str
    indicator: str
    scope: str
    low: float
    high: float
    ratio: bool


@dataclass(frozen=True, slots=True)
class Event:
    """One IndicatorEvent v1 as the aggregator reads it, and as a database row."""

    n: int
    key: bytes
    event_id: uuid.UUID
    series: Series
    observed_at: datetime
    value: float
    numerator: float | None
    denominator: float | None
    reported_at: datetime
    source: str
    note: str

    def document(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "event_id": str(self.event_id),
            "agency": self.series.agency,
            "indicator": self.series.indicator,
            "scope": self.series.scope,
            "observed_at": self.observed_at.isoformat(),
            "value": self.value,
        }
        if self.numerator is not None:
            body["numerator"] = self.numerator
            body["denominator"] = self.denominator
        body |= {
            "reported_at": self.reported_at.isoformat(),
            "source": self.source,
            "note": self.note,
        }
        return body

    def value_bytes(self) -> bytes:
        return json.dumps(self.document(), ensure_ascii=False).encode()

    def row(self) -> tuple[object, ...]:
        """The columns the aggregator writes, in `COLUMNS` order."""
        return (
            self.event_id,
            self.observed_at,
            self.series.indicator,
            self.series.scope,
            self.series.agency,
            self.value,
            self.numerator,
            self.denominator,
            self.reported_at,
            self.source,
            self.note,
        )


def catalog_series() -> list[Series]:
    """Every series an agency may publish, one publisher each, in a stable order."""
    catalog = load_catalog()
    ranges = {i.code: i for i in catalog.indicators}
    chosen: dict[tuple[str, str], Series] = {}
    for grant in sorted(grants(catalog), key=lambda g: (g.indicator, g.scope, g.agency)):
        indicator = ranges[grant.indicator]
        low = max(indicator.min_value if indicator.min_value is not None else 0.0, 0.0)
        high = indicator.max_value if indicator.max_value is not None else 1_000_000.0
        chosen.setdefault(
            (grant.indicator, grant.scope),
            Series(
                grant.agency,
                grant.indicator,
                grant.scope,
                low,
                high,
                ratio=indicator.unit.value == "percent",
            ),
        )
    return list(chosen.values())


@dataclass(frozen=True)
class Workload:
    """Events `first`..`first + count - 1` over `series_count` series."""

    seed: int = 2023
    series_count: int = 0  # 0: every series of the catalog

    @cached_property
    def series(self) -> list[Series]:
        every = catalog_series()
        random.Random(self.seed).shuffle(every)  # noqa: S311 - a reproducible order, not a secret
        return every[: self.series_count] if self.series_count else every

    def _digest(self, n: int) -> bytes:
        return hashlib.blake2b(f"{self.seed}:{n}".encode(), digest_size=16).digest()

    def _value(self, series: Series, digest: bytes) -> float:
        share = int.from_bytes(digest[:4], "big") / 2**32
        return round(series.low + share * (series.high - series.low), 2)

    def event(self, n: int) -> Event:
        digest = self._digest(n)
        series = self.series[n % len(self.series)]
        observed_at = EPOCH + timedelta(hours=n // len(self.series))
        value = self._value(series, digest)
        numerator = denominator = None
        if series.ratio:
            denominator = 1893.0
            numerator = float(round(value / 100 * denominator))
        return Event(
            n=n,
            key=series_key_bytes(series.indicator, series.scope),
            event_id=uuid.UUID(bytes=digest, version=4),
            series=series,
            observed_at=observed_at,
            value=value,
            numerator=numerator,
            denominator=denominator,
            reported_at=observed_at + timedelta(hours=6),
            source=SOURCES[digest[4] % len(SOURCES)],
            note=NOTES[digest[5] % len(NOTES)],
        )

    def events(self, first: int, count: int) -> Iterator[Event]:
        return (self.event(n) for n in range(first, first + count))

    def fingerprint(self, count: int) -> dict[str, Any]:
        """What the hypertable must hold after events 0..count-1 were stored once each
        (compared with `FINGERPRINT_SQL`): counts, the sum of values, the time range."""
        total = 0.0
        ratios = 0
        for n in range(count):
            series = self.series[n % len(self.series)]
            total += self._value(series, self._digest(n))
            ratios += series.ratio
        return {
            "rows": count,
            "ids": count,
            "ratios": ratios,
            "reported_6h_later": count,
            "total": round(total, 2),
            "first": EPOCH.isoformat(),
            "last": (EPOCH + timedelta(hours=(count - 1) // len(self.series))).isoformat(),
        }


FINGERPRINT_SQL = """
SELECT count(*) AS rows, count(DISTINCT event_id) AS ids, count(numerator) AS ratios,
       count(*) FILTER (WHERE reported_at = observed_at + interval '6 hours') AS reported_6h_later,
       round(sum(value)::numeric, 2)::float8 AS total, min(observed_at) AS first,
       max(observed_at) AS last
FROM ioc.observations
"""


# Kafka Connect's JsonConverter with schemas.enable=true wants every value wrapped
# with its schema. Debezium's semantic types tell its sink the PostgreSQL column
# types (uuid, timestamptz) without a cast.
_FIELD_TYPES = {
    "event_id": ("string", "io.debezium.data.Uuid", False),
    "observed_at": ("string", "io.debezium.time.ZonedTimestamp", False),
    "indicator": ("string", None, False),
    "scope": ("string", None, False),
    "agency": ("string", None, False),
    "value": ("double", None, False),
    "numerator": ("double", None, True),
    "denominator": ("double", None, True),
    "reported_at": ("string", "io.debezium.time.ZonedTimestamp", True),
    "source": ("string", None, True),
    "note": ("string", None, True),
}
CONNECT_SCHEMA: dict[str, Any] = {
    "type": "struct",
    "name": "vn.ioc.IndicatorEvent",
    "optional": False,
    "fields": [
        {"field": field, "type": kind, "optional": optional} | ({"name": name} if name else {})
        for field, (kind, name, optional) in _FIELD_TYPES.items()
    ],
}


def connect_value_bytes(event: Event) -> bytes:
    """The same event in the schema'd JSON envelope Kafka Connect's JsonConverter reads."""
    payload = dict.fromkeys(_FIELD_TYPES) | event.document()
    envelope = {"schema": CONNECT_SCHEMA, "payload": payload}
    return json.dumps(envelope, ensure_ascii=False).encode()
