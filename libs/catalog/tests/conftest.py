"""A small valid catalog, written to a temporary folder, that each test then breaks."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

CatalogData = dict[str, list[dict[str, Any]]]
WriteCatalog = Callable[..., Path]

_SMALL_CATALOG: CatalogData = {
    "domains": [
        {
            "code": "dich-vu-cong",
            "name_vi": "Dịch vụ công trực tuyến",
            "name_en": "Online services",
        },
        {"code": "chuyen-doi-so", "name_vi": "Chuyển đổi số", "name_en": "Digital transformation"},
    ],
    "agencies": [
        {"code": "province", "name_vi": "UBND tỉnh", "name_en": "Province", "kind": "province"},
        {
            "code": "so-tttt",
            "name_vi": "Sở TT&TT",
            "name_en": "DIC",
            "kind": "department",
            "parent": "province",
        },
        {
            "code": "so-tnmt",
            "name_vi": "Sở TN&MT",
            "name_en": "DONRE",
            "kind": "department",
            "parent": "province",
        },
        {
            "code": "tp-di-an",
            "name_vi": "TP Dĩ An",
            "name_en": "Dĩ An",
            "kind": "district",
            "parent": "province",
        },
    ],
    "indicators": [
        {
            "code": "dvc.paperless-rate",
            "name_vi": "Tỷ lệ DVCTT không nhận hồ sơ giấy",
            "name_en": "Paperless online services",
            "domain": "dich-vu-cong",
            "unit": "percent",
            "direction": "higher_is_better",
            "cadence": "weekly",
            "rollup": "last",
            "publishers": [
                {"agency": "departments", "scopes": ["own"]},
                {"agency": "so-tttt", "scopes": ["province"]},
            ],
        },
        {
            "code": "cchc.par-index-rank",
            "name_vi": "Thứ hạng PAR INDEX",
            "name_en": "PAR INDEX rank",
            "domain": "dich-vu-cong",
            "unit": "rank",
            "direction": "lower_is_better",
            "cadence": "yearly",
            "rollup": "last",
            "publishers": [{"agency": "so-tttt", "scopes": ["province"]}],
        },
    ],
    "targets": [
        {
            "code": "dvc.paperless-100",
            "indicator": "dvc.paperless-rate",
            "scope": "province",
            "kind": "deadline",
            "value": 100,
            "deadline": "2023-09-30",
            "baseline": {"value": 37, "at": "2023-06-01"},
            "severity": "critical",
            "escalation": [{"after_minutes": 0, "notify": ["chu-tich-ubnd"]}],
            "title_vi": "100% DVCTT không giấy",
            "title_en": "All paperless",
        }
    ],
    "recipients": [
        {
            "id": "chu-tich-ubnd",
            "name": "Chủ tịch",
            "role_vi": "Chủ tịch UBND tỉnh",
            "email": "chu-tich@ubnd.binhduong.example",
        },
    ],
}


@pytest.fixture
def small_catalog() -> CatalogData:
    """A fresh, valid catalog as plain data; tests edit it before writing."""
    return copy.deepcopy(_SMALL_CATALOG)


@pytest.fixture
def write_catalog(tmp_path: Path) -> WriteCatalog:
    """Write catalog data (and optionally raw file texts) into tmp_path/catalog."""

    def write(data: CatalogData, raw: dict[str, str] | None = None) -> Path:
        folder = tmp_path / "catalog"
        folder.mkdir(exist_ok=True)
        for key, entries in data.items():
            text = yaml.safe_dump({key: entries}, allow_unicode=True, sort_keys=False)
            (folder / f"{key}.yaml").write_text(text, encoding="utf-8")
        for name, text in (raw or {}).items():
            (folder / name).write_text(text, encoding="utf-8")
        return folder

    return write
