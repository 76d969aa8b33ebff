"""What the JSON and CSV routes share: screening rules, refusal answers, publishing.

All or nothing: every event of a request is screened first. If any is refused, none is
published and the answer lists every problem, so the agency knows exactly what was
stored (nothing) and resends the corrected request whole. If all pass, all are sent to
Kafka and the answer is 202 only once Kafka acknowledged every one; otherwise 503, and
resending the same events (same event_id) is safe.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

import asyncpg

from ioc_catalog.wording import bilingual
from ioc_contracts import IndicatorEvent, series_key_bytes
from ioc_contracts.identity import describe_conflict, differing_fields, event_key
from ioc_ingest.adapters.kafka_publisher import KafkaUnavailableError, OutgoingRecord
from ioc_ingest.api.accounting import RequestRecord
from ioc_ingest.api.errors import ApiError, ErrorItem, retry_later
from ioc_ingest.domain.problems import EventProblem
from ioc_ingest.domain.screening import Screening, ScreeningRules
from ioc_ingest.services import IngestServices

_log = logging.getLogger(__name__)
_IDENTITY_TIMEOUT_SECONDS = 5.0


def screening_rules(services: IngestServices) -> ScreeningRules:
    rules = services.screening_rules()
    if rules is None:
        raise retry_later(
            bilingual(
                "danh mục chưa được đọc; chưa nhận số liệu nào, hãy thử lại sau ít phút",
                "the catalog has not been read yet; nothing was accepted, try again shortly",
            ),
            retry_after_seconds=services.settings.ingest_retry_after_seconds,
        )
    return rules


async def refuse_conflicting_ids(services: IngestServices, screening: Screening) -> Screening:
    """Adds a problem for each event whose event_id this agency already used for other
    content: such an event would never be stored, so it must not get a 202.

    Asked only of a request that passed screening, so problem indexes are request
    positions. The aggregator checks again (another request may race this one).
    """
    if screening.problems or not screening.events:
        return screening
    try:
        async with asyncio.timeout(_IDENTITY_TIMEOUT_SECONDS):
            stored = await services.stored_events.contents([event_key(e) for e in screening.events])
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        _log.warning("could not check event ids: %s", error, extra={"error": str(error)})
        raise retry_later(
            bilingual(
                "cơ sở dữ liệu tạm thời không truy cập được nên không kiểm tra được mã sự kiện "
                "gửi lại; không có số liệu nào được gửi, hãy gửi lại đúng các sự kiện đó sau",
                "the database is unavailable, so re-sent event ids cannot be checked; nothing "
                "was published, send the same events again later",
            ),
            retry_after_seconds=services.settings.ingest_retry_after_seconds,
        ) from error
    problems = []
    for index, event in enumerate(screening.events):
        content = stored.get(event_key(event))
        fields = differing_fields(event, content) if content is not None else []
        if fields:
            problems.append(
                EventProblem(index, fields[0], describe_conflict(event, content or {}, fields))
            )
    return Screening(screening.events, tuple(problems))


_VI = {"events": "sự kiện", "rows": "dòng"}


def refusal(
    *, refused: int, total: int, forbidden: bool, what: str, errors: Sequence[ErrorItem]
) -> ApiError:
    """403 when any item is not the agency's to send, else 422; nothing was published."""
    if forbidden:
        detail = bilingual(
            f"{refused}/{total} {_VI[what]} không thuộc quyền gửi của cơ quan này (hoặc vi phạm "
            "quy định khác, cũng được liệt kê); không có số liệu nào được gửi",
            f"{refused} of {total} {what} may not be published by this agency (or break "
            "other rules, listed too); nothing was published",
        )
        return ApiError(403, detail, errors=errors)
    detail = bilingual(
        f"{refused}/{total} {_VI[what]} không hợp lệ; không có số liệu nào được gửi. "
        "Hãy sửa rồi gửi lại toàn bộ yêu cầu",
        f"{refused} of {total} {what} are not valid; nothing was published. "
        "Fix them and send the whole request again",
    )
    return ApiError(422, detail, errors=errors)


async def publish(
    services: IngestServices, record: RequestRecord | None, events: Sequence[IndicatorEvent]
) -> None:
    """Puts the events on Kafka, or raises 503; records the outcome for the audit."""
    if record is not None:
        # Until Kafka acknowledged them, the events count as rejected.
        record.rejected = len(events)
    records = [
        OutgoingRecord(
            key=series_key_bytes(event.indicator, event.scope),
            value=event.model_dump_json().encode(),
        )
        for event in events
    ]
    started = time.perf_counter()
    try:
        await services.publisher.publish(
            records, timeout_seconds=services.settings.ingest_publish_timeout_seconds
        )
    except KafkaUnavailableError as error:
        services.metrics.publish_failures.inc()
        raise retry_later(
            f"Kafka is unavailable ({error}); nothing is confirmed as accepted. Send the same "
            "events again (same event_id) later: events that did get through are stored once",
            retry_after_seconds=services.settings.ingest_retry_after_seconds,
        ) from error
    services.metrics.publish_seconds.observe(time.perf_counter() - started)
    if record is not None:
        record.accepted, record.rejected = len(events), 0
        record.event_ids = [str(event.event_id) for event in events]
