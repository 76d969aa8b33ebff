"""The pass's set-based reading of figures against the real database: judging targets on
what `load_judged_series` reads gives exactly what judging them on the whole history
gave (the per-series loader the pass used before), at instants before and after
deadlines and a merge of districts, with revised, flagged, silent and too-old figures."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from ioc_alerts.adapters.alerts import SeriesRead, load_judged_series
from ioc_alerts.adapters.catalog import AlertingCatalog, load_alerting_catalog
from ioc_alerts.adapters.series import load_series
from ioc_alerts.decide.reading import by_series, chunks
from ioc_alerts.domain.evaluation import TargetEvaluation, evaluate_all
from ioc_alerts.domain.retired import on_retired_scopes
from ioc_alerts.domain.series import SERIES_HISTORY
from ioc_contracts.status import RiskStatus
from ioc_storage.catalog_sync import sync_catalog
from ioc_storage.migrate import apply_migrations, shipped_migrations
from ioc_testing import ScratchDatabase
from ioc_testing.reorganised import RETIRED_TARGET, reorganised_catalog

pytestmark = pytest.mark.connected

FIRST = datetime(2017, 1, 1, tzinfo=UTC)  # more than SERIES_HISTORY before every instant
LAST = datetime(2024, 3, 1, tzinfo=UTC)
# Before the deadlines of mid-2023 and the merge of 3/7/2023, just after both, and
# when every deadline has passed.
INSTANTS = (
    datetime(2023, 6, 15, 3, tzinfo=UTC),
    datetime(2023, 7, 10, 9, tzinfo=UTC),
    datetime(2024, 2, 1, 0, 30, tzinfo=UTC),
)
COLUMNS = (
    "indicator", "scope", "observed_at", "value", "agency", "event_id", "received_at",
    "revised_at", "quality_flags",
)  # fmt: skip


@pytest.fixture
async def catalog_database(scratch_database: ScratchDatabase) -> ScratchDatabase:
    """The test's own database with the reorganised catalog (a district merged away)."""
    connection = await asyncpg.connect(scratch_database.dsns["migrator"])
    try:
        await apply_migrations(connection, shipped_migrations())
        await sync_catalog(connection, reorganised_catalog())
    finally:
        await connection.close()
    return scratch_database


@pytest.fixture
async def alerts_connection(catalog_database: ScratchDatabase) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(catalog_database.dsns["alerts"])
    try:
        yield connection
    finally:
        await connection.close()


def history(catalog: AlertingCatalog, seed: int) -> list[tuple[object, ...]]:
    """Every series some target watches, at its cadence with gaps: reports missed, long
    silences, series that stopped long ago, one flagged figure in twenty."""
    chooser = random.Random(seed)
    rows: list[tuple[object, ...]] = []
    for indicator, scope in sorted({(t.indicator, t.scope) for t in catalog.targets.values()}):
        every = catalog.indicators[indicator].cadence.interval()
        stops = LAST - timedelta(days=chooser.choice((0, 0, 0, 30, 400, 2300)))
        at, level = FIRST + every * chooser.random(), chooser.uniform(10, 90)
        while at <= stops:
            if chooser.random() < 0.03:
                at += every * chooser.randint(3, 12)  # a silence
            if chooser.random() < 0.9:
                flags = '["outlier"]' if chooser.random() < 0.05 else "[]"
                level = min(max(level + chooser.gauss(0.2, 2.0), 0.0), 100.0)
                rows.append((indicator, scope, at, level, "vp-ubnd", uuid.uuid4(), at, at, flags))
            at += every
    return rows


async def judged_on_whole_history(
    connection: asyncpg.Connection, catalog: AlertingCatalog, now: datetime
) -> list[TargetEvaluation]:
    targets = list(catalog.targets.values())
    keys = {(t.indicator, t.scope) for t in targets}
    series = await load_series(connection, keys, since=now - SERIES_HISTORY, until=now)
    evaluations = evaluate_all(targets, catalog.indicators, series, {}, now=now)
    return on_retired_scopes(evaluations, catalog.scopes, now=now)


async def judged_as_the_pass_reads(
    connection: asyncpg.Connection, catalog: AlertingCatalog, now: datetime
) -> list[TargetEvaluation]:
    evaluations: list[TargetEvaluation] = []
    for chunk in chunks(by_series(catalog.targets.values()), catalog.indicators, now=now):
        series = await load_judged_series(
            connection, chunk.reads, until=now, oldest=now - SERIES_HISTORY
        )
        judged = evaluate_all(chunk.targets, catalog.indicators, series, {}, now=now)
        evaluations += on_retired_scopes(judged, catalog.scopes, now=now)
    return evaluations


@pytest.mark.parametrize("seed", [1, 2])
async def test_the_pass_judges_every_target_as_the_whole_history_does(
    catalog_database: ScratchDatabase, alerts_connection: asyncpg.Connection, seed: int
) -> None:
    catalog = await load_alerting_catalog(alerts_connection)
    rows = history(catalog, seed)
    writer = await asyncpg.connect(catalog_database.dsns["migrator"])
    try:
        await writer.copy_records_to_table(
            "figures", schema_name="ioc", columns=COLUMNS, records=rows
        )
        # Revisions: the newest of a figure is the one of record.
        await writer.execute(
            "UPDATE ioc.figures SET value = value + 7.5, revised_at = revised_at + interval '1 day'"
            " WHERE extract(day FROM observed_at) = 9"
        )
    finally:
        await writer.close()

    for now in INSTANTS:
        expected = sorted(await judged_on_whole_history(alerts_connection, catalog, now), key=_code)
        judged = sorted(await judged_as_the_pass_reads(alerts_connection, catalog, now), key=_code)
        assert judged == expected, now
    statuses = {e.target.code: e.status for e in expected}
    # The instants and figures do reach the cases the reading must get right.
    assert statuses[RETIRED_TARGET] is RiskStatus.SCOPE_RETIRED
    assert RiskStatus.STALE in statuses.values()
    assert {RiskStatus.ACHIEVED, RiskStatus.MISSED} & set(statuses.values())


async def test_a_silent_series_is_read_with_its_last_figure_before_the_window(
    catalog_database: ScratchDatabase, alerts_connection: asyncpg.Connection
) -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    rows = [
        # Silent for a year before the window, then one figure in it.
        ("dvc.ontime-rate", "province", now - timedelta(days=500), 90.0),
        ("dvc.ontime-rate", "province", now - timedelta(days=460), 91.0),
        ("dvc.ontime-rate", "province", now - timedelta(days=10), 80.0),
        # Flagged: never read. Older than the history: never read either.
        ("dvc.paperless-rate", "province", now - timedelta(days=20), 70.0),
        ("dvc.paperless-rate", "province", now - SERIES_HISTORY - timedelta(days=1), 10.0),
    ]
    writer = await asyncpg.connect(catalog_database.dsns["migrator"])
    try:
        await writer.copy_records_to_table(
            "figures",
            schema_name="ioc",
            columns=COLUMNS,
            records=[
                (i, s, at, v, "vp-ubnd", uuid.uuid4(), at, at, '["outlier"]' if v == 70.0 else "[]")
                for i, s, at, v in rows
            ],
        )
    finally:
        await writer.close()
    since = now - timedelta(days=90)
    reads = [
        SeriesRead("dvc.ontime-rate", "province", since=since, probe=since - timedelta(days=30)),
        SeriesRead("dvc.paperless-rate", "province", since=since, probe=since),
        SeriesRead("dvc.paperless-rate", "so-xd", since=since, probe=since),  # never reported
    ]

    series = await load_judged_series(
        alerts_connection, reads, until=now, oldest=now - SERIES_HISTORY
    )

    assert set(series) == {"dvc.ontime-rate|province"}
    read = series["dvc.ontime-rate|province"]
    assert [(o.observed_at, o.value) for o in read] == [
        (now - timedelta(days=460), 91.0),
        (now - timedelta(days=10), 80.0),
    ]


def _code(evaluation: TargetEvaluation) -> str:
    return evaluation.target.code
