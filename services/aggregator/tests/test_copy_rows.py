"""A COPY stream leaves in chunks of rows, the first before the rest is built, and the
chunks together are exactly PostgreSQL's binary COPY format."""

from __future__ import annotations

from collections.abc import Iterator

from ioc_aggregator.outbound.copy_rows import ROWS_PER_CHUNK, payload

# PostgreSQL's binary COPY format: signature, flags, header extension length; -1 ends it.
HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
TRAILER = b"\xff\xff"


async def _chunks(rows: Iterator[bytes] | list[bytes]) -> list[bytes]:
    return [chunk async for chunk in payload(rows)]


async def test_the_stream_is_the_rows_between_header_and_trailer_in_chunks() -> None:
    rows = [f"row {n:05d};".encode() for n in range(2 * ROWS_PER_CHUNK + 7)]

    chunks = await _chunks(rows)

    assert b"".join(chunks) == HEADER + b"".join(rows) + TRAILER
    assert chunks == [
        HEADER + b"".join(rows[:ROWS_PER_CHUNK]),
        b"".join(rows[ROWS_PER_CHUNK : 2 * ROWS_PER_CHUNK]),
        b"".join(rows[2 * ROWS_PER_CHUNK :]),
        TRAILER,
    ]


async def test_a_stream_of_whole_chunks_ends_with_the_trailer_alone() -> None:
    rows = [b"r" for _ in range(ROWS_PER_CHUNK)]
    assert await _chunks(rows) == [HEADER + b"r" * ROWS_PER_CHUNK, TRAILER]


async def test_no_rows_is_a_header_and_a_trailer() -> None:
    assert b"".join(await _chunks([])) == HEADER + TRAILER


async def test_the_first_chunk_leaves_before_the_next_rows_are_built() -> None:
    built: list[int] = []

    def rows() -> Iterator[bytes]:
        for n in range(3 * ROWS_PER_CHUNK):
            built.append(n)
            yield b"x"

    stream = payload(rows())
    first = await anext(stream)

    # The database can work on these while the aggregator builds the next chunk.
    assert first == HEADER + b"x" * ROWS_PER_CHUNK
    assert len(built) == ROWS_PER_CHUNK
    await stream.aclose()
