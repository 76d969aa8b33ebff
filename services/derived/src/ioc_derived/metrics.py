"""Prometheus metrics of the derived-indicator service."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter


@dataclass(frozen=True, slots=True)
class DerivedMetrics:
    published: Counter
    unchanged: Counter
    incomplete: Counter
    disagreements: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> DerivedMetrics:
        return cls(
            published=Counter(
                "ioc_derived_figures_published_total",
                "Derived figures published (new or revised), by indicator.",
                ["indicator"],
                registry=registry,
            ),
            unchanged=Counter(
                "ioc_derived_figures_unchanged_total",
                "Recomputations that gave the derived figure already published.",
                registry=registry,
            ),
            incomplete=Counter(
                "ioc_derived_figures_incomplete_total",
                "Recomputations with no figure: inputs missing under require_all.",
                ["indicator"],
                registry=registry,
            ),
            disagreements=Counter(
                "ioc_derived_formula_disagreements_total",
                "Published figures of derived indicators flagged as disagreeing with the formula.",
                ["agency", "indicator"],
                registry=registry,
            ),
        )
