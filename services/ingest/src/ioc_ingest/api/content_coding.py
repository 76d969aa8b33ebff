"""Compressed request bodies (`Content-Encoding: gzip` or `deflate`), unpacked within the
same limit as a plain body.

A district on a slow line sends a batch of 500 events (about 200 KB) in a tenth of that
gzipped. Unpacking is bounded as it streams: a few kilobytes can unpack to gigabytes (a
"zip bomb"), so no more than the limit plus one byte is ever produced, and the answer is
413 as for a plain body too large. Brotli and zstd are not in the standard library; they
are refused (415) with the codings taken named in `Accept-Encoding` (RFC 9110 §15.5.16).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from ioc_catalog.wording import bilingual
from ioc_ingest.api.errors import ApiError

# zlib's window bits per coding: 16 + 15 reads a gzip member, 15 the zlib format that
# HTTP's "deflate" names (RFC 9110 §8.4.1.2).
_WINDOW_BITS = {"gzip": 31, "x-gzip": 31, "deflate": 15}
ACCEPTED_CODINGS = "gzip, deflate"
_GZIP_MAGIC = b"\x1f\x8b"
# Members one after another are a file and another appended to it; each costs an
# unpacker, so a megabyte of empty members (50,000) would cost a tenth of a second of CPU.
MOST_GZIP_MEMBERS = 64


def content_coding(headers: Sequence[str]) -> str | None:
    """The one coding the body was compressed with, from its `Content-Encoding` header
    values; None for a plain body. Refuses (415) a coding not taken, or several."""
    codings = [
        coding.strip().lower()
        for header in headers
        for coding in header.split(",")
        if coding.strip() and coding.strip().lower() != "identity"
    ]
    if not codings:
        return None
    unknown = [coding for coding in codings if coding not in _WINDOW_BITS]
    if unknown:
        shown = ", ".join(unknown)
        raise ApiError(
            415,
            bilingual(
                f"không nhận nội dung nén theo {shown}; chỉ nhận gzip hoặc deflate, hoặc gửi "
                "không nén (bỏ tiêu đề Content-Encoding)",
                f"a body compressed with {shown} is not accepted; use gzip or deflate, or "
                "send it uncompressed (without Content-Encoding)",
            ),
            headers={"Accept-Encoding": ACCEPTED_CODINGS},
        )
    if len(codings) > 1:
        shown = ", ".join(codings)
        raise ApiError(
            415,
            bilingual(
                f"nội dung được nén nhiều lần ({shown}); chỉ nén một lần",
                f"the body was compressed several times ({shown}); compress it once",
            ),
            headers={"Accept-Encoding": ACCEPTED_CODINGS},
        )
    return codings[0]


class Unpacker:
    """Unpacks a body chunk by chunk, never producing more than `max_bytes` + 1 bytes."""

    def __init__(self, coding: str, *, max_bytes: int) -> None:
        self._coding = coding
        self._window_bits = _WINDOW_BITS[coding]
        self._inflater = zlib.decompressobj(self._window_bits)
        self._max_bytes = max_bytes
        self._produced = 0
        # The start of a next gzip member cut by a chunk's end.
        self._held = b""
        self._members = 1

    def feed(self, chunk: bytes) -> bytes:
        """What `chunk` unpacks to; 413 once the whole exceeds the limit, 400 when the
        bytes are not of the coding."""
        pieces: list[bytes] = []
        data, self._held = self._held + chunk, b""
        while data:
            if self._inflater.eof:
                data = self._next_member(data)
                continue
            try:
                piece = self._inflater.decompress(data, self._max_bytes - self._produced + 1)
            except zlib.error as error:
                raise self._broken("dữ liệu nén bị hỏng", str(error)) from error
            self._produced += len(piece)
            if self._produced > self._max_bytes:
                raise self._too_large()
            pieces.append(piece)
            inflater = self._inflater
            data = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
        return b"".join(pieces)

    def finish(self) -> None:
        """Refuses (400) a body that ended inside its compressed data."""
        if self._held or not self._inflater.eof:
            raise self._broken("dữ liệu nén bị cắt cụt", "the compressed data ends early")

    def _next_member(self, rest: bytes) -> bytes:
        # gzip allows members one after another (`cat a.gz b.gz`), read as one body;
        # anything else after the end is not part of the body.
        if self._window_bits == _WINDOW_BITS["gzip"]:
            if rest.startswith(_GZIP_MAGIC):
                self._members += 1
                if self._members > MOST_GZIP_MEMBERS:
                    raise self._broken(
                        f"hơn {MOST_GZIP_MEMBERS} phần gzip nối tiếp nhau",
                        f"more than {MOST_GZIP_MEMBERS} gzip members one after another",
                    )
                self._inflater = zlib.decompressobj(self._window_bits)
                return rest
            if _GZIP_MAGIC.startswith(rest):
                self._held = rest
                return b""
        raise self._broken(
            f"có {len(rest)} byte thừa sau phần nén",
            f"{len(rest)} bytes follow the end of the compressed data",
        )

    def _broken(self, why_vi: str, why_en: str) -> ApiError:
        return ApiError(
            400,
            bilingual(
                f"nội dung không giải nén được theo {self._coding} ({why_vi}); hãy nén lại "
                "hoặc gửi không nén",
                f"the body cannot be unpacked as {self._coding} ({why_en}); compress it again "
                "or send it uncompressed",
            ),
        )

    def _too_large(self) -> ApiError:
        return ApiError(
            413,
            bilingual(
                f"sau khi giải nén, nội dung lớn hơn {self._max_bytes} byte; hãy chia thành "
                "nhiều yêu cầu",
                f"unpacked, the body is larger than {self._max_bytes} bytes; split it into "
                "several requests",
            ),
        )
