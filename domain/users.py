"""Users (login accounts), their sign-in sessions, and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from domain.base import Language, StrEnum, UTCDateTime, enum_field, utcnow


class UserRole(StrEnum):
    """What kind of user: a customer-side user or customer-service staff."""

    CUSTOMER = "CUSTOMER"
    CUSTOMER_SERVICE = "CUSTOMER_SERVICE"


class User(SQLModel, table=True):
    """A login account. May be linked to a strong (bank / mobile certificate) identity."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64)
    #: The username folded to lower case: usernames are unique case-insensitively.
    username_key: str = Field(max_length=64, unique=True)
    email: str = Field(max_length=254, index=True)
    email_verified: bool = False
    #: The person's name as strong identification gave it ("Matti Meikäläinen"); None
    #: when not known (users registered before names, staff).
    name: str | None = Field(default=None, max_length=200)
    password_hash: str = Field(max_length=255)
    role: UserRole = enum_field(UserRole, UserRole.CUSTOMER)
    #: Personal identity code of the verified strong identity, when linked.
    strong_identity: str | None = Field(default=None, max_length=16, unique=True)
    #: The user's language (``domain.languages``): emails, documents and messages use it.
    language: Language = enum_field(Language, Language.FI)
    #: Where ``language`` came from (``domain.languages.LanguageSource``); None: never set.
    language_source: str | None = Field(default=None, max_length=16)
    #: Created by the demo data generator; production refuses to start with these.
    is_demo: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def display_name(user: User) -> str:
    """How a person is shown to others: their name, or their username when it is not known."""
    return user.name or user.username


class UserSession(SQLModel, table=True):
    """A signed-in web session. Only a hash of the cookie's token is stored."""

    __tablename__ = "user_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    #: Last request seen with this session (idle timeout).
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditEvent(SQLModel, table=True):
    """Who did what, on whose behalf, and when."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_customer_at", "customer_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor_user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    customer_id: int | None = Field(default=None, foreign_key="customers.id")
    action: str = Field(max_length=64)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
