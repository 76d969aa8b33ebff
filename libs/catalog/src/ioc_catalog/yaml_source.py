"""Reading one catalog file: YAML in, raw entries out, each with the line it starts on.

PyYAML forgets where a value came from and silently keeps the last of two equal keys;
both hide mistakes in a hand-edited catalog, so this reader remembers lines and refuses
duplicate keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node

from ioc_catalog.errors import CatalogProblem

_MERGE_TAG = "tag:yaml.org,2002:merge"


class MarkedMapping(dict[Any, Any]):
    """A YAML mapping that remembers the 1-based line it starts on."""

    line: int = 0


@dataclass(frozen=True)
class SourceEntry:
    """One list item of a catalog file, before schema validation."""

    fields: MarkedMapping
    index: int


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_marked_mapping(loader: _LineLoader, node: Node) -> MarkedMapping:
    assert isinstance(node, MappingNode)
    seen: set[object] = set()
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:
            continue
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, str | int | float | bool) and key in seen:
            raise ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"duplicate key {key!r}",
                key_node.start_mark,
            )
        seen.add(key)
    mapping = MarkedMapping(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_marked_mapping,
)


def read_entries(path: Path, key: str) -> tuple[list[SourceEntry], list[CatalogProblem]]:
    """The entries listed under `key` in `path`, or the problems that prevent reading them.

    The file's shape is a mapping with one key named after the file (`domains:` in
    domains.yaml), holding a list of mappings; an empty list is allowed. Other
    top-level keys must start with `x-`.
    """
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], [CatalogProblem(name, "file", "file not found")]
    except (OSError, UnicodeDecodeError) as exc:
        return [], [CatalogProblem(name, "file", f"cannot be read: {exc}")]
    try:
        document = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        return [], [_syntax_problem(name, exc)]
    except yaml.YAMLError as exc:
        return [], [CatalogProblem(name, "YAML syntax error", str(exc))]
    return _entries_of(name, key, document)


def _syntax_problem(name: str, exc: yaml.MarkedYAMLError) -> CatalogProblem:
    mark = exc.problem_mark or exc.context_mark
    message = " ".join(part for part in (exc.context, exc.problem) if part)
    return CatalogProblem(
        name, "YAML syntax error", message or "invalid YAML", mark.line + 1 if mark else None
    )


def _entries_of(
    name: str, key: str, document: object
) -> tuple[list[SourceEntry], list[CatalogProblem]]:
    if not isinstance(document, MarkedMapping) or key not in document:
        return [], [CatalogProblem(name, "file", f"expected a mapping with a '{key}' list")]
    # `x-` keys hold shared YAML anchors (as in Compose files) and are not entries.
    problems = [
        CatalogProblem(name, "file", f"unexpected top-level key {other!r}", document.line)
        for other in document
        if other != key and not (isinstance(other, str) and other.startswith("x-"))
    ]
    items = document[key]
    if items is None:
        items = []
    if not isinstance(items, list):
        problems.append(CatalogProblem(name, key, "expected a list", document.line))
        return [], problems
    entries: list[SourceEntry] = []
    for index, item in enumerate(items):
        if isinstance(item, MarkedMapping):
            entries.append(SourceEntry(item, index))
        else:
            problems.append(CatalogProblem(name, f"entry #{index + 1}", "expected a mapping"))
    return entries, problems


def line_of(entry: SourceEntry, location: Sequence[int | str]) -> int:
    """The line of the innermost mapping along a pydantic error location."""
    line = entry.fields.line
    current: Any = entry.fields
    for step in location:
        try:
            current = current[step]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(current, MarkedMapping):
            line = current.line
    return line
