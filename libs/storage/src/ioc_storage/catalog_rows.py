"""How each kind of catalog entry is laid out as rows of its table.

Pure mapping from the validated catalog models to the tuples `catalog_sync` writes;
the column order of each `TableRows` is the order of its tuples.
"""

from __future__ import annotations

from dataclasses import dataclass

from ioc_catalog.scopes import resolve_changes
from ioc_contracts.catalog import Catalog

Row = tuple[object, ...]


@dataclass(frozen=True)
class TableRows:
    """The rows a catalog table must hold after a sync, identified by `key`."""

    table: str
    key: str
    columns: tuple[str, ...]
    rows: list[Row]


def domain_rows(catalog: Catalog) -> TableRows:
    return TableRows(
        "domains",
        "code",
        ("code", "name_vi", "name_en"),
        [(d.code, d.name_vi, d.name_en) for d in catalog.domains],
    )


def agency_rows(catalog: Catalog) -> TableRows:
    """Agencies without their parent: it is set in a second pass (`agency_parents`)."""
    return TableRows(
        "agencies",
        "code",
        ("code", "name_vi", "name_en", "kind", "parent", "valid_from", "valid_until"),
        [
            (a.code, a.name_vi, a.name_en, a.kind.value, None, a.valid_from, a.valid_until)
            for a in catalog.agencies
        ],
    )


def agency_parents(catalog: Catalog) -> list[Row]:
    """(agency, parent) of each agency that has one."""
    return [(a.code, a.parent) for a in catalog.agencies if a.parent]


def indicator_rows(catalog: Catalog) -> TableRows:
    return TableRows(
        "indicators",
        "code",
        (
            "code",
            "name_vi",
            "name_en",
            "domain",
            "unit",
            "direction",
            "cadence",
            "cadence_period",
            "rollup",
            "min_value",
            "max_value",
            "description_vi",
            "observed_since",
            "quality",
            "due_day",
            "formula",
        ),
        [
            (
                i.code,
                i.name_vi,
                i.name_en,
                i.domain,
                i.unit.value,
                i.direction.value,
                i.cadence.value,
                i.cadence.interval(),
                i.rollup.value,
                i.min_value,
                i.max_value,
                i.description_vi,
                i.earliest_observed,
                i.quality.model_dump_json(),
                i.due_days,
                i.formula.model_dump_json() if i.formula else None,
            )
            for i in catalog.indicators
        ],
    )


def recipient_rows(catalog: Catalog) -> TableRows:
    return TableRows(
        "recipients",
        "id",
        (
            "id",
            "name",
            "role_vi",
            "email",
            "telegram_chat_id",
            "zalo_user_id",
            "language",
            "agency",
            "duty",
        ),
        [
            (
                r.id,
                r.name,
                r.role_vi,
                r.email,
                r.telegram_chat_id,
                r.zalo_user_id,
                r.language.value,
                r.agency,
                r.duty.value if r.duty else None,
            )
            for r in catalog.recipients
        ],
    )


def target_rows(catalog: Catalog) -> TableRows:
    return TableRows(
        "targets",
        "code",
        (
            "code",
            "indicator",
            "scope",
            "kind",
            "value",
            "deadline",
            "baseline_value",
            "baseline_at",
            "severity",
            "title_vi",
            "title_en",
        ),
        [
            (
                t.code,
                t.indicator,
                t.scope,
                t.kind.value,
                t.value,
                t.deadline,
                t.baseline.value if t.baseline else None,
                t.baseline.at if t.baseline else None,
                t.severity.value,
                t.title_vi,
                t.title_en,
            )
            for t in catalog.targets
        ],
    )


def escalation_rows(catalog: Catalog) -> list[Row]:
    """(target, level, after_minutes, recipients): each target's steps in order."""
    return [
        (t.code, level, step.after_minutes, list(step.notify))
        for t in catalog.targets
        for level, step in enumerate(t.escalation)
    ]


def scope_change_rows(catalog: Catalog) -> tuple[TableRows, list[Row]]:
    """The map's changes, and (change, role, scope, position) of each scope they name.

    A removed level's retired scopes are listed one by one, as `resolve_changes` finds them.
    """
    by_code = {change.code: change for change in catalog.scope_changes}
    levels = {
        change.code: change.level.value if change.level else None for change in by_code.values()
    }
    resolved = resolve_changes(catalog)
    changes = TableRows(
        "scope_changes",
        "code",
        ("code", "kind", "effective", "level", "carry_over", "note_vi", "note_en"),
        [
            (
                c.code,
                c.kind.value,
                c.effective,
                levels[c.code],
                c.carry_over.value,
                by_code[c.code].note_vi,
                by_code[c.code].note_en,
            )
            for c in resolved
        ],
    )
    members: list[Row] = [
        (change.code, role, scope, position)
        for change in resolved
        for role, scopes in (("retired", change.retired), ("successor", change.successors))
        for position, scope in enumerate(scopes)
    ]
    return changes, members
