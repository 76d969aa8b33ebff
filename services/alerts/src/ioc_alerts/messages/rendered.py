"""A rendered notification, and how it shrinks to fit a channel's length limit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

ELLIPSIS = "…"
_FOOTER_GAP = "\n\n"


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the way Telegram counts message length."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """One notification in one language: subject, plain text and HTML.

    `footer` is the closing part of `text` (the chart and acknowledge links): when a
    channel has to shorten the text, the body is cut and the footer is kept, since
    a message a leader cannot acknowledge is worse than a shorter one.
    """

    subject: str
    text: str
    html: str
    footer: str = ""

    def __post_init__(self) -> None:
        if self.footer and not self.text.endswith(self.footer):
            raise ValueError("footer must be the end of text")

    @property
    def body(self) -> str:
        if not self.footer:
            return self.text
        return self.text[: -len(self.footer)].removesuffix(_FOOTER_GAP)

    def shortened(self, limit: int, measure: Callable[[str], int] = len) -> str:
        """The text within `limit` (as counted by `measure`), body cut with "…", footer kept."""
        if measure(self.text) <= limit:
            return self.text
        tail = f"{_FOOTER_GAP}{self.footer}" if self.footer else ""
        room = limit - measure(tail) - measure(ELLIPSIS)
        if room < 1:
            # The footer alone does not fit: cut everything, links last to go.
            return _cut(self.text, limit - measure(ELLIPSIS), measure) + ELLIPSIS
        return _cut(self.body, room, measure) + ELLIPSIS + tail


def _cut(text: str, room: int, measure: Callable[[str], int]) -> str:
    if room <= 0:
        return ""
    cut = text[:room]
    while cut and measure(cut) > room:
        cut = cut[:-1]
    # End on a word or line boundary when one is near, so no word is split in half.
    boundary = max(cut.rfind("\n"), cut.rfind(" "))
    if boundary >= len(cut) * 3 // 4:
        cut = cut[:boundary]
    return cut.rstrip()
