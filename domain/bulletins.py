"""Bulletins: short notices to signed-in users (SPEC 10)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from domain.base import StrEnum, UTCDateTime, enum_field, utcnow


class Severity(StrEnum):
    """How important a bulletin is."""

    INFO = "INFO"
    WARNING = "WARNING"


class Audience(StrEnum):
    """Who a bulletin is for."""

    ALL = "ALL"
    PERSONS = "PERSONS"
    ORGANIZATIONS = "ORGANIZATIONS"


class Bulletin(SQLModel, table=True):
    """A notice in Finnish, with Swedish and English translations where written."""

    __tablename__ = "bulletins"
    __table_args__ = (Index("ix_bulletins_window", "published_at", "visible_until"),)

    id: int | None = Field(default=None, primary_key=True)
    title_fi: str = Field(max_length=200)
    body_fi: str
    title_sv: str | None = Field(default=None, max_length=200)
    body_sv: str | None = None
    title_en: str | None = Field(default=None, max_length=200)
    body_en: str | None = None
    severity: Severity = enum_field(Severity, Severity.INFO)
    audience: Audience = enum_field(Audience, Audience.ALL)
    published_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    visible_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_user_id: int | None = Field(default=None, foreign_key="users.id")
