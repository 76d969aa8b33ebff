"""The synthetic catalog reaches the IOC's real scale and passes the same checks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from ioc_catalog import (
    PublishPolicy,
    dump_catalog,
    generate_catalog,
    load_catalog,
    validate_catalog,
)
from ioc_catalog.freshness import with_calendar_freshness
from ioc_contracts.catalog import AgencyKind, Catalog


@pytest.fixture(scope="module")
def generated() -> Catalog:
    return generate_catalog(indicators=1200, domains=27)


def test_scale_and_spread(generated: Catalog) -> None:
    per_domain = Counter(indicator.domain for indicator in generated.indicators)

    assert len(generated.indicators) == 1200
    assert len(per_domain) == 27
    assert min(per_domain.values()) >= 44
    assert len(generated.targets) == 120


def test_built_on_the_real_agencies(generated: Catalog) -> None:
    assert len(generated.agencies_of(AgencyKind.DEPARTMENT)) == 19
    assert len(generated.agencies_of(AgencyKind.DISTRICT)) == 9


def test_validates_in_memory(generated: Catalog) -> None:
    assert validate_catalog(generated) == []


def test_loads_back_from_files(generated: Catalog, tmp_path: Path) -> None:
    dump_catalog(generated, tmp_path)

    # Loading adds the reporting calendar's freshness targets, as for the shipped catalog.
    assert load_catalog(tmp_path) == with_calendar_freshness(generated)


def test_deterministic() -> None:
    assert generate_catalog(indicators=100, domains=5) == generate_catalog(
        indicators=100, domains=5
    )
    assert generate_catalog(100, 5, seed=1) != generate_catalog(100, 5, seed=2)


def test_policy_over_generated_catalog(generated: Catalog) -> None:
    policy = PublishPolicy.from_catalog(generated)
    shared = generated.indicators[0]  # even numbers are reported by every department

    assert policy.allows("so-xd", shared.code, "so-xd")
    assert not policy.allows("so-xd", shared.code, "so-tnmt")


def test_rejects_impossible_shapes() -> None:
    with pytest.raises(ValueError, match="at least one"):
        generate_catalog(indicators=3, domains=27)
