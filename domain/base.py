"""Shared column types, enums and time helpers of the domain tables, and two helpers for
long columns of values that may be ``None``."""

from __future__ import annotations

import enum
import itertools
import operator
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

HELSINKI = ZoneInfo("Europe/Helsinki")


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


def null_positions(values: Sequence[Any]) -> list[int]:
    """Indexes of the ``None`` items of ``values``, found by identity in C (``None in values``
    would compare every item: a Decimal's ``__eq__`` checks an ABC each time)."""
    return list(itertools.compress(itertools.count(), map(operator.is_, values, itertools.repeat(None))))


def filled(values: Iterable[Any], positions: Iterable[int], fill: Any) -> list[Any]:
    """A copy of ``values`` with ``fill`` at ``positions``."""
    out = list(values)
    for at in positions:
        out[at] = fill
    return out


def today_helsinki(now: datetime | None = None) -> date:
    """Today's date in Finland (Europe/Helsinki), which decides statuses."""
    return (now or utcnow()).astimezone(HELSINKI).date()


class ExactDecimal(TypeDecorator[Decimal]):
    """An exact decimal column.

    PostgreSQL stores it as NUMERIC. SQLite has no exact decimal type (its NUMERIC
    affinity turns 58.31 into a binary float), so there the value is stored as text
    and turned back into a ``Decimal`` unchanged: money stays correct to the cent.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 18, scale: int = 2) -> None:
        super().__init__()
        self.precision = precision
        self.scale = scale

    def __repr__(self) -> str:
        return f"ExactDecimal({self.precision}, {self.scale})"

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(self.precision + 2))
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = Decimal(value)
        if dialect.name == "sqlite":
            return str(value)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)) if not isinstance(value, Decimal) else value


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant, stored in UTC on every database."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        from sqlalchemy import DateTime

        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # Fixed width ISO text sorts in time order.
            return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        return value.astimezone(UTC)


class StrEnum(str, enum.Enum):
    """An enum whose values are its names, stored as text."""

    def __str__(self) -> str:
        return self.value


class Section(StrEnum):
    """The five sections of the service; access is granted per section."""

    CONTRACTS = "CONTRACTS"
    INVOICES = "INVOICES"
    REPORTING = "REPORTING"
    MESSAGES = "MESSAGES"
    MY_INFORMATION = "MY_INFORMATION"


class AccessLevel(StrEnum):
    """How much a principal may do in a section."""

    READ = "READ"
    READ_WRITE = "READ_WRITE"


class Relationship(StrEnum):
    """How a principal is related to a customer: a user's relationship, or a program's
    personal API token (``API_TOKEN``, read-only, given by an owner)."""

    OWNER = "OWNER"
    DELEGATE = "DELEGATE"
    HOUSING_MANAGER = "HOUSING_MANAGER"
    API_TOKEN = "API_TOKEN"


class Resolution(StrEnum):
    """Time resolution of consumption series and of metering."""

    QUARTER_HOUR = "QUARTER_HOUR"
    HOUR = "HOUR"
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    YEAR = "YEAR"


class DetailLevel(StrEnum):
    """How much of a contract or invoice the current customer system can show."""

    BASIC = "BASIC"
    FULL = "FULL"


class Language(StrEnum):
    """Languages of the service."""

    FI = "FI"
    SV = "SV"
    EN = "EN"


def enum_field(enum_cls: type[enum.Enum], default: Any = ..., **kwargs: Any) -> Any:
    """A column holding an enum's name as text (no database-native enum type to migrate)."""
    from sqlalchemy import Enum as SAEnum
    from sqlmodel import Field

    sa_type = SAEnum(enum_cls, native_enum=False, create_constraint=False, length=32)
    if default is ...:
        return Field(sa_type=sa_type, **kwargs)
    return Field(default=default, sa_type=sa_type, **kwargs)
