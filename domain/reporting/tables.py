"""The rollup tables: the readings of a location summed per local day and per hour."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Column, SmallInteger
from sqlmodel import Field, SQLModel


class DailyConsumption(SQLModel, table=True):
    """The readings of one location on one local day, summed (kept by ``refresh_daily_consumption``)."""

    __tablename__ = "daily_consumption"
    __table_args__ = {"sqlite_with_rowid": False}

    location_of_use_id: int = Field(foreign_key="locations_of_use.id", primary_key=True)
    local_date: date = Field(primary_key=True)
    #: Shortest metering interval of the day's readings (15 or 60).
    interval_minutes: int = Field(sa_type=SmallInteger)
    readings: int
    measured: int
    estimated: int
    #: Sum of the readings' interval lengths: how much of the day is metered.
    metered_minutes: int
    wh: int = Field(sa_column=Column(BigInteger, nullable=False))
    #: Energy of local hours 07-22 (time-of-use day energy).
    wh_day: int = Field(sa_column=Column(BigInteger, nullable=False))
    #: Sum of Wh x 4 x the reading's spot price in cents/MWh (as ``spot_p4``; 4 x keeps an
    #: hourly reading's mean of four quarter-hour prices whole).
    spot_units: int = Field(sa_column=Column(BigInteger, nullable=False))
    #: Readings without a known spot price.
    unpriced_readings: int


class HourlyConsumption(SQLModel, table=True):
    """The readings of a location metered every 15 minutes, summed per hour (its HOUR series).

    Locations metered hourly are not copied here: a reading is their hour. Refresh a
    location's rows when its metering resolution changes.
    """

    __tablename__ = "hourly_consumption"
    __table_args__ = {"sqlite_with_rowid": False}

    location_of_use_id: int = Field(foreign_key="locations_of_use.id", primary_key=True)
    #: Start of the hour, UTC seconds since the epoch.
    hour_ts: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    readings: int
    measured: int
    estimated: int
    #: Weakest ``QUALITY_CODE`` of the hour's readings.
    min_quality: int = Field(sa_type=SmallInteger)
    wh: int
    #: Sum of Wh x 4 x the reading's spot price in cents/MWh.
    spot_units: int = Field(sa_column=Column(BigInteger, nullable=False))
    unpriced_readings: int
