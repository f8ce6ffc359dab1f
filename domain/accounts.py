"""Account security records: one-time tokens, refresh tokens, outgoing email, rate limits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from domain.base import StrEnum, UTCDateTime, enum_field, utcnow


class OneTimeTokenKind(StrEnum):
    """What a single-use emailed token is for."""

    PASSWORD_RESET = "PASSWORD_RESET"
    EMAIL_CONFIRMATION = "EMAIL_CONFIRMATION"


class OneTimeToken(SQLModel, table=True):
    """A single-use token sent by email; only its hash is stored."""

    __tablename__ = "one_time_tokens"
    __table_args__ = (Index("ix_one_time_tokens_user_kind", "user_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: OneTimeTokenKind = enum_field(OneTimeTokenKind)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="users.id")
    #: The address the token was sent to (for email confirmation: the one confirmed).
    email: str = Field(max_length=254)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    invalidated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RefreshToken(SQLModel, table=True):
    """An opaque mobile refresh token, rotated on every use; only its hash is stored.

    Tokens rotated from one another share a ``family_id``; presenting a token that was
    already rotated revokes the whole family.
    """

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_family", "family_id"),)

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    family_id: str = Field(max_length=32)
    user_id: int = Field(foreign_key="users.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    rotated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutboxEmail(SQLModel, table=True):
    """An email to send, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox_emails"
    __table_args__ = (Index("ix_outbox_emails_pending", "sent_at", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=200)
    text: str
    links: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=500)
    #: Free-form metadata (e.g. which token or template produced it).
    meta: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class RateLimitHit(SQLModel, table=True):
    """One counted attempt under a rate-limit key (sliding window, database store)."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_key_at", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CostBudget(SQLModel, table=True):
    """A principal's GraphQL cost budget, a leaky bucket (database store; Redis when configured).

    ``level`` is the cost spent and not yet restored as of ``updated_at`` (epoch seconds);
    it drains at the principal's restore rate, and a request may add its cost only while
    the level stays within the capacity.
    """

    __tablename__ = "cost_budgets"

    key: str = Field(primary_key=True, max_length=200)
    level: float
    updated_at: float
    #: What the last request added (0 when it was refused): tells a refusal from a charge.
    last_charge: float = 0
