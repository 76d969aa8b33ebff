"""How a JSON body carries events: one event object, or `{"events": [...]}`."""

from __future__ import annotations

from ioc_catalog.wording import bilingual
from ioc_contracts.member_names import repeated_names
from ioc_ingest.domain.problems import RequestShapeError

BATCH_FIELD = "events"


def events_in(document: object, *, max_batch: int) -> list[object]:
    """The event objects a request body holds, in order (not yet validated)."""
    if isinstance(document, list):
        raise RequestShapeError(
            None, 'send one event as an object, or several as {"events": [...]}, not a bare array'
        )
    if not isinstance(document, dict):
        raise RequestShapeError(None, "the body must be a JSON object")
    if BATCH_FIELD not in document:
        return [document]
    if BATCH_FIELD in repeated_names(document):
        raise RequestShapeError(
            BATCH_FIELD,
            bilingual(
                f'"{BATCH_FIELD}" được ghi nhiều lần; hãy gửi một mảng sự kiện duy nhất',
                f'"{BATCH_FIELD}" appears more than once; send one array of events',
            ),
        )
    others = sorted(key for key in document if key != BATCH_FIELD)
    if others:
        raise RequestShapeError(
            others[0], f'a batch body holds only "{BATCH_FIELD}"; unknown field {others[0]!r}'
        )
    items = document[BATCH_FIELD]
    if not isinstance(items, list):
        raise RequestShapeError(BATCH_FIELD, "must be an array of events")
    if not items:
        raise RequestShapeError(BATCH_FIELD, "must hold at least one event")
    if len(items) > max_batch:
        raise RequestShapeError(
            BATCH_FIELD,
            f"at most {max_batch} events per request, got {len(items)}; split the batch",
        )
    return items
