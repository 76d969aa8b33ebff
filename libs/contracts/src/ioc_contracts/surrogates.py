"""Lone UTF-16 surrogates in an event's field names and texts, found and named.

JSON's grammar lets a string hold an escape such as "\\ud800" with no partner (RFC 8259
section 8.2 leaves what a reader makes of it open). Python's reader keeps it as a code
point that no UTF-8 text, so no stored text, can hold, and pydantic then refuses the
string without saying which one when it is a field's name. A valid pair ("\\ud83d\\ude00")
is one character once read and is no problem. Every path that reads an event (the
gateway, the aggregator's refusals) asks here, so both name the same field the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

_SURROGATE = re.compile("[\ud800-\udfff]")


class LoneSurrogate(NamedTuple):
    """Where a lone surrogate is: `field` with each surrogate written as its escape,
    `character` the first one's escape."""

    field: str
    in_name: bool  # the field's name holds it, not its value
    character: str

    @property
    def reason_vi(self) -> str:
        where = "tên ô" if self.in_name else "giá trị"
        return (
            f"{where} có mã {self.character}, nửa cặp UTF-16 (surrogate) đứng một mình, "
            "không phải ký tự văn bản; hãy gửi văn bản UTF-8 hợp lệ"
        )

    @property
    def reason_en(self) -> str:
        where = "the field's name" if self.in_name else "the value"
        return (
            f"{where} holds a lone UTF-16 surrogate ({self.character}), which is not text; "
            "send valid UTF-8 text"
        )


def escaped(text: str) -> str:
    """`text` with each lone surrogate written as its JSON escape, so any answer,
    log line or row can hold it and the sender sees which one it was."""
    return _SURROGATE.sub(lambda found: f"\\u{ord(found.group(0)):04x}", text)


def lone_surrogates(item: Mapping[object, object]) -> list[LoneSurrogate]:
    """Each field of an event whose name or text value holds a lone surrogate.

    Only names and top-level texts: an event has no nested fields, and the contract
    refuses any nested value for its type before its text matters."""
    found = []
    for name, value in item.items():
        shown = escaped(name) if isinstance(name, str) else str(name)
        if isinstance(name, str) and (lone := _SURROGATE.search(name)):
            found.append(LoneSurrogate(shown, True, escaped(lone.group(0))))
        elif isinstance(value, str) and (lone := _SURROGATE.search(value)):
            found.append(LoneSurrogate(shown, False, escaped(lone.group(0))))
    return found
