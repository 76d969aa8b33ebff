"""Loading the catalog from its YAML files, with every problem reported at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ioc_catalog.errors import CatalogError, CatalogProblem
from ioc_catalog.freshness import with_calendar_freshness
from ioc_catalog.validation import (
    AGENCIES_FILE,
    DOMAINS_FILE,
    INDICATORS_FILE,
    RECIPIENTS_FILE,
    SCOPE_CHANGES_FILE,
    TARGETS_FILE,
    validate_catalog,
)
from ioc_catalog.yaml_source import SourceEntry, line_of, read_entries
from ioc_contracts.catalog import (
    Agency,
    Catalog,
    Domain,
    Indicator,
    Recipient,
    ScopeChange,
    Target,
)


@dataclass(frozen=True)
class _CatalogFile:
    name: str
    key: str
    model: type[BaseModel]
    noun: str
    code_field: str = "code"
    # A catalog without this file has none of these entries (older catalogs, test ones).
    optional: bool = False


CATALOG_FILES = (
    _CatalogFile(DOMAINS_FILE, "domains", Domain, "domain"),
    _CatalogFile(AGENCIES_FILE, "agencies", Agency, "agency"),
    _CatalogFile(INDICATORS_FILE, "indicators", Indicator, "indicator"),
    _CatalogFile(TARGETS_FILE, "targets", Target, "target"),
    _CatalogFile(RECIPIENTS_FILE, "recipients", Recipient, "recipient", code_field="id"),
    _CatalogFile(SCOPE_CHANGES_FILE, "scope_changes", ScopeChange, "scope change", optional=True),
)


def default_catalog_dir() -> Path:
    """The Bình Dương catalog shipped inside this package."""
    return Path(__file__).resolve().parent / "data"


def load_catalog(directory: Path | None = None) -> Catalog:
    """Read and validate the catalog in `directory` (the shipped one by default).

    Raises `CatalogError` listing every problem. Cross-reference checks run only once
    every entry parses: an entry that failed its schema would otherwise show up again
    as an "unknown" reference from every entry naming it.
    """
    folder = default_catalog_dir() if directory is None else directory
    problems: list[CatalogProblem] = []
    parsed: dict[str, list[BaseModel]] = {}
    lines: dict[str, list[int]] = {}
    for catalog_file in CATALOG_FILES:
        if catalog_file.optional and not (folder / catalog_file.name).exists():
            continue
        entries, read_problems = read_entries(folder / catalog_file.name, catalog_file.key)
        problems.extend(read_problems)
        models = parsed.setdefault(catalog_file.key, [])
        file_lines = lines.setdefault(catalog_file.name, [])
        for entry in entries:
            try:
                models.append(catalog_file.model.model_validate(dict(entry.fields)))
            except ValidationError as exc:
                problems.extend(_schema_problems(catalog_file, entry, exc))
            else:
                file_lines.append(entry.fields.line)
    if problems:
        raise CatalogError(problems)
    catalog = Catalog.model_validate(parsed)
    problems = validate_catalog(catalog, lines=lines)
    if problems:
        raise CatalogError(problems)
    # After validation, so a problem's line points into the files; the derived targets
    # are checked by the same rules (require_valid) before they are handed out.
    return require_valid(with_calendar_freshness(catalog))


def require_valid(catalog: Catalog) -> Catalog:
    """`catalog` itself if it passes `validate_catalog`, else `CatalogError`."""
    problems = validate_catalog(catalog)
    if problems:
        raise CatalogError(problems)
    return catalog


def _schema_problems(
    catalog_file: _CatalogFile, entry: SourceEntry, exc: ValidationError
) -> list[CatalogProblem]:
    code = entry.fields.get(catalog_file.code_field)
    label = f"{catalog_file.noun} {code!r}" if isinstance(code, str) else None
    label = label or f"{catalog_file.noun} #{entry.index + 1}"
    problems = []
    for error in exc.errors(include_url=False):
        location = error["loc"]
        field = ".".join(str(step) for step in location)
        message = f"{field}: {error['msg']}" if field else error["msg"]
        if isinstance(error["input"], str | int | float) and field:
            message += f" (got {error['input']!r})"
        line = line_of(entry, location)
        problems.append(CatalogProblem(catalog_file.name, label, message, line))
    return problems
