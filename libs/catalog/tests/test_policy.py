"""Publish grants expand into the permissions ingest and the aggregator enforce."""

from __future__ import annotations

import pytest

from ioc_catalog import Grant, PublishPolicy, Refusal, grants, load_catalog
from ioc_contracts.catalog import Catalog


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def policy(catalog: Catalog) -> PublishPolicy:
    return PublishPolicy.from_catalog(catalog)


@pytest.mark.parametrize(
    ("agency", "indicator", "scope"),
    [
        ("so-tnmt", "cds.dataset-completion-rate", "so-tnmt"),  # own
        ("so-tttt", "cds.dataset-completion-rate", "so-xd"),  # any department
        ("so-tttt", "cds.dataset-completion-rate", "province"),
        ("vp-ubnd", "dvc.ontime-rate", "tp-di-an"),  # one-stop system sees all
        ("h-bau-bang", "dvc.ontime-rate", "h-bau-bang"),  # district, own
        ("cong-an", "da06.eid-activated-rate", "h-phu-giao"),
        ("so-nv", "cchc.par-index-rank", "province"),
    ],
)
def test_allowed(policy: PublishPolicy, agency: str, indicator: str, scope: str) -> None:
    decision = policy.check(agency, indicator, scope)

    assert decision.allowed
    assert decision.refusal is None
    assert policy.allows(agency, indicator, scope)


@pytest.mark.parametrize(
    ("agency", "indicator", "scope", "refusal", "reason"),
    [
        ("so-ma", "dvc.ontime-rate", "province", Refusal.UNKNOWN_AGENCY, "unknown agency 'so-ma'"),
        ("so-tnmt", "dvc.nope", "so-tnmt", Refusal.UNKNOWN_INDICATOR, "unknown indicator"),
        (
            "so-tnmt",
            "cchc.par-index-rank",
            "province",
            Refusal.NOT_A_PUBLISHER,
            "agency 'so-tnmt' may not publish indicator 'cchc.par-index-rank'",
        ),
        (
            "so-tnmt",
            "cds.dataset-completion-rate",
            "so-xd",
            Refusal.SCOPE_NOT_GRANTED,
            "only for 'so-tnmt', not for scope 'so-xd'",
        ),
        (
            "tp-di-an",
            "dvc.ontime-rate",
            "province",
            Refusal.SCOPE_NOT_GRANTED,
            "not for scope 'province'",
        ),
        (
            "province",
            "dvc.ontime-rate",
            "province",
            Refusal.NOT_A_PUBLISHER,
            "may not publish",
        ),
    ],
)
def test_refused_with_reason(
    policy: PublishPolicy,
    agency: str,
    indicator: str,
    scope: str,
    refusal: Refusal,
    reason: str,
) -> None:
    decision = policy.check(agency, indicator, scope)

    assert not decision.allowed
    assert decision.refusal is refusal
    assert reason in decision.reason
    assert not policy.allows(agency, indicator, scope)


def test_long_scope_lists_are_shortened(policy: PublishPolicy) -> None:
    reason = policy.check("so-tttt", "cds.dataset-completion-rate", "tp-di-an").reason

    assert "and 15 more" in reason


def test_grants_are_the_policy_expanded(catalog: Catalog, policy: PublishPolicy) -> None:
    expanded = grants(catalog)

    assert Grant("so-xd", "cds.dataset-completion-rate", "so-xd") in expanded
    assert Grant("so-xd", "cds.dataset-completion-rate", "so-tnmt") not in expanded
    assert all(policy.allows(grant.agency, grant.indicator, grant.scope) for grant in expanded)
    # 19 departments for themselves, Sở TT&TT for the 18 others and the province.
    data_set = [grant for grant in expanded if grant.indicator == "cds.dataset-completion-rate"]
    assert len(data_set) == 19 + 18 + 1


def test_scopes_for_unknown_indicator_is_empty(policy: PublishPolicy) -> None:
    assert policy.scopes_for("dvc.nope") == frozenset()
