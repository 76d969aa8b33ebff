"""What the loader reports when a catalog is wrong: every problem at once, each one
naming its file and entry, so an editor can fix a whole catalog in one pass."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class CatalogProblem:
    """One thing wrong with the catalog, e.g. an indicator naming an unknown domain."""

    file: str
    """File name within the catalog folder, e.g. 'indicators.yaml'."""
    entry: str
    """Which entry, e.g. "indicator 'dvc.paperless-rate'" or 'line 12'."""
    message: str
    line: int | None = None
    """1-based line in the file, when known."""

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line is not None else ""
        return f"{self.file}: {self.entry}: {self.message}{where}"


class CatalogError(ValueError):
    """The catalog cannot be used; `problems` lists every reason found."""

    def __init__(self, problems: Iterable[CatalogProblem]) -> None:
        self.problems: tuple[CatalogProblem, ...] = tuple(problems)
        count = len(self.problems)
        heading = f"catalog has {count} problem{'s' if count != 1 else ''}"
        super().__init__("\n".join([heading, *(f"  {problem}" for problem in self.problems)]))
