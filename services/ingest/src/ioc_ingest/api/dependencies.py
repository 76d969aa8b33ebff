"""Who is calling, and may they call now: API key authentication and the rate limit.

The agency is taken from the credential and nowhere else. Checks run in the order
an agency can act on them: 401 (no valid key), then 429 (slow down), and only then
is the body looked at.
"""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from ioc_catalog.wording import bilingual
from ioc_ingest.adapters.credentials import Credential
from ioc_ingest.api.accounting import request_record
from ioc_ingest.api.errors import ApiError, retry_later
from ioc_ingest.services import IngestServices
from ioc_runtime.presented_keys import presented_keys
from ioc_storage.credentials import key_prefix_of

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="BearerApiKey",
    description="The agency's API key: `Authorization: Bearer ioc_xxxxxxxx_…`.",
)
_api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    scheme_name="ApiKeyHeader",
    description="The same API key in a header of its own: `X-API-Key: ioc_xxxxxxxx_…`.",
)

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="ioc-ingest"'}


async def services(request: Request) -> IngestServices:
    found: IngestServices = request.app.state.services
    return found


Services = Annotated[IngestServices, Depends(services)]


async def authenticated_agency(
    request: Request,
    services: Services,
    # Declared for the OpenAPI document; the keys are read from every header below.
    _bearer_key: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    _header_key: Annotated[str | None, Security(_api_key_header)],
) -> Credential:
    record = request_record(request)
    address = request.client.host if request.client else "unknown"
    cooling = services.failures.allows(address)
    if not cooling.allowed:
        # Refused before the database is asked, and left out of the audit trail: a
        # flood would otherwise become a flood of audit rows.
        if record is not None:
            record.audited = False
        raise ApiError(
            429,
            bilingual(
                "quá nhiều yêu cầu không có khóa API hợp lệ từ địa chỉ này; hãy thử lại sau "
                f"{cooling.retry_after_seconds} giây",
                "too many requests without a valid API key from this address; retry after "
                f"{cooling.retry_after_seconds} s",
            ),
            headers={"Retry-After": str(cooling.retry_after_seconds)},
        )
    # Every header, repeated ones too: a proxy in front may have checked another one.
    presented = presented_keys(request, key_header=_api_key_header.model.name)
    if not presented:
        services.failures.admit(address)
        raise ApiError(
            401,
            bilingual(
                "cần có khóa API: gửi 'Authorization: Bearer <khóa>' hoặc 'X-API-Key: <khóa>'",
                "an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
            ),
            headers=_CHALLENGE,
        )
    if len(presented) > 1:
        services.failures.admit(address)
        raise ApiError(
            401,
            bilingual(
                "đã gửi hai khóa API khác nhau; chỉ gửi một khóa",
                "two different API keys were sent; send exactly one",
            ),
            headers=_CHALLENGE,
        )
    key = presented.pop()
    if record is not None:
        record.key_prefix = key_prefix_of(key)
    try:
        credential = await services.credentials.find(key)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        raise retry_later(
            bilingual(
                "hiện không kiểm tra được khóa API; chưa nhận số liệu nào, hãy thử lại sau ít phút",
                "API keys cannot be checked right now; nothing was accepted, try again shortly",
            ),
            retry_after_seconds=services.settings.ingest_retry_after_seconds,
        ) from error
    if credential is None:
        services.failures.admit(address)
        raise ApiError(
            401,
            bilingual(
                "khóa API không hợp lệ: không tồn tại, đã bị thu hồi hoặc gõ sai (khóa có dạng "
                "ioc_xxxxxxxx_…); nếu khóa đã bị thu hồi, hãy đề nghị Trung tâm IOC cấp khóa mới",
                "the API key is not valid: unknown, revoked or mistyped (keys look like "
                "ioc_xxxxxxxx_…); ask the IOC for a new one if it was revoked",
            ),
            headers=_CHALLENGE,
        )
    if record is not None:
        record.agency, record.credential = credential.agency, credential.id
    decision = services.rate_limiter.admit(credential.agency)
    if not decision.allowed:
        raise ApiError(
            429,
            bilingual(
                f"cơ quan {credential.agency!r} gửi quá nhiều yêu cầu: trung bình tối đa "
                f"{services.settings.ingest_rate_per_second:g} yêu cầu mỗi giây; hãy thử lại sau "
                f"{decision.retry_after_seconds} giây, hoặc gửi nhiều sự kiện trong một lô",
                f"too many requests from agency {credential.agency!r}: at most "
                f"{services.settings.ingest_rate_per_second:g} per second on average; retry after "
                f"{decision.retry_after_seconds} s, or send several events in one batch",
            ),
            headers={"Retry-After": str(decision.retry_after_seconds)},
        )
    return credential


AuthenticatedAgency = Annotated[Credential, Depends(authenticated_agency)]
