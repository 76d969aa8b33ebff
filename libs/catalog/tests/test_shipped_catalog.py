"""The Bình Dương catalog shipped in the package loads and says what the report says."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from ioc_catalog import PublishPolicy, default_catalog_dir, load_catalog
from ioc_contracts.catalog import (
    AgencyKind,
    Catalog,
    Direction,
    Target,
    TargetKind,
    Unit,
)
from ioc_contracts.status import Severity

# One indicator per figure of DESIGN.md's "Figures in the seed" table.
SEED_FIGURE_INDICATORS = [
    "dvc.online-full-rate",  # 697 / 1,893
    "dvc.online-partial-rate",  # 692 / 1,893
    "dvc.info-only-rate",  # 504 / 1,893
    "dvc.paperless-rate",  # 731 / 1,950; goal 100% of eligible
    "cds.ioc-indicators",  # > 1,000
    "cds.ioc-domains",  # 27
    "cds.department-monitoring-rate",  # 13 / 19
    "cds.district-monitoring-rate",  # 9 / 9
    "dn.active-enterprises",  # 43,117
    "cds.digital-enterprises",  # 8,705
    "cds.sme-digital-platforms",  # 41,162
    "nh.adults-bank-account-rate",  # 82%
    "cds.ict-skills-rate",  # 89%
    "cds.community-digital-teams",  # 586
    "da06.essential-services-rate",  # 23 / 25
    "dvc.level34-portal-rate",  # 1,290 / 1,290
    "dvc.portal-accounts",  # 139,525
    "da06.eid-level2-collected-rate",  # 607,725 / 1,005,735
    "da06.eid-level2-approved",  # 556,290
    "da06.eid-activated-rate",  # 172,986 / 1,005,735
    "da06.cccd-issued-rate",  # 1,919,976 / 1,972,053
    "da06.bhyt-cccd-linked",  # 1,680,901
    "yt.cccd-lookup-facilities-rate",  # 177 / 177
    "yt.cccd-lookup-success-rate",  # 726,878 / 879,666
    "cchc.papi-rank",  # 2nd
    "cchc.sipas-rank",  # 4th
    "cchc.par-index-rank",  # 35th
    "dvc.dossiers-received",  # 310,786
    "dvc.dossiers-received-online",  # 159,463
    "dvc.dossiers-received-offline",  # 151,323
    "dvc.ontime-rate",  # 96.09%
    "cds.dataset-completion-rate",  # every department before 30/6/2023
]

SERVICE_INDEX_POINTS = {
    "service-index.transparency": 18,
    "service-index.progress": 20,
    "service-index.digitisation": 22,
    "service-index.online-service": 22,
    "service-index.satisfaction": 18,
}

DISTRICTS = {
    "tp-thu-dau-mot",
    "tp-thuan-an",
    "tp-di-an",
    "tp-tan-uyen",
    "tp-ben-cat",
    "h-bau-bang",
    "h-bac-tan-uyen",
    "h-dau-tieng",
    "h-phu-giao",
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(default_catalog_dir())


def target(catalog: Catalog, code: str) -> Target:
    return next(entry for entry in catalog.targets if entry.code == code)


def test_default_folder_holds_the_five_files_and_readme() -> None:
    names = {path.name for path in default_catalog_dir().iterdir()}

    assert {
        "domains.yaml",
        "indicators.yaml",
        "agencies.yaml",
        "targets.yaml",
        "recipients.yaml",
        "README.md",
    } <= names


def test_counts_of_domains_and_agencies(catalog: Catalog) -> None:
    assert len(catalog.domains) == 27
    assert len(catalog.agencies_of(AgencyKind.DEPARTMENT)) == 19
    assert {agency.code for agency in catalog.agencies_of(AgencyKind.DISTRICT)} == DISTRICTS
    assert [agency.code for agency in catalog.agencies_of(AgencyKind.PROVINCE)] == ["province"]


def test_every_seed_figure_has_an_indicator(catalog: Catalog) -> None:
    codes = {indicator.code for indicator in catalog.indicators}

    assert set(SEED_FIGURE_INDICATORS) <= codes


def test_service_index_groups_add_up_to_100(catalog: Catalog) -> None:
    for code, points in SERVICE_INDEX_POINTS.items():
        indicator = catalog.indicator(code)
        assert indicator is not None
        assert (indicator.min_value, indicator.max_value) == (0, points)
    total = catalog.indicator("service-index.total")
    assert total is not None
    assert total.max_value == sum(SERVICE_INDEX_POINTS.values()) == 100


def test_service_index_is_published_for_province_departments_and_districts(
    catalog: Catalog,
) -> None:
    scopes = PublishPolicy.from_catalog(catalog).scopes_for("service-index.progress")

    assert {"province", "so-tnmt", "vp-ubnd", *DISTRICTS} <= scopes


def test_rankings_are_lower_is_better(catalog: Catalog) -> None:
    ranks = [indicator for indicator in catalog.indicators if indicator.unit is Unit.RANK]

    assert {"cchc.papi-rank", "cchc.sipas-rank", "cchc.par-index-rank"} <= {
        indicator.code for indicator in ranks
    }
    assert all(indicator.direction is Direction.LOWER_IS_BETTER for indicator in ranks)


def test_paperless_target(catalog: Catalog) -> None:
    paperless = target(catalog, "dvc.paperless-100")

    assert (paperless.indicator, paperless.scope, paperless.kind) == (
        "dvc.paperless-rate",
        "province",
        TargetKind.DEADLINE,
    )
    assert paperless.value == 100
    assert paperless.deadline == date(2023, 9, 30)
    assert paperless.baseline is not None
    assert (paperless.baseline.value, paperless.baseline.at) == (37, date(2023, 6, 1))
    assert paperless.severity is Severity.CRITICAL


def test_every_department_has_a_data_set_target_tnmt_and_xd_first(catalog: Catalog) -> None:
    data_sets = [
        entry for entry in catalog.targets if entry.indicator == "cds.dataset-completion-rate"
    ]
    deadlines = [entry for entry in data_sets if entry.kind is TargetKind.DEADLINE]

    assert [entry.scope for entry in deadlines[:2]] == ["so-tnmt", "so-xd"]
    assert {entry.scope for entry in deadlines} == {
        agency.code for agency in catalog.agencies_of(AgencyKind.DEPARTMENT)
    }
    assert all(entry.deadline == date(2023, 6, 30) and entry.value == 100 for entry in deadlines)
    assert {entry.severity for entry in deadlines[:2]} == {Severity.CRITICAL}


def test_other_report_targets(catalog: Catalog) -> None:
    ontime = target(catalog, "dvc.ontime-95")
    eid = target(catalog, "da06.eid-activated-50")
    par = target(catalog, "cchc.par-index-top-20")

    assert (ontime.kind, ontime.value) == (TargetKind.FLOOR, 95)
    assert eid.baseline is not None
    assert eid.baseline.value == 17.2
    assert eid.baseline.at == date(2023, 3, 16)
    assert (par.kind, par.indicator) == (TargetKind.RANK, "cchc.par-index-rank")
    assert any(entry.kind is TargetKind.FRESHNESS for entry in catalog.targets)


def test_every_target_escalates_to_someone(catalog: Catalog) -> None:
    assert all(entry.escalation for entry in catalog.targets)


def test_names_are_vietnamese_in_nfc(catalog: Catalog) -> None:
    names = [
        *(entry.name_vi for entry in catalog.domains),
        *(entry.name_vi for entry in catalog.agencies),
        *(entry.name_vi for entry in catalog.indicators),
        *(entry.title_vi for entry in catalog.targets),
    ]

    assert all(unicodedata.is_normalized("NFC", name) for name in names)
    assert any("Môi trường" in name for name in names)


def test_recipient_addresses_use_reserved_domains(catalog: Catalog) -> None:
    for recipient in catalog.recipients:
        assert recipient.email is not None
        assert recipient.email.endswith((".example", "@example.org", "@example.com"))
