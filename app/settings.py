"""Settings from ``ENERGY_PORTAL_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

import re
import secrets
from datetime import date
from decimal import Decimal
from enum import Enum
from pathlib import Path

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Mode(str, Enum):
    """Development serves GraphiQL, the demo data and helpers; production none of them."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


class SettingsError(RuntimeError):
    """The settings do not allow the service to start."""


class Settings(BaseSettings):
    """Everything that differs between deployments."""

    model_config = SettingsConfigDict(env_prefix="ENERGY_PORTAL_", extra="ignore")

    mode: Mode = Field(Mode.DEVELOPMENT, description="`development` or `production`.")
    data_dir: Path = Field(Path("./var"), description="Folder for the SQLite file, files and the key.")
    database_url: str | None = Field(
        None, description="SQLAlchemy async URL; default a SQLite file in the data directory."
    )
    database_pre_ping: bool = Field(
        False,
        description="Test each pooled PostgreSQL connection with a round trip before use (costs "
        "about 0.35 ms of CPU a checkout); off, a dropped connection fails one request and the "
        "pool is renewed.",
    )
    redis_url: str | None = Field(None, description="Redis for shared sessions and rate limits.")
    database_pool_size: int = Field(
        20, ge=1, description="PostgreSQL connections each worker keeps open (pool size)."
    )
    database_max_overflow: int = Field(
        10, ge=0, description="Connections a worker may open beyond the pool size under load."
    )
    database_pool_timeout_seconds: float = Field(
        5.0, gt=0, description="How long a request waits for a free database connection before 503."
    )
    redis_max_connections: int = Field(
        64, ge=1, description="Redis connections each worker may hold; further callers wait."
    )
    redis_pool_timeout_seconds: float = Field(
        2.0, gt=0, description="How long a caller waits for a free Redis connection before 503."
    )
    max_concurrent_operations: int = Field(
        64, ge=1, description="GraphQL operations a worker runs at once; the rest wait in line."
    )
    operation_queue_timeout_seconds: float = Field(
        10.0, gt=0, description="How long an operation may wait in line before 503."
    )
    readiness_timeout_seconds: float = Field(
        2.0, gt=0, description="How long `/readyz` waits for each dependency."
    )
    max_query_cost: int = Field(
        10_000, ge=1, description="The largest static cost one operation may have (MAX_COST_EXCEEDED)."
    )
    cost_budget: int = Field(
        100_000, ge=1, description="A signed-in principal's cost budget (leaky bucket capacity)."
    )
    cost_restore_per_second: int = Field(
        2_000, ge=1, description="Cost points a signed-in principal's budget regains per second."
    )
    anonymous_cost_budget: int = Field(
        10_000, ge=1, description="The cost budget of anonymous requests from one client address."
    )
    anonymous_cost_restore_per_second: int = Field(
        100, ge=1, description="Cost points an anonymous client address regains per second."
    )
    max_response_bytes: int = Field(
        32 * 1024 * 1024, ge=1024, description="Largest response body; larger ones are refused."
    )
    file_sweep_grace_minutes: int = Field(
        60, ge=1, description="A stored file no row references is removed after this long."
    )
    notify_interval_minutes: int = Field(
        15, ge=1, description="How often a server process looks for new and overdue invoices to announce."
    )
    file_sweep_interval_minutes: int = Field(
        60, ge=0, description="How often the server sweeps orphan files (0: only at start)."
    )
    secret_key: SecretStr | None = Field(
        None, description="Signs tokens; generated into the data directory in development."
    )
    cutover_date: date = Field(date(2019, 10, 1), description="The current customer system's start.")
    full_invoice_details_from: date = Field(
        date(2020, 4, 1), description="Invoices issued from this date on have lines."
    )
    session_days: int = Field(14, description="How long a web session lasts.")
    seed_demo_data: bool = Field(True, description="Seed the demo data on first start (development).")
    payee_name: str = Field("Energia Oy", description="Recipient name on invoices.")
    payee_iban: str = Field("FI8915723500012345", description="Recipient account on invoices.")
    payee_bic: str = Field("NDEAFIHH", description="Recipient bank on invoices.")
    payee_business_id: str = Field("2841675-3", description="The retailer's business ID on documents.")
    seller_street: str = Field("Energiakatu 1", description="The retailer's street address on documents.")
    seller_postal_code: str = Field("00100", description="The retailer's postal code on documents.")
    seller_city: str = Field("Helsinki", description="The retailer's city on documents.")
    seller_vat_number: str = Field(
        "FI28416753", description="The retailer's VAT number (FI + business ID digits)."
    )
    customer_service_phone: str = Field(
        "+358 20 123 4567", description="Customer service phone on documents."
    )
    customer_service_email: str = Field(
        "asiakaspalvelu@example.fi", description="Customer service email address on documents."
    )
    late_payment_interest_percent: Decimal = Field(
        Decimal("11.5"), ge=0, le=100, description="Yearly late-payment interest printed on invoices."
    )
    contract_terms_version: str = Field(
        "2024-01", description="The version of the terms of supply named on contract confirmations."
    )
    public_origin: str = Field("http://127.0.0.1:8000", description="The server's own origin.")
    web_app_origin: str | None = Field(
        None, description="The web app's origin, for links people open (invitations); default the server's."
    )
    client_origins: list[str] = Field(
        default_factory=list,
        description="Origins that `returnTo` may point at (besides the server's own origin).",
    )
    oidc_issuer_url: str | None = Field(
        None, description="Strong identification broker (OpenID Connect issuer); default the dev IdP."
    )
    oidc_client_id: str = Field("energy-portal", description="Client ID at the identification broker.")
    oidc_client_secret: SecretStr | None = Field(None, description="Client secret at the broker.")
    access_token_minutes: int = Field(15, description="Lifetime of a mobile access token.")
    refresh_token_days: int = Field(30, description="Lifetime of a mobile refresh token.")
    session_idle_minutes: int = Field(60, description="A web session ends after this long unused.")
    smtp_host: str | None = Field(
        None, description="SMTP server for outgoing email; unset keeps mail in the outbox."
    )
    smtp_port: int = Field(587, description="SMTP port.")
    smtp_username: str | None = Field(None, description="SMTP user.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password.")
    smtp_from: str = Field("Energia Oy <no-reply@example.fi>", description="Sender of outgoing email.")

    @field_validator("payee_iban")
    @classmethod
    def _valid_iban(cls, value: str) -> str:
        from stdnum import iban

        compact = iban.compact(value)
        if not compact.startswith("FI") or not iban.is_valid(compact):
            raise ValueError("payee_iban must be a valid Finnish IBAN")
        return compact

    @field_validator("seller_vat_number")
    @classmethod
    def _valid_vat_number(cls, value: str, info: ValidationInfo) -> str:
        compact = value.replace(" ", "").upper()
        business_id = str(info.data.get("payee_business_id", "")).replace("-", "")
        if not re.fullmatch(r"FI\d{8}", compact) or (business_id and compact[2:] != business_id):
            raise ValueError("seller_vat_number must be FI followed by the 8 digits of the business ID")
        return compact

    @field_validator("payee_bic")
    @classmethod
    def _valid_bic(cls, value: str) -> str:
        from stdnum import bic

        if not bic.is_valid(value):
            raise ValueError("payee_bic must be a valid BIC")
        return bic.compact(value)

    @property
    def is_production(self) -> bool:
        return self.mode is Mode.PRODUCTION

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to ``<data_dir>/energy-portal.sqlite3``."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'energy-portal.sqlite3').resolve()}"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    def signing_key(self) -> str:
        """The secret key: configured, or in development generated once and kept on disk."""
        if self.secret_key is not None and self.secret_key.get_secret_value():
            return self.secret_key.get_secret_value()
        if self.is_production:
            raise SettingsError("ENERGY_PORTAL_SECRET_KEY is required in production mode")
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key

    def check_for_production(self) -> None:
        """Refuse settings that are unsafe in production."""
        if self.is_production:
            self.signing_key()
            if len(self.signing_key()) < 32:
                raise SettingsError("ENERGY_PORTAL_SECRET_KEY must be at least 32 characters")
