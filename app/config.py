"""Application settings, read once from the environment (prefix ``TALENT_``) and ``.env``."""

from __future__ import annotations

import base64
import ipaddress
from datetime import time
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Development-only secrets: the app refuses to start in production while any of these is in use.
_DEV_SECRET = "dev-secret-change-me-0123456789abcdef0123456789"
_DEV_DATA_KEY = base64.b64encode(b"dev-data-key-32-bytes-long-00000").decode()
_DEV_INDEX_KEY = "dev-blind-index-key-change-me-0123456789"


# What a payment batch file can carry, one column each (TALENT_PAYMENT_BATCH_COLUMNS).
PAYMENT_BATCH_FIELDS = (
    "entitlement_id",  # our reference, echoed in the bank's result file
    "account_name",  # the payee's name, masked
    "bank_account",  # the payee's account number, in full (the bank needs it)
    "amount_cny",
    "currency",
    "month",  # the month paid
    "payer_name",
    "payer_account",
    "bank_code",
    "district",
)


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TALENT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Environment = Environment.DEVELOPMENT
    database_url: str = Field(
        default=f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'talent.db'}",
        description=(
            "SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://..."
            " (postgresql+psycopg also works)"
        ),
    )
    # A streaming replica of database_url (or a pool in front of replicas) for read-only pages:
    # the staff queues, dashboards and indicator pages read there (app.db.ReadSessionDep), so
    # their scans leave the primary's cores to the writes. Unset: they read the primary. Its
    # lag is what those pages may show late; nothing that writes ever reads there.
    database_read_url: str | None = None
    db_pool_size: int = 10
    # How long a request waits for a pooled connection before it is answered 503 (a worker keeps
    # max(db_pool_size, max_concurrent_requests) and opens up to 2 x db_pool_size in all).
    db_pool_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    # A pooled connection idle longer than this is pinged before use (one that was in use a
    # moment ago is not: with asyncpg a ping is three round trips).
    db_ping_after_idle_seconds: float = Field(default=1.0, ge=0)
    # Load shedding (app/core/shedding.py), per worker process: at most this many requests are
    # served at once; one more waits up to shed_wait_seconds for a slot, then is answered 503
    # with Retry-After instead of queueing behind the others. A case read costs about 5 ms of
    # CPU and a few of its own in round trips, so a handful in flight keep a core busy; ten
    # (the pool's size, so an admitted request need not wait on the pool) answer within about
    # 10 x 5 ms, and the wait keeps every answer, served or shed, well within a second
    # (bench/overload.py). 0 turns shedding off.
    max_concurrent_requests: int = Field(default=10, ge=0)
    shed_wait_seconds: float = Field(default=0.25, ge=0, le=10)
    shed_retry_after_seconds: int = Field(default=1, ge=1, le=120)
    secret_key: SecretStr = SecretStr(_DEV_SECRET)
    # AES-256-GCM key for ID and passport numbers, base64 of 32 bytes.
    data_key: SecretStr = SecretStr(_DEV_DATA_KEY)
    # HMAC key of the blind index; separate from data_key so one leak does not expose both.
    blind_index_key: SecretStr = SecretStr(_DEV_INDEX_KEY)
    upload_dir: Path = PROJECT_ROOT / "var" / "uploads"
    # Where documents are kept: "local" (upload_dir) or "s3", any store speaking the S3 API
    # (README: Storage). The s3_* settings matter only with "s3".
    storage: Literal["local", "s3"] = "local"
    s3_endpoint_url: str | None = None
    s3_bucket: str = "talent-documents"
    s3_region: str = "us-east-1"
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    # "path" for MinIO behind a host name, "virtual" for Alibaba OSS; "auto" lets botocore pick.
    s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"
    # Bytes sent per multipart part: also the most of a document a worker holds at once.
    s3_part_size_bytes: int = Field(default=8 * 1024 * 1024, ge=5 * 1024 * 1024)
    # "sha256": every upload carries x-amz-checksum-sha256, checked by the store and read back;
    # "none" for a store that does not implement S3's additional checksums.
    s3_checksum: Literal["sha256", "none"] = "sha256"
    outbox_dir: Path = PROJECT_ROOT / "var" / "outbox"
    # A person's copies of their data (ZIP), deleted when their link expires.
    export_dir: Path = PROJECT_ROOT / "var" / "exports"
    export_link_hours: int = Field(default=24, ge=1, le=7 * 24)
    base_url: str = "http://127.0.0.1:8000"
    # Youth stations: a stay not checked in by this local (Shanghai) time of its first day is
    # released as a no-show. Assumed: no source gives a station's latest arrival.
    youth_station_checkin_cutoff: time = time(20, 0)
    # How far ahead a stay may be booked (days, assumed; the policy names no horizon).
    youth_station_booking_days: int = Field(default=30, ge=1, le=365)
    # The font issued documents (written decisions) are set in; Chinese needs a CJK face, and
    # only the glyphs used are embedded. Debian's fonts-wqy-microhei (TrueType outlines): Noto
    # Sans CJK's CID-keyed CFF outlines embed too, but are written with an embedded encoding
    # CMap that pypdf and other extractors misread, so their text does not copy or extract.
    document_font_path: Path = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
    document_font_face: int = Field(default=0, ge=0)
    # A copy uploaded on the public verification page is compared, never kept; this bounds it.
    verify_upload_max_bytes: int = Field(default=5 * 1024 * 1024, ge=64 * 1024)
    default_language: Literal["zh", "en"] = "zh"
    rate_limit_storage: str = Field(
        default="memory://",
        description="limits storage URI; use redis://127.0.0.1:6379/0 with several workers",
    )
    rate_limit_login: str = "30/minute"
    rate_limit_public: str = "120/minute"
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    # Failed sign-ins per account and client address before delays start; each further failure
    # doubles the delay from the base up to the cap. Nothing locks an account: a delay only
    # holds the address that failed, so a stranger's guesses cannot keep the owner out.
    login_max_failures: int = 10
    login_delay_base_seconds: int = Field(default=30, ge=1)
    login_delay_max_seconds: int = Field(default=900, ge=1)
    # Failures per account per hour from all addresses together (ASVS 2.2.1: at most 100);
    # beyond it an applicant account waits for the hour to end. Staff accounts are exempt:
    # they also need a TOTP code, so password guesses alone never hold them.
    login_account_failures_per_hour: int = Field(default=100, ge=1)
    password_min_length: int = 8
    # A password-reset link sent by email works once, for this long.
    password_reset_minutes: int = Field(default=30, ge=5, le=24 * 60)
    # The link that confirms a new applicant's email address works once, for this long.
    email_confirmation_hours: int = Field(default=48, ge=1, le=14 * 24)
    upload_max_bytes: int = 10 * 1024 * 1024
    # Every request body is read in full, within these limits, before the request reaches
    # authentication or the database (app/core/bodies.py): a slow or endless body holds a
    # socket and a spool file, never a transaction. Uploads (multipart) may be upload_max_bytes
    # plus their form fields; any other body (forms, JSON) body_max_bytes.
    body_max_bytes: int = Field(default=1024 * 1024, ge=16 * 1024)
    body_read_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    # The request line and headers, bounded by the server protocol before any app code runs
    # (app/core/http_protocol.py): larger heads get 431, stalled ones 408.
    max_request_head_bytes: int = Field(default=32 * 1024, ge=4 * 1024, le=1024 * 1024)
    request_head_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    upload_read_timeout_seconds: float = Field(default=120.0, gt=0, le=3600)
    # What one applicant may keep in the document wallet.
    upload_quota_files: int = Field(default=100, ge=1)
    upload_quota_bytes: int = Field(default=200 * 1024 * 1024, ge=1024 * 1024)
    # Reverse proxies whose X-Forwarded-For is believed (comma-separated IPs or CIDRs). Empty:
    # the peer address is the client, whatever the request says (app/core/proxies.py).
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()
    privacy_notice_version: str = "2026-11"
    log_level: str = "INFO"
    # JSON-lines files (app.log, access.log) beside stderr; empty turns the files off.
    log_dir: Path | None = PROJECT_ROOT / "var" / "log"
    log_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    log_backup_count: int = Field(default=50, ge=1, le=10_000)
    # Rotated files older than this are deleted by the worker's round (MLPS: at least 180 days).
    log_retention_days: int = Field(default=180, ge=1)
    # Outside systems for verified facts (免提交). Defaults are the simulator `make run` starts.
    verification_identity_url: str = "http://127.0.0.1:8100/identity/v1"
    verification_social_insurance_url: str = "http://127.0.0.1:8100/social-insurance/v1"
    verification_degrees_url: str = "http://127.0.0.1:8100/degrees/v1"
    verification_hukou_url: str = "http://127.0.0.1:8100/hukou/v1"
    verification_token: SecretStr | None = None
    verification_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    verification_max_attempts: int = Field(default=3, ge=1, le=10)
    verification_backoff_base_seconds: float = Field(default=0.2, ge=0)
    verification_backoff_max_seconds: float = Field(default=5.0, ge=0)
    verification_breaker_failure_threshold: int = Field(default=5, ge=1)
    verification_breaker_reset_seconds: float = Field(default=30.0, gt=0)
    # The worker asks a system that was down again after this, doubling up to an hour.
    verification_retry_seconds: float = Field(default=30.0, gt=0, le=3600)
    # The bank's subsidy payment batch file: the paying account and the columns, in order
    # (TALENT_PAYMENT_BATCH_COLUMNS=entitlement_id,account_name,... ; see PAYMENT_BATCH_FIELDS).
    payment_batch_payer_name: str = Field(default="区人才工作专项资金", max_length=100)
    payment_batch_payer_account: str = Field(default="", pattern=r"^\d{0,30}$")
    payment_batch_bank_code: str = Field(default="", pattern=r"^[0-9A-Z]{0,12}$")
    payment_batch_currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    payment_batch_columns: Annotated[tuple[str, ...], NoDecode] = (
        "entitlement_id",
        "account_name",
        "bank_account",
        "amount_cny",
        "month",
    )

    # Each district's monthly rent-subsidy budget for the housing dashboard; unset, the
    # dashboard uses an assumed figure and says so (no budget has been published).
    subsidy_monthly_budget_yangpu_cny: int | None = Field(default=None, ge=0)
    subsidy_monthly_budget_changning_cny: int | None = Field(default=None, ge=0)

    @field_validator("database_read_url", "log_dir", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # A deployment file passes a variable through even when it is left empty: no replica,
        # no log files (an empty log_dir was read as Path("."), the working directory).
        return None if value == "" else value

    @field_validator("payment_batch_columns", mode="before")
    @classmethod
    def _split_columns(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            ipaddress.ip_network(entry, strict=False)  # a ValueError names the bad entry
        return value

    @field_validator("payment_batch_columns")
    @classmethod
    def _known_columns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [c for c in value if c not in PAYMENT_BATCH_FIELDS]
        if unknown:
            raise ValueError(
                f"unknown payment batch columns {unknown}; known: {', '.join(PAYMENT_BATCH_FIELDS)}"
            )
        if len(set(value)) != len(value):
            raise ValueError("a payment batch column is listed twice")
        # The bank's result file names each payment by it, so reconciliation needs it.
        if "entitlement_id" not in value:
            raise ValueError("the payment batch columns must include entitlement_id")
        return value

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_production(self) -> Settings:
        if self.environment is Environment.PRODUCTION:
            defaults = {
                "TALENT_SECRET_KEY": self.secret_key.get_secret_value() == _DEV_SECRET,
                "TALENT_DATA_KEY": self.data_key.get_secret_value() == _DEV_DATA_KEY,
                "TALENT_BLIND_INDEX_KEY": self.blind_index_key.get_secret_value() == _DEV_INDEX_KEY,
            }
            bad = [name for name, is_default in defaults.items() if is_default]
            if bad:
                raise ValueError(
                    "refusing to start in production with development secrets: " + ", ".join(bad)
                )
            if len(self.secret_key.get_secret_value()) < 32:
                raise ValueError("TALENT_SECRET_KEY must be at least 32 characters")
            urls = (
                self.verification_identity_url,
                self.verification_social_insurance_url,
                self.verification_degrees_url,
                self.verification_hukou_url,
            )
            if any(not u.startswith("https://") for u in urls):
                raise ValueError("TALENT_VERIFICATION_*_URL must be https:// in production")
        key = base64.b64decode(self.data_key.get_secret_value())
        if len(key) != 32:
            raise ValueError("TALENT_DATA_KEY must be base64 of exactly 32 bytes")
        return self

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sync_database_url(self) -> str:
        """The same database through a synchronous driver, for Alembic."""
        return self.database_url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")


@lru_cache
def get_settings() -> Settings:
    return Settings()
