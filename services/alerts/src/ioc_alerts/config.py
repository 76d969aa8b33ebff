"""The alert service's settings, read once at start-up from IOC_* variables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta

from pydantic import Field, SecretStr, field_validator, model_validator

from ioc_alerts.clock import real_clock, simulated_clock
from ioc_alerts.domain.reminders import ReminderPolicy
from ioc_alerts.lifecycle.quiet_hours import QuietHours
from ioc_alerts.notify.retry import RetryPolicy
from ioc_alerts.notify.smtp import SmtpSettings
from ioc_alerts.notify.telegram import TelegramSettings
from ioc_alerts.notify.webhook import SECRET_PREFIX, WebhookSettings, signing_key
from ioc_alerts.notify.zalo import ZALO_API, ZaloSettings
from ioc_alerts.notify.zalo_oauth import ZALO_OAUTH, ZaloAppSettings
from ioc_contracts.catalog import Cadence
from ioc_contracts.topics import ALERTS_TOPIC, SERIES_UPDATED_TOPIC
from ioc_runtime import ServiceSettings
from ioc_runtime.settings import Environment


class AlertsSettings(ServiceSettings):
    database_url: SecretStr = Field(description="DSN of the ioc_alerts role")
    http_host: str = Field(default="127.0.0.1")
    http_port: int = Field(default=8082, ge=1, le=65535)
    public_base_url: str = Field(
        default="http://127.0.0.1:8082", description="Where leaders reach the ack links"
    )
    ack_secret: SecretStr = Field(min_length=16, description="Signs acknowledgement links")
    api_token: SecretStr | None = Field(
        default=None,
        min_length=16,
        description="Development only: a shared token acting as the admin `bootstrap` "
        "(./dev up, tests). Operators use personal tokens (ioc-db operator-token create).",
    )
    grafana_url: str | None = Field(default=None, description="Grafana base URL for panel links")
    ack_link_valid_days: float = Field(
        default=3.0, gt=0, le=60, description="How long an acknowledgement link works"
    )
    failed_attempts_per_minute: float = Field(
        default=10.0, gt=0, description="Failed API/ack attempts a client address may make"
    )
    failed_attempts_burst: int = Field(default=20, ge=1)
    db_acquire_timeout_seconds: float = Field(
        default=2.0, gt=0, le=60, description="Longest wait for a database connection (503 after)"
    )

    alerts_group_id: str = Field(default="ioc-alerts")
    # Static membership (KIP-345): a replica restarting under the same id (its pod's
    # name) takes its partitions back without a rebalance. Unset: a new member each start.
    alerts_group_instance_id: str | None = Field(default=None, min_length=1)
    alerts_updates_topic: str = Field(default=SERIES_UPDATED_TOPIC)
    alerts_topic: str = Field(default=ALERTS_TOPIC)
    alerts_evaluate_every_seconds: float = Field(default=60.0, gt=0)
    alerts_dispatch_every_seconds: float = Field(default=1.0, gt=0)
    alerts_repeat_every_hours: float = Field(default=12.0, gt=0)
    alerts_quiet_start: time = Field(default=time(21, 30))
    alerts_quiet_end: time = Field(default=time(6, 30))
    alerts_quiet_critical_bypass: bool = True
    alerts_digest_at: time = Field(default=time(7, 30), description="Vietnam time")
    alerts_catalog_refresh_seconds: float = Field(default=30.0, gt=0)
    alerts_clock_start: datetime | None = Field(
        default=None, description="Run on a simulated clock from this instant (demo, replay)"
    )
    alerts_clock_speed: float = Field(default=1.0, gt=0, description="Simulated seconds per second")
    alerts_clock_anchor: float | None = Field(
        default=None, description="Unix time at which the simulated clock reads its start"
    )

    # The reporting calendar's reminders (ioc_alerts.reminders).
    alerts_reminders_enabled: bool = Field(default=True, description="Plan reporting reminders")
    alerts_reminder_lead_days: float = Field(
        default=3.0, ge=0, le=60, description="Days before a report is due to remind"
    )
    alerts_reminder_grace_days: float = Field(
        default=2.0, ge=0, le=60, description="Days after it was due to tell the director"
    )
    alerts_reminder_cadences: tuple[Cadence, ...] = Field(
        default=(Cadence.WEEKLY, Cadence.MONTHLY, Cadence.QUARTERLY, Cadence.YEARLY),
        description="Cadences whose reports are reminded (JSON list)",
    )

    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_tls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from_address: str = "ioc-canh-bao@binhduong.example"
    smtp_from_name: str = "IOC Bình Dương"
    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org"
    zalo_app_id: str | None = Field(default=None, description="Zalo app that renews OA tokens")
    zalo_app_secret: SecretStr | None = Field(default=None, description="That app's secret key")
    zalo_refresh_token: SecretStr | None = Field(
        default=None,
        description="First OA refresh token: seeds the token store when it holds none usable",
    )
    zalo_oauth_base_url: str = ZALO_OAUTH
    zalo_access_token: SecretStr | None = Field(
        default=None,
        description="A fixed OA access token instead of the app: it expires after 25 hours",
    )
    zalo_base_url: str = ZALO_API
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = Field(
        default=None, description="Standard Webhooks secret: whsec_ + base64 of random bytes"
    )
    webhook_allow_hosts: tuple[str, ...] = ()
    alerts_send_deadline_seconds: float = Field(
        default=60.0, gt=0, le=600, description="Longest one send may take, all phases together"
    )
    alerts_max_in_flight: int = Field(
        default=16, ge=1, le=256, description="Sends at once, across channels"
    )
    alerts_lease_seconds: float = Field(
        default=300.0,
        ge=3,
        description="How long a claimed notification is held before another replica may "
        "send it; renewed every third of it during a long send",
    )
    retry_max_attempts: int = Field(default=8, ge=1)
    retry_base_delay_seconds: float = Field(default=30.0, gt=0)
    retry_max_delay_seconds: float = Field(default=3600.0, gt=0)

    @field_validator("webhook_secret")
    @classmethod
    def _standard_webhook_secret(cls, secret: SecretStr | None) -> SecretStr | None:
        if secret is not None:
            signing_key(secret.get_secret_value())  # says the form expected, not the value
        return secret

    def secret_values(self) -> Iterator[str]:
        yield from super().secret_values()
        if self.webhook_secret is not None:
            # The key without its prefix is as secret as the whole.
            yield self.webhook_secret.get_secret_value().removeprefix(SECRET_PREFIX)

    @model_validator(mode="after")
    def _no_shared_token_in_production(self) -> AlertsSettings:
        # A shared token names nobody: in production every change has a person behind it.
        if self.api_token is not None and self.env is Environment.PRODUCTION:
            raise ValueError(
                "IOC_API_TOKEN is for development only; issue personal tokens with "
                "`ioc-db operator-token create` and unset it"
            )
        return self

    @model_validator(mode="after")
    def _one_way_to_zalo(self) -> AlertsSettings:
        app = (self.zalo_app_id, self.zalo_app_secret)
        if any(part is not None for part in app) and None in app:
            raise ValueError("IOC_ZALO_APP_ID and IOC_ZALO_APP_SECRET go together")
        if self.zalo_refresh_token is not None and self.zalo_app_id is None:
            raise ValueError("IOC_ZALO_REFRESH_TOKEN needs IOC_ZALO_APP_ID and IOC_ZALO_APP_SECRET")
        if self.zalo_access_token is not None and self.zalo_app_id is not None:
            raise ValueError(
                "set either IOC_ZALO_ACCESS_TOKEN (a fixed token) or IOC_ZALO_APP_ID and "
                "IOC_ZALO_APP_SECRET (tokens renewed by the service), not both"
            )
        return self

    def clock(self) -> Callable[[], datetime]:
        if self.alerts_clock_start is None:
            return real_clock
        return simulated_clock(
            self.alerts_clock_start, self.alerts_clock_speed, self.alerts_clock_anchor
        )

    @property
    def repeat_every(self) -> timedelta:
        return timedelta(hours=self.alerts_repeat_every_hours)

    def quiet_hours(self) -> QuietHours:
        return QuietHours(
            self.alerts_quiet_start, self.alerts_quiet_end, self.alerts_quiet_critical_bypass
        )

    def reminder_policy(self) -> ReminderPolicy:
        return ReminderPolicy(
            lead=timedelta(days=self.alerts_reminder_lead_days),
            grace=timedelta(days=self.alerts_reminder_grace_days),
            cadences=frozenset(self.alerts_reminder_cadences),
        )

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.retry_max_attempts,
            base_delay=timedelta(seconds=self.retry_base_delay_seconds),
            max_delay=timedelta(seconds=self.retry_max_delay_seconds),
        )

    def smtp(self) -> SmtpSettings | None:
        if self.smtp_host is None:
            return None
        return SmtpSettings(
            host=self.smtp_host,
            port=self.smtp_port,
            starttls=self.smtp_starttls,
            tls=self.smtp_tls,
            username=self.smtp_username,
            password=self.smtp_password,
            from_address=self.smtp_from_address,
            from_name=self.smtp_from_name,
        )

    def telegram(self) -> TelegramSettings | None:
        if self.telegram_bot_token is None:
            return None
        return TelegramSettings(bot_token=self.telegram_bot_token, base_url=self.telegram_base_url)

    def zalo(self) -> ZaloSettings | None:
        if self.zalo_access_token is None and self.zalo_app_id is None:
            return None
        return ZaloSettings(access_token=self.zalo_access_token, base_url=self.zalo_base_url)

    def zalo_app(self) -> ZaloAppSettings | None:
        """The app that renews the OA's tokens; None in fixed-token mode or without Zalo."""
        if self.zalo_app_id is None or self.zalo_app_secret is None:
            return None
        return ZaloAppSettings(
            app_id=self.zalo_app_id,
            app_secret=self.zalo_app_secret,
            refresh_token=self.zalo_refresh_token,
            oauth_base_url=self.zalo_oauth_base_url,
        )

    def longest_send_seconds(self) -> float:
        """The longest one delivery attempt can last: the send deadline that bounds every
        send, or a channel's own timeout if one is set longer."""
        channels = (self.smtp(), self.telegram(), self.zalo(), self.webhook())
        timeouts = [channel.timeout_seconds for channel in channels if channel is not None]
        return max([self.alerts_send_deadline_seconds, *timeouts])

    def webhook(self) -> WebhookSettings | None:
        if self.webhook_url is None or self.webhook_secret is None:
            return None
        return WebhookSettings(
            url=self.webhook_url, secret=self.webhook_secret, allow_hosts=self.webhook_allow_hosts
        )
