"""Unpacking a compressed body within the limit (`api/content_coding.py`), alone: every
way the bytes can be cut into chunks, members one after another, and what a hostile or
broken sender gives (a bomb, a truncated body, bytes after the end, other codings)."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib

import pytest

from ioc_ingest.api.content_coding import MOST_GZIP_MEMBERS, Unpacker, content_coding
from ioc_ingest.api.errors import ApiError

BODY = ('{"events": [' + ", ".join(['{"note": "Ước tính, số liệu sơ bộ"}'] * 400) + "]}").encode()


def unpacked(coding: str, data: bytes, *, chunk: int, max_bytes: int = 1 << 20) -> bytes:
    unpacker = Unpacker(coding, max_bytes=max_bytes)
    pieces = [unpacker.feed(data[i : i + chunk]) for i in range(0, len(data), chunk)]
    unpacker.finish()
    return b"".join(pieces)


@pytest.mark.parametrize("chunk", [1, 2, 7, 1000, 1 << 20])
def test_gzip_and_deflate_unpack_whatever_the_chunks(chunk: int) -> None:
    assert unpacked("gzip", gzip.compress(BODY), chunk=chunk) == BODY
    assert unpacked("x-gzip", gzip.compress(BODY), chunk=chunk) == BODY
    assert unpacked("deflate", zlib.compress(BODY), chunk=chunk) == BODY


@pytest.mark.parametrize("chunk", [1, 2, 3, 50, 1 << 20])
def test_gzip_members_one_after_another_are_one_body(chunk: int) -> None:
    """`cat a.gz b.gz` is a valid gzip file (RFC 1952 §2.2), even cut between the two
    bytes that start the second member."""
    half = len(BODY) // 2
    joined = gzip.compress(BODY[:half]) + gzip.compress(BODY[half:]) + gzip.compress(b"")
    assert unpacked("gzip", joined, chunk=chunk) == BODY


def test_members_are_counted() -> None:
    """Each member costs an unpacker: a megabyte of empty ones is not a body."""
    assert unpacked("gzip", gzip.compress(b"") * MOST_GZIP_MEMBERS, chunk=100) == b""
    with pytest.raises(ApiError) as refused:
        unpacked("gzip", gzip.compress(b"") * (MOST_GZIP_MEMBERS + 1), chunk=100)
    assert refused.value.status == 400
    assert f"hơn {MOST_GZIP_MEMBERS} phần gzip nối tiếp nhau" in refused.value.detail


def test_a_bomb_stops_at_the_limit_in_bounded_memory() -> None:
    """A megabyte of gzip unpacks to a gigabyte of zeros; no more than the limit plus
    one byte is ever produced."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1 << 20)
    bomb = b"".join(compressor.compress(zeros) for _ in range(1024)) + compressor.flush()
    assert len(bomb) < 1_100_000
    tracemalloc.start()
    try:
        with pytest.raises(ApiError) as refused:
            unpacked("gzip", bomb, chunk=65_536)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert refused.value.status == 413
    assert refused.value.detail.startswith("sau khi giải nén, nội dung lớn hơn 1048576 byte")
    assert peak < 4 << 20, peak


def test_exactly_the_limit_is_taken() -> None:
    limit = len(BODY)
    assert unpacked("gzip", gzip.compress(BODY), chunk=100, max_bytes=limit) == BODY
    with pytest.raises(ApiError) as refused:
        unpacked("gzip", gzip.compress(BODY), chunk=100, max_bytes=limit - 1)
    assert refused.value.status == 413


@pytest.mark.parametrize(
    ("coding", "data", "why"),
    [
        ("gzip", gzip.compress(BODY)[:-9], "dữ liệu nén bị cắt cụt"),
        ("gzip", b"", "dữ liệu nén bị cắt cụt"),
        ("gzip", gzip.compress(BODY) + b"\x1f", "dữ liệu nén bị cắt cụt"),
        ("gzip", gzip.compress(BODY) + b"\n", "có 1 byte thừa sau phần nén"),
        ("deflate", zlib.compress(BODY) + gzip.compress(b"x"), "byte thừa sau phần nén"),
        ("gzip", BODY, "dữ liệu nén bị hỏng"),
        # Raw deflate, without the zlib frame HTTP's "deflate" has.
        ("deflate", zlib.compress(BODY, wbits=-15), "dữ liệu nén bị hỏng"),
        ("deflate", gzip.compress(BODY), "dữ liệu nén bị hỏng"),
    ],
    ids=[
        "cut",
        "empty",
        "cut magic",
        "newline after",
        "member after deflate",
        "plain",
        "raw deflate",
        "gzip as deflate",
    ],
)
def test_what_does_not_unpack_is_400_saying_why(coding: str, data: bytes, why: str) -> None:
    with pytest.raises(ApiError) as refused:
        unpacked(coding, data, chunk=512)
    assert refused.value.status == 400
    assert refused.value.detail.startswith(f"nội dung không giải nén được theo {coding} (")
    assert why in refused.value.detail


@pytest.mark.parametrize(
    ("headers", "coding"),
    [
        ([], None),
        (["identity"], None),
        (["GZIP"], "gzip"),
        ([" identity , gzip "], "gzip"),
        (["identity", "deflate"], "deflate"),
        (["x-gzip"], "x-gzip"),
    ],
)
def test_the_coding_is_read_from_every_header_value(headers: list[str], coding: str | None) -> None:
    assert content_coding(headers) == coding


@pytest.mark.parametrize(
    ("headers", "named"),
    [
        (["br"], "br"),
        (["zstd"], "zstd"),
        (["gzip", "br"], "br"),
        (["compress"], "compress"),
        (["gzip, gzip"], "gzip, gzip"),
        (["gzip", "deflate"], "gzip, deflate"),
    ],
)
def test_other_codings_and_several_are_415_naming_them(headers: list[str], named: str) -> None:
    with pytest.raises(ApiError) as refused:
        content_coding(headers)
    assert refused.value.status == 415
    assert f"({named})" in refused.value.detail or f"theo {named};" in refused.value.detail
    assert refused.value.headers == {"Accept-Encoding": "gzip, deflate"}
