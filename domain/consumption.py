"""Metered consumption and spot prices (SPEC 7).

Readings are stored at their metered resolution (one hour or 15 minutes), keyed by the
start of the interval in UTC seconds since the epoch, with the local (Europe/Helsinki)
date of that start kept beside it so that day, month and year grouping is plain SQL on
both SQLite and PostgreSQL. Energy is kept in whole watt-hours so that sums are exact at
every resolution. A missing reading is a missing row: gaps are never stored as zeros.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Column, SmallInteger
from sqlmodel import Field, SQLModel

from domain.base import ExactDecimal, StrEnum


class ReadingQuality(StrEnum):
    """Quality of a reading; an aggregate takes the weakest of its readings.

    ``NO_CONTRACT`` is derived, never stored: a point of a series wholly outside the
    location's contracts with the customer, where no reading is expected."""

    MISSING = "MISSING"
    ESTIMATED = "ESTIMATED"
    MEASURED = "MEASURED"
    NO_CONTRACT = "NO_CONTRACT"


#: Stored code of each stored quality (``NO_CONTRACT`` has none); ordered so that MIN() gives
#: the weakest.
QUALITY_CODE: dict[ReadingQuality, int] = {
    ReadingQuality.MISSING: 0,
    ReadingQuality.ESTIMATED: 1,
    ReadingQuality.MEASURED: 2,
}
QUALITY_OF_CODE: dict[int, ReadingQuality] = {v: k for k, v in QUALITY_CODE.items()}


class MeterReading(SQLModel, table=True):
    """Energy used in one metering interval at one location of use."""

    __tablename__ = "meter_readings"
    __table_args__ = {"sqlite_with_rowid": False}

    location_of_use_id: int = Field(foreign_key="locations_of_use.id", primary_key=True)
    #: Start of the interval, UTC seconds since the epoch.
    ts: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    #: Local (Europe/Helsinki) date of the interval's start.
    local_date: date
    #: Length of the interval: 60 or 15.
    interval_minutes: int = Field(sa_type=SmallInteger)
    #: Energy in watt-hours.
    wh: int
    #: ``QUALITY_CODE`` of the reading (``ESTIMATED`` or ``MEASURED``).
    quality: int = Field(sa_type=SmallInteger)


class SpotPrice(SQLModel, table=True):
    """Day-ahead price of the Finnish bidding zone for one market time unit, without VAT."""

    __tablename__ = "spot_prices"
    __table_args__ = {"sqlite_with_rowid": False}

    #: Start of the market time unit, UTC seconds since the epoch.
    ts: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    #: 60 before 2025-10-01, 15 from then on.
    interval_minutes: int = Field(sa_type=SmallInteger)
    eur_per_mwh: Decimal = Field(sa_type=ExactDecimal(10, 2))
