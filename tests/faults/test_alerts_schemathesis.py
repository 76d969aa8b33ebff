"""Bad input at the alert service's door: schemathesis drives the real process from its
own OpenAPI document, as an admin (every route open), as a viewer (the changes refused
with 403) and with a token that is no token. No 5xx, and every answer is one the
document describes."""

from __future__ import annotations

import asyncio

import pytest

from ioc_storage.operators import Role
from ioc_testing import ScratchDatabase
from ioc_testing.alert_service import AlertsLauncher
from ioc_testing.database import operator_with_token

from .fuzzing import fuzz, record_fuzzing

pytestmark = pytest.mark.connected


@pytest.mark.parametrize(
    "role",
    [Role.ADMIN, Role.VIEWER, None],
    ids=["admin", "viewer", "non-ascii-token"],
)
async def test_the_alerts_api_answers_every_generated_request_as_documented(
    catalog_database: ScratchDatabase,
    launch_alerts: AlertsLauncher,
    request: pytest.FixtureRequest,
    role: Role | None,
) -> None:
    if role is None:
        authorization = "Bearer été-and-more"
    else:
        token = await operator_with_token(catalog_database, f"fuzz.{role.value}", role=role)
        authorization = f"Bearer {token}"
    alerts = launch_alerts.ready(
        IOC_ALERTS_EVALUATE_EVERY_SECONDS="3600",
        # Many 401s on purpose in the second run: room for all of them.
        IOC_FAILED_ATTEMPTS_BURST="100000",
    )
    headers = {"Authorization": authorization.encode().decode("latin-1")}
    async with asyncio.timeout(300):
        sent = await asyncio.to_thread(fuzz, alerts.url, headers)
    record_fuzzing(
        request,
        fault=f"schemathesis on alerts ({request.node.callspec.id})",
        document="the alert service's /openapi.json",
        credential="with an admin's or a viewer's personal token or a non-ASCII one",
        sent=sent,
    )
