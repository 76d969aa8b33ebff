"""The catalog goes into the real database whole, or not at all."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path

import asyncpg
import pytest

from ioc_catalog import dump_catalog, generate_catalog, grants, load_catalog
from ioc_catalog.scopes import ScopeHistory
from ioc_storage.catalog_read import read_scope_history
from ioc_storage.catalog_sync import CatalogSyncError, sync_catalog
from ioc_storage.migrate import apply_migrations, shipped_migrations
from ioc_testing import ScratchDatabase
from ioc_testing.pipeline import migrate_with_catalog
from ioc_testing.reorganised import reorganised_catalog

pytestmark = pytest.mark.connected


async def _counts(dsn: str) -> dict[str, int]:
    connection = await asyncpg.connect(dsn)
    try:
        return {
            table: int(await connection.fetchval(f"SELECT count(*) FROM ioc.{table}"))
            for table in (
                "domains",
                "agencies",
                "indicators",
                "publish_grants",
                "targets",
                "target_escalations",
                "recipients",
            )
        }
    finally:
        await connection.close()


def _load_with_cli(database: ScratchDatabase, folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IOC_DATABASE_URL": database.dsns["migrator"]}
    return subprocess.run(
        [sys.executable, "-m", "ioc_storage.cli", "load-catalog", "--dir", str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_the_shipped_catalog_loads_and_reloads_unchanged(
    scratch_database: ScratchDatabase,
) -> None:
    catalog = load_catalog()
    await migrate_with_catalog(scratch_database)
    first = await _counts(scratch_database.dsns["reader"])
    await migrate_with_catalog(scratch_database)
    assert await _counts(scratch_database.dsns["reader"]) == first
    assert first["domains"] == 27
    assert first["agencies"] == 29
    assert first["indicators"] == len(catalog.indicators)
    assert first["publish_grants"] == len(grants(catalog))
    assert first["targets"] == len(catalog.targets)
    reader = await asyncpg.connect(scratch_database.dsns["reader"])
    try:
        target = await reader.fetchrow(
            "SELECT t.kind, t.value, t.deadline, i.name_vi FROM ioc.targets t "
            "JOIN ioc.indicators i ON i.code = t.indicator WHERE t.code = 'dvc.paperless-100'"
        )
    finally:
        await reader.close()
    assert target is not None
    assert (target["kind"], target["value"], str(target["deadline"])) == (
        "deadline",
        100.0,
        "2023-09-30",
    )
    assert "hồ sơ giấy" in target["name_vi"]


async def test_a_catalog_of_a_thousand_indicators_syncs(
    scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    connection = await asyncpg.connect(scratch_database.dsns["migrator"])
    try:
        await apply_migrations(connection, shipped_migrations())
    finally:
        await connection.close()
    dump_catalog(generate_catalog(indicators=1200, domains=27), tmp_path)
    result = _load_with_cli(scratch_database, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1200 indicators" in result.stderr
    counts = await _counts(scratch_database.dsns["reader"])
    assert counts["indicators"] == 1200
    assert counts["domains"] == 27


async def test_a_bad_catalog_is_refused_by_name_and_changes_nothing(
    scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    await migrate_with_catalog(scratch_database)
    before = await _counts(scratch_database.dsns["reader"])
    catalog = load_catalog()
    broken = catalog.model_copy(
        update={
            "indicators": (
                catalog.indicators[0].model_copy(update={"domain": "khong-ton-tai"}),
                *catalog.indicators[1:],
            )
        }
    )
    dump_catalog(broken, tmp_path)
    result = _load_with_cli(scratch_database, tmp_path)
    assert result.returncode == 1
    assert (
        f"indicators.yaml: indicator '{catalog.indicators[0].code}': unknown domain 'khong-ton-tai'"
        in result.stderr
    )
    assert "nothing was loaded" in result.stderr
    assert await _counts(scratch_database.dsns["reader"]) == before


async def test_removed_entries_leave_the_database_but_not_a_target_with_history(
    scratch_database: ScratchDatabase,
) -> None:
    await migrate_with_catalog(scratch_database)
    catalog = load_catalog()
    kept, removed = catalog.targets[:-1], catalog.targets[-1]
    migrator = await asyncpg.connect(scratch_database.dsns["migrator"])
    try:
        await sync_catalog(migrator, catalog.model_copy(update={"targets": kept}))
        codes = {r["code"] for r in await migrator.fetch("SELECT code FROM ioc.targets")}
        assert removed.code not in codes
        assert len(codes) == len(kept)
        # A target that has raised an alert keeps its history: removing it is refused.
        await sync_catalog(migrator, catalog)
        await migrator.execute(
            "INSERT INTO ioc.alerts (id, target, state, risk_status, severity) "
            "VALUES ($1, $2, 'firing', 'at_risk', 'warning')",
            uuid.uuid4(),
            removed.code,
        )
        with pytest.raises(CatalogSyncError, match="still referenced"):
            await sync_catalog(migrator, catalog.model_copy(update={"targets": kept}))
        assert (
            await migrator.fetchval(
                "SELECT count(*) FROM ioc.targets WHERE code = $1", removed.code
            )
            == 1
        )
    finally:
        await migrator.close()


async def test_the_map_s_changes_read_back_as_the_catalog_says(
    scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    catalog = reorganised_catalog()
    # Through the YAML files and the command operators run, then back as services read it.
    dump_catalog(catalog, tmp_path)
    connection = await asyncpg.connect(scratch_database.dsns["migrator"])
    try:
        await apply_migrations(connection, shipped_migrations())
    finally:
        await connection.close()
    loaded = _load_with_cli(scratch_database, tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert "2 scope changes" in loaded.stderr
    expected = ScopeHistory.from_catalog(catalog)
    connection = await asyncpg.connect(scratch_database.dsns["writer"])
    try:
        stored = await read_scope_history(connection)
    finally:
        await connection.close()
    assert stored.changes == expected.changes
    # The removed level's retired scopes are listed one by one.
    level = next(change for change in stored.changes if change.kind == "level_removed")
    assert len(level.retired) == 8
    assert "tp-tan-uyen-mr" in level.retired
    for day in ("2023-07-02", "2023-07-03", "2025-07-01"):
        at = datetime.fromisoformat(f"{day}T08:00:00+07:00")
        for scope in ("h-bac-tan-uyen", "tp-tan-uyen-mr", "p-phu-cuong", "tp-di-an"):
            assert stored.check(scope, at) == expected.check(scope, at)
            assert stored.parent_at(scope, at) == expected.parent_at(scope, at)
