"""Text from outside, made storable: PostgreSQL's text and jsonb hold every character
but U+0000 (NUL), and UTF-8 has no form for a lone surrogate (which Python's JSON
reader makes of an escaped "\\ud800").

What the services write about a request or a record (a refusal's reason, an audit
row's detail, a quarantined record's error) quotes what the sender wrote: a field name,
a header. One such character would make the whole statement fail and the row be lost,
so a sender could keep its own refusals out of the audit trail. Each becomes U+FFFD
(the replacement character) instead: the row is written and shows where it was.
"""

from __future__ import annotations

import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def storable_text(text: str) -> str:
    """`text` with every character no stored text can hold replaced by U+FFFD."""
    return _UNSTORABLE.sub(REPLACEMENT, text)


def storable_document(value: object) -> object:
    """A JSON document (dicts, lists, strings, numbers) with every string and key storable."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {storable_text(str(key)): storable_document(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable_document(item) for item in value]
    return value
