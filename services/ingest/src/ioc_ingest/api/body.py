"""Reading a request body within limits: media type and coding (415), size (413), then
syntax (422).

The size is checked twice: against Content-Length before reading anything, and while
streaming, because a chunked upload has no Content-Length and a header can lie. A
compressed body is held to the same limit twice, as sent and as unpacked
(`content_coding.py`).
"""

from __future__ import annotations

import json

from fastapi import Request

from ioc_catalog.wording import bilingual
from ioc_contracts import member_names
from ioc_ingest.api.content_coding import Unpacker, content_coding
from ioc_ingest.api.errors import ApiError, ErrorItem

# What to do about a body that is not UTF-8, per kind of body: a data officer's CSV comes
# from Excel, whose plain "CSV" is saved in the machine's code page (Windows-1258 for
# Vietnamese) and whose "Unicode Text" is UTF-16.
_RESAVE = {
    "text/csv": (
        "; trong Excel, chọn Lưu thành (Save As) → 'CSV UTF-8 (Comma delimited) (*.csv)'",
        "; in Excel, Save As → 'CSV UTF-8 (Comma delimited) (*.csv)'",
    ),
}
_UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")
# Charsets a body may declare. A JSON body is read by its first bytes (`read_body`), so
# any of the encodings read so may be named; a CSV report is UTF-8.
_UTF8 = frozenset({"utf-8", "utf8"})
_JSON_CHARSETS = _UTF8 | {
    f"utf-{bits}{order}" for bits in (16, 32) for order in ("", "le", "be", "-le", "-be")
}


async def read_body(request: Request, *, media_type: str, max_bytes: int) -> str:
    """The body as text, once it is of `media_type`, at most `max_bytes` and UTF-8 (a
    JSON body may also be UTF-16 or UTF-32, as below)."""
    body = await read_bytes(request, media_type=media_type, max_bytes=max_bytes)
    # JSON is told apart by its first bytes, which are ASCII (RFC 4627 §3): the
    # standard library's reading, which is how the aggregator reads the same bytes sent
    # straight to Kafka. A PowerShell script's `Out-File` writes UTF-16 by default.
    encoding = json.detect_encoding(body) if media_type == "application/json" else "utf-8"
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as error:
        if not encoding.startswith("utf-8"):
            shown = encoding.upper()
            reason = bilingual(
                f"nội dung có dạng {shown} nhưng byte thứ {error.start} không giải mã được",
                f"the body looks like {shown} but byte {error.start} cannot be decoded",
            )
        elif body.startswith(_UTF16_MARKS):
            reason = bilingual(
                "tệp được mã hóa UTF-16 (Excel gọi là 'Unicode Text'), không phải UTF-8",
                "the body is UTF-16 (Excel's 'Unicode Text'), not UTF-8",
            )
        else:
            reason = bilingual(
                f"byte thứ {error.start} không giải mã được theo UTF-8 (có thể tệp được lưu "
                "theo bảng mã của máy, như Windows-1258)",
                f"byte {error.start} cannot be decoded as UTF-8 (saved in the machine's code "
                "page, such as Windows-1258, perhaps)",
            )
        resave_vi, resave_en = _RESAVE.get(media_type, ("", ""))
        raise ApiError(
            422,
            bilingual(
                "nội dung không phải văn bản UTF-8 hợp lệ" + resave_vi,
                "the body is not valid UTF-8 text" + resave_en,
            ),
            errors=[ErrorItem(reason=reason)],
        ) from error


async def read_bytes(request: Request, *, media_type: str, max_bytes: int) -> bytes:
    """The body as bytes, once it is of `media_type`, unpacked if compressed (gzip or
    deflate) and at most `max_bytes`, as sent and as unpacked."""
    _require_media_type(request, media_type)
    coding = content_coding(request.headers.getlist("content-encoding"))
    unpacker = None if coding is None else Unpacker(coding, max_bytes=max_bytes)
    too_large = ApiError(
        413,
        bilingual(
            f"nội dung lớn hơn {max_bytes} byte; hãy chia thành nhiều yêu cầu",
            f"the body is larger than {max_bytes} bytes; split it into several requests",
        ),
    )
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(
                400,
                bilingual(
                    "Content-Length phải là số byte", "Content-Length must be a number of bytes"
                ),
            )
        if int(declared) > max_bytes:
            raise too_large
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > max_bytes:
            raise too_large
        chunks.append(chunk if unpacker is None else unpacker.feed(chunk))
    if unpacker is not None:
        unpacker.finish()
    return b"".join(chunks)


def parse_json(text: str) -> object:
    """JSON as the standard defines it: NaN and Infinity are not numbers there. A leading
    byte-order mark (Windows tools write one) is ignored, as RFC 8259 lets a reader do and
    as the aggregator reads the same bytes sent straight to Kafka."""
    try:
        # An object naming a member twice is kept as such, for screening to refuse.
        return member_names.loads(text.removeprefix("\ufeff"), parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise ApiError(
            422,
            bilingual("nội dung không phải JSON hợp lệ", "the body is not valid JSON"),
            errors=[
                ErrorItem(
                    reason=bilingual(
                        f"lỗi cú pháp JSON ở dòng {error.lineno}, cột {error.colno}",
                        f"{error.msg} at line {error.lineno}, column {error.colno}",
                    )
                )
            ],
        ) from error
    except (ValueError, RecursionError) as error:
        raise ApiError(
            422,
            bilingual("nội dung không phải JSON hợp lệ", "the body is not valid JSON"),
            errors=[ErrorItem(reason=bilingual("JSON không đọc được", str(error)))],
        ) from error


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number; values must be finite numbers")


def _require_media_type(request: Request, media_type: str) -> None:
    given_types = request.headers.getlist("content-type")
    if len(given_types) > 1:
        # The first would be read; a proxy may have judged the body by another.
        raise ApiError(
            415,
            bilingual(
                f"Content-Type được gửi {len(given_types)} lần; chỉ gửi một: {media_type}",
                f"Content-Type was sent {len(given_types)} times; send it once: {media_type}",
            ),
        )
    header = given_types[0] if given_types else ""
    given, _, parameters = header.partition(";")
    if given.strip().lower() != media_type:
        shown = given.strip() or "none"
        raise ApiError(
            415,
            bilingual(
                f"Content-Type phải là {media_type} (nhận được {shown})",
                f"Content-Type must be {media_type} (got {shown})",
            ),
        )
    taken = _JSON_CHARSETS if media_type == "application/json" else _UTF8
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in taken:
            raise ApiError(
                415,
                bilingual(
                    f"nội dung phải mã hóa UTF-8 (nhận được charset={value.strip()})",
                    f"the body must be UTF-8 (got charset={value.strip()})",
                ),
            )
