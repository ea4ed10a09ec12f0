"""Notification channel and outbox worker settings (prefix ``TALENT_``, like ``app.config``).

Kept beside the channel clients so they can be merged into ``app.config.Settings`` in one move:
the class reads the same environment and ``.env`` file, and ``outbox_dir`` and ``base_url``
stay in ``app.config``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class NotificationSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TALENT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Email and SMS are written as JSON files to outbox_dir unless a real transport is chosen.
    notify_email_transport: Literal["file", "smtp"] = "file"
    # SMS costs money and needs a gateway contract, so it is opt-in even in file mode.
    notify_sms_enabled: bool = False
    notify_sms_transport: Literal["file", "gateway"] = "file"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_from: str = "noreply@talent.example.gov.cn"
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    sms_gateway_url: str = ""
    sms_gateway_token: SecretStr | None = None
    sms_gateway_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    # auto: an asyncio loop inside the web process on SQLite; `talent-portal worker` on PostgreSQL.
    outbox_worker: Literal["auto", "inprocess", "external", "off"] = "auto"
    outbox_poll_seconds: float = Field(default=2.0, gt=0, le=60)
    outbox_batch_size: int = Field(default=50, ge=1, le=1000)
    outbox_max_attempts: int = Field(default=8, ge=1, le=50)
    outbox_backoff_seconds: float = Field(default=30.0, ge=0)
    outbox_backoff_max_seconds: float = Field(default=6 * 3600.0, ge=0)
    # A claimed message is invisible to other workers this long; a crashed worker's claims
    # become due again when it runs out. Must exceed the slowest single delivery (timeouts).
    outbox_lease_seconds: float = Field(default=120.0, gt=0)

    @model_validator(mode="after")
    def _transports_are_configured(self) -> NotificationSettings:
        gateway = self.notify_sms_enabled and self.notify_sms_transport == "gateway"
        if gateway and not self.sms_gateway_url.startswith(("https://", "http://")):
            raise ValueError("TALENT_SMS_GATEWAY_URL must be an http(s) URL")
        if self.smtp_ssl and self.smtp_starttls:
            raise ValueError("choose TALENT_SMTP_SSL or TALENT_SMTP_STARTTLS, not both")
        slowest = max(self.smtp_timeout_seconds, self.sms_gateway_timeout_seconds)
        if self.outbox_lease_seconds <= slowest:
            raise ValueError("TALENT_OUTBOX_LEASE_SECONDS must exceed the channel timeouts")
        return self


@lru_cache
def get_notification_settings() -> NotificationSettings:
    return NotificationSettings()
