"""A JSON object that names a member twice, read without losing that it did.

JSON does not forbid it (RFC 8259 section 4: names "SHOULD be unique", and what a reader
makes of a repeated one is unpredictable). Python's reader, msgspec and pydantic keep the
last value; the sender's own tools, or whoever reads a dead letter, may keep the first.
An event written {"value": 0, ..., "value": 85} by a careless template would be stored as
85 while the agency's copy says 0. So every path that reads an event refuses one that
names a field twice, and says which: the gateway and the aggregator alike.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any


class RepeatedNames(dict[str, object]):
    """An object that named some members more than once: the last value of each, as
    every reader here keeps it, and the names it repeated, in order of first use."""

    repeated: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    document = dict(pairs)
    if len(document) == len(pairs):
        return document
    marked = RepeatedNames(document)
    counts = Counter(name for name, _ in pairs)
    marked.repeated = tuple(name for name, count in counts.items() if count > 1)
    return marked


def loads(text: str | bytes, **options: Any) -> object:
    """`json.loads`, with every object that repeats a name a `RepeatedNames`."""
    return json.loads(text, object_pairs_hook=_object, **options)


def repeated_names(document: object) -> tuple[str, ...]:
    """The names `document` (as `loads` read it) gave more than once, none if not an object."""
    return document.repeated if isinstance(document, RepeatedNames) else ()


# What the refusal says, beside the field it names (written as `surrogates.escaped`).
REASON_VI = (
    "ô này được ghi nhiều lần trong một sự kiện (không rõ giá trị nào là đúng); "
    "mỗi ô chỉ ghi một lần"
)
REASON_EN = (
    "the field appears more than once in the event (which value was meant is unclear); "
    "name each field once"
)
