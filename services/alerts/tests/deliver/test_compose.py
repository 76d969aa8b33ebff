"""What a message shows is read when it goes out, on the real database: the newest
status and figures, never the value that fired; superseded messages compose to nothing;
a digest lists only the alerts its reader was told about."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from ioc_alerts.adapters.catalog import AlertingCatalog, load_alerting_catalog
from ioc_alerts.adapters.notifications import ClaimedNotification
from ioc_alerts.deliver.compose import MessageComposer
from ioc_alerts.deliver.context_builder import LinkSettings
from ioc_alerts.messages import NotificationKind
from ioc_storage.catalog_cache import CatalogCache

pytestmark = pytest.mark.connected

NOW = datetime.now(UTC).replace(microsecond=0)
TARGET = "dvc.ontime-95"
SERIES = ("dvc.ontime-rate", "province")
DUTY = "truc-ban-ioc"


def _claimed(alert_id: uuid.UUID | None, kind: NotificationKind, **fields: Any) -> Any:
    values = {"recipient": DUTY, "channel": "webhook", "attempt": 1, **fields}
    return ClaimedNotification(id=uuid.uuid4(), alert_id=alert_id, kind=kind, **values)


@pytest.fixture
async def composer(alerts_pool: asyncpg.Pool) -> MessageComposer:
    return MessageComposer(
        alerts_pool, LinkSettings("https://ioc.binhduong.example", b"k" * 32, None)
    )


@pytest.fixture
async def catalog(alerts_pool: asyncpg.Pool) -> AlertingCatalog:
    return await CatalogCache(alerts_pool, load_alerting_catalog, refresh_seconds=60).current()


async def test_a_message_shows_the_newest_status_figures_and_a_link_to_acknowledge(
    composer: MessageComposer, catalog: AlertingCatalog, decided: Any, figures: Any
) -> None:
    alert = await decided.alert(TARGET, current_value=81.5, opened_at=NOW - timedelta(days=2))
    await decided.status(TARGET, current_value=90.0, at=NOW - timedelta(hours=3))
    await figures.put(*SERIES, (NOW - timedelta(days=2), 81.5), (NOW - timedelta(hours=3), 90.0))
    duty = catalog.recipients[DUTY]

    message = await composer.compose(_claimed(alert, NotificationKind.REPEAT), duty, catalog, NOW)

    assert message is not None
    [context] = message.contexts
    assert (context.current_value, context.target_code) == (90.0, TARGET)
    assert [value for _, value in context.chart.series] == [81.5, 90.0]
    assert context.ack_url is not None
    assert context.ack_url.startswith(f"https://ioc.binhduong.example/ack/{alert}?")
    assert message.alert_id == str(alert)
    assert message.chart_png is None  # the webhook sends data, not a picture


@pytest.mark.parametrize(
    ("state", "kind", "composed"),
    [
        ("resolved", NotificationKind.FIRING, False),
        ("resolved", NotificationKind.ESCALATION, False),
        ("resolved", NotificationKind.RESOLVED, True),
        ("acknowledged", NotificationKind.REPEAT, False),
        ("acknowledged", NotificationKind.ESCALATION, False),
        ("acknowledged", NotificationKind.CHANGED, True),
    ],
)
async def test_superseded_messages_compose_to_nothing(
    composer: MessageComposer,
    catalog: AlertingCatalog,
    decided: Any,
    state: str,
    kind: NotificationKind,
    composed: bool,
) -> None:
    alert = await decided.alert(TARGET, state=state, opened_at=NOW - timedelta(days=2))

    message = await composer.compose(_claimed(alert, kind), catalog.recipients[DUTY], catalog, NOW)

    assert (message is not None) is composed
    if message is not None:
        [context] = message.contexts
        assert context.ack_url is None  # only a firing alert can be acknowledged


async def test_a_digest_lists_only_the_open_alerts_its_reader_was_told_about(
    composer: MessageComposer, catalog: AlertingCatalog, decided: Any
) -> None:
    told = await decided.alert(TARGET, opened_at=NOW - timedelta(days=2))
    untold = await decided.alert("dvc.ontime-95.so-xd", opened_at=NOW - timedelta(days=1))
    await decided.notification(told, recipient=DUTY, channel="email", status="sent", due=NOW)
    await decided.notification(untold, recipient=DUTY, channel="email", status="failed", due=NOW)
    digest = _claimed(None, NotificationKind.DIGEST, channel="email")

    message = await composer.compose(digest, catalog.recipients[DUTY], catalog, NOW)

    assert message is not None
    assert [context.target_code for context in message.contexts] == [TARGET]
    assert message.alert_id is None
    await decided.pool.execute("UPDATE ioc.alerts SET state = 'resolved', resolved_at = now()")
    assert await composer.compose(digest, catalog.recipients[DUTY], catalog, NOW) is None
