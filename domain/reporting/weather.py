"""Outdoor temperature: daily means per grid area, point means and heating degree days.

Daily mean temperatures
    ``daily_temperatures`` holds one mean outdoor temperature per grid area and local day,
    in tenths of a degree Celsius (the precision weather services publish). A location's
    grid area is its grid operator's distribution area (``grid_operator_id``). In
    production a job feeds it with ``upsert_daily_temperatures`` (a day's means, replacing
    what the day had: a corrected observation overwrites the first one); the demo data
    fills it from a seasonal model (``fixtures.weather``).

Point temperatures
    A ``DAY``, ``MONTH`` or ``YEAR`` point's ``temperature_c`` is the mean of the daily
    means of its days that have one, rounded half away from zero to 0.1 deg C; None when
    none of its days has one, and always None for ``HOUR`` and ``QUARTER_HOUR`` points.

Heating degree days
    The Finnish Meteorological Institute's heating degree days S17 ("lämmitystarveluku"):
    a day with daily mean T counts ``17 - T`` degree days when T is at most +10 deg C in
    spring (January to June) or at most +12 deg C in autumn (July to December); warmer days
    count nothing (the heating is assumed off). A series' ``heating_degree_days`` is the
    sum over its days that have a daily mean, to 0.1; None when none has.

All of it is read in one statement per series (``fetch_temperatures``), and only when a
query asks for temperatures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import SmallInteger, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import Field, SQLModel

from domain.base import Resolution
from domain.reporting.calendar_points import _calendar_periods
from domain.reporting.local_time import each_day
from domain.reporting.sql import Db

#: Indoor temperature of the degree days (deg C) and the FMI's seasonal limits (deg C):
#: a day warmer than its half-year's limit needs no heating.
HDD_BASE_C = 17
SPRING_LIMIT_C = 10
AUTUMN_LIMIT_C = 12


class DailyTemperature(SQLModel, table=True):
    """The mean outdoor temperature of one grid area on one local day."""

    __tablename__ = "daily_temperatures"
    __table_args__ = {"sqlite_with_rowid": False}

    grid_operator_id: int = Field(foreign_key="grid_operators.id", primary_key=True)
    local_date: date = Field(primary_key=True)
    #: Daily mean, tenths of a degree Celsius.
    mean_tenths_c: int = Field(sa_type=SmallInteger)


_T = DailyTemperature.__table__  # type: ignore[attr-defined]

_TEMPERATURES = select(_T.c.local_date, _T.c.mean_tenths_c).where(
    _T.c.grid_operator_id == bindparam("grid_operator_id"),
    _T.c.local_date >= bindparam("first"),
    _T.c.local_date <= bindparam("last"),
)


def tenths(celsius: float | Decimal) -> int:
    """A temperature in tenths of a degree, rounded half away from zero."""
    return int(Decimal(str(celsius)).scaleb(1).quantize(Decimal(1), rounding=ROUND_HALF_UP))


async def fetch_temperatures(db: Db, grid_operator_id: int, first: date, last: date) -> dict[date, int]:
    """The daily means (tenths of a degree) of the grid area's days ``first``..``last``."""
    rows = await db.execute(
        _TEMPERATURES, {"grid_operator_id": grid_operator_id, "first": first, "last": last}
    )
    return {row[0]: int(row[1]) for row in rows}


async def upsert_daily_temperatures(
    conn: AsyncConnection, day: date, means_c: Mapping[int, float | Decimal]
) -> int:
    """Store the daily means of ``day`` (deg C by grid operator ID), replacing earlier values of
    that day; the rows written. The caller commits. For the job that feeds the table."""
    if not means_c:
        return 0
    rows = [
        {"grid_operator_id": grid, "local_date": day, "mean_tenths_c": tenths(mean)}
        for grid, mean in sorted(means_c.items())
    ]
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(_T)
    statement = statement.on_conflict_do_update(
        index_elements=[_T.c.grid_operator_id, _T.c.local_date],
        set_={"mean_tenths_c": statement.excluded.mean_tenths_c},
    )
    await conn.execute(statement, rows)
    return len(rows)


def _one_decimal(tenths_value: Decimal) -> float:
    return float((tenths_value / 10).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def point_temperatures(
    temperatures: Mapping[date, int], first: date, last: date, resolution: Resolution
) -> list[float | None]:
    """Each point's mean temperature (deg C, 0.1) of a series over ``first``..``last``; the
    points finer than a day get None (their count is not computed here: see ``SeriesPoints``)."""
    out: list[float | None] = []
    for start, end in _calendar_periods(first, last, resolution):
        values = [temperatures[d] for d in each_day(start, end) if d in temperatures]
        out.append(_one_decimal(Decimal(sum(values)) / len(values)) if values else None)
    return out


def degree_day_tenths(day: date, mean_tenths_c: int) -> int:
    """The heating degree days S17 of one day, in tenths (see the module doc)."""
    limit = SPRING_LIMIT_C if day.month <= 6 else AUTUMN_LIMIT_C
    if mean_tenths_c > limit * 10:
        return 0
    return HDD_BASE_C * 10 - mean_tenths_c


def heating_degree_days(temperatures: Mapping[date, int], first: date, last: date) -> float | None:
    """The heating degree days S17 of ``first``..``last`` (0.1); None without any daily mean."""
    days = [d for d in temperatures if first <= d <= last]
    if not days:
        return None
    return sum(degree_day_tenths(d, temperatures[d]) for d in days) / 10


def series_temperatures(
    temperatures: Mapping[date, int], first: date, last: date, resolution: Resolution, points: int
) -> Sequence[float | None]:
    """The ``temperature_c`` column of a series' ``points`` points."""
    if resolution in (Resolution.QUARTER_HOUR, Resolution.HOUR):
        return [None] * points
    return point_temperatures(temperatures, first, last, resolution)
