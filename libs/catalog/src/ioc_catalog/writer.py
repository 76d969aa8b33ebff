"""Writing a catalog back to YAML files that `load_catalog` reads.

Used to turn a generated catalog into files (scale tests of the loader, fixtures for
services) and to normalise a hand-edited catalog.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ioc_catalog.loader import CATALOG_FILES
from ioc_contracts.catalog import Catalog


def dump_catalog(catalog: Catalog, directory: Path) -> None:
    """Write the five catalog files of `catalog` into `directory` (created if missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    for catalog_file in CATALOG_FILES:
        entries = getattr(catalog, catalog_file.key)
        document = {
            catalog_file.key: [
                entry.model_dump(mode="json", exclude_none=True) for entry in entries
            ]
        }
        text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
        (directory / catalog_file.name).write_text(text, encoding="utf-8")
