"""The shared token is a development bootstrap only; roles include the ones below them;
only tokens of the operators' shape are looked up."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from ioc_alerts.config import AlertsSettings
from ioc_storage.credentials import new_api_key
from ioc_storage.operators import Role, token_prefix_of


def _settings(**values: object) -> AlertsSettings:
    return AlertsSettings(
        database_url=SecretStr("postgresql://ioc_alerts@127.0.0.1/ioc"),
        ack_secret=SecretStr("a-secret-of-sixteen-or-more"),
        **values,  # type: ignore[arg-type]
    )


def test_the_shared_token_is_refused_in_production_and_optional_everywhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `./dev test` exports the local runner's settings, its bootstrap token among them.
    monkeypatch.delenv("IOC_API_TOKEN", raising=False)
    assert _settings().api_token is None
    assert _settings(env="development", api_token=SecretStr("a-token-of-sixteen-or-more"))
    assert _settings(env="production").api_token is None
    with pytest.raises(ValidationError, match="IOC_API_TOKEN is for development only"):
        _settings(env="production", api_token=SecretStr("a-token-of-sixteen-or-more"))


@pytest.mark.parametrize(
    ("role", "may"),
    [
        (Role.VIEWER, {Role.VIEWER}),
        (Role.OPERATOR, {Role.VIEWER, Role.OPERATOR}),
        (Role.ADMIN, {Role.VIEWER, Role.OPERATOR, Role.ADMIN}),
    ],
)
def test_each_role_can_do_what_the_roles_below_it_can(role: Role, may: set[Role]) -> None:
    assert {needed for needed in Role if role.allows(needed)} == may


def test_only_operator_tokens_are_shaped_like_one() -> None:
    assert token_prefix_of("iocop_ab12cd34_" + "x" * 43) == "ab12cd34"
    for other in (new_api_key(), "iocop_ab12cd34_short", "iocop_AB12CD34_" + "x" * 43, "été"):
        assert token_prefix_of(other) is None
    assert token_prefix_of("iocop_ab12cd34_" + "x" * 43 + "\n") is None
