"""Bình Dương's catalog with its map changed, as tests need it: two districts merged
mid-2023 and the district level removed on 1/7/2025, as Vietnam's 2025 reorganisation
did ("bỏ cấp huyện"). Built from the shipped catalog, so every other entry is the real one.

- 3/7/2023 (a Monday): Thành phố Tân Uyên and huyện Bắc Tân Uyên merge into
  `tp-tan-uyen-mr`, figures carried over as their sum.
- 1/7/2025: every district ends; the province takes over their work (no carry-over), and
  the communes ("phường") of Thủ Dầu Một answer to the province directly.
- A target on huyện Bắc Tân Uyên's e-ID approvals, left in place after the merge.
"""

from __future__ import annotations

from datetime import date

from ioc_catalog import load_catalog, require_valid
from ioc_contracts.catalog import (
    Agency,
    AgencyKind,
    CarryOver,
    Catalog,
    ScopeChange,
    ScopeChangeKind,
    Target,
    TargetKind,
)
from ioc_contracts.status import Severity

MERGE_DAY = date(2023, 7, 3)
LEVEL_REMOVED_DAY = date(2025, 7, 1)
MERGED = ("tp-tan-uyen", "h-bac-tan-uyen")
SUCCESSOR = "tp-tan-uyen-mr"
COMMUNES = ("p-phu-cuong", "p-hiep-thanh")
RETIRED_TARGET = "da06.eid-approved.h-bac-tan-uyen"
APPROVED = "da06.eid-level2-approved"


def reorganised_catalog(base: Catalog | None = None) -> Catalog:
    """The shipped catalog (or `base`) with the merge, the level removal and the target."""
    catalog = load_catalog() if base is None else base
    agencies = []
    for agency in catalog.agencies:
        if agency.kind is AgencyKind.DISTRICT:
            end = MERGE_DAY if agency.code in MERGED else LEVEL_REMOVED_DAY
            agency = agency.model_copy(update={"valid_until": end})
        agencies.append(agency)
    agencies.append(
        Agency(
            code=SUCCESSOR,
            name_vi="Thành phố Tân Uyên (sau sáp nhập huyện Bắc Tân Uyên)",
            name_en="Tân Uyên City (after absorbing Bắc Tân Uyên district)",
            kind=AgencyKind.DISTRICT,
            parent="province",
            valid_from=MERGE_DAY,
            valid_until=LEVEL_REMOVED_DAY,
        )
    )
    agencies += [
        Agency(
            code=code,
            name_vi=name,
            name_en=name.replace("Phường", "Ward"),
            kind=AgencyKind.COMMUNE,
            parent="tp-thu-dau-mot",
        )
        for code, name in zip(COMMUNES, ("Phường Phú Cường", "Phường Hiệp Thành"), strict=True)
    ]
    changes = (
        ScopeChange(
            code="2023-sap-nhap-tan-uyen",
            kind=ScopeChangeKind.MERGE,
            effective=MERGE_DAY,
            retired=MERGED,
            successors=(SUCCESSOR,),
            carry_over=CarryOver.SUM,
            note_vi="Sáp nhập huyện Bắc Tân Uyên vào thành phố Tân Uyên (ví dụ kiểm thử)",
            note_en="Bắc Tân Uyên district merged into Tân Uyên city (test example)",
        ),
        ScopeChange(
            code="2025-bo-cap-huyen",
            kind=ScopeChangeKind.LEVEL_REMOVED,
            effective=LEVEL_REMOVED_DAY,
            level=AgencyKind.DISTRICT,
            successors=("province",),
            carry_over=CarryOver.STOP,
            note_vi="Chính quyền địa phương hai cấp: bỏ cấp huyện từ 01/7/2025",
            note_en="Two-tier local government: the district level ends on 1/7/2025",
        ),
    )
    target = Target(
        code=RETIRED_TARGET,
        indicator=APPROVED,
        scope="h-bac-tan-uyen",
        kind=TargetKind.FLOOR,
        value=1_000,
        severity=Severity.WARNING,
        title_vi="Bắc Tân Uyên: hồ sơ định danh mức 2 được duyệt",
        title_en="Bắc Tân Uyên: level-2 e-ID dossiers approved",
    )
    return require_valid(
        catalog.model_copy(
            update={
                "agencies": tuple(agencies),
                "scope_changes": changes,
                "targets": (*catalog.targets, target),
            }
        )
    )
