"""Metering: the 15-minute switch, readings due, a point's quality, the latest reading."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from itertools import repeat

from sqlalchemy import bindparam, func, select

from domain.base import Resolution, filled, null_positions
from domain.consumption import QUALITY_CODE, MeterReading, ReadingQuality
from domain.customers import LocationOfUse
from domain.reporting.local_time import day_hours, hours_between, local_datetime
from domain.reporting.results import ReportingInputError
from domain.reporting.sql import Db
from domain.reporting.tables import DailyConsumption

_R = MeterReading.__table__  # type: ignore[attr-defined]
_D = DailyConsumption.__table__  # type: ignore[attr-defined]

MEASURED = QUALITY_CODE[ReadingQuality.MEASURED]
ESTIMATED = QUALITY_CODE[ReadingQuality.ESTIMATED]
_QUALITY = {code: quality for quality, code in QUALITY_CODE.items()}
#: A point's quality by its (weakest) reading's code; None: no reading.
_QUALITY_OF_POINT: dict[int | None, ReadingQuality] = {None: ReadingQuality.MISSING, **_QUALITY}


def point_quality(readings: int, measured: int, estimated: int, due: int) -> ReadingQuality:
    """The quality of a point from its readings and the metering intervals ``due`` in it: the
    weakest quality of its readings, a reading not there counting as missing. ``MISSING``
    when it has none, or fewer measured or estimated than are due or than it has (one stored
    as missing), else ``ESTIMATED`` when any is estimated, else ``MEASURED``.

    ``reading_qualities`` and ``hour_qualities`` give the same for points of one reading and
    for hours of the hourly rollup (whose ``min_quality`` is the weakest code of the hour's
    readings, ``QUALITY_CODE`` ranking MISSING < ESTIMATED < MEASURED), column by column.
    """
    if not readings or measured + estimated < due or measured + estimated < readings:
        return ReadingQuality.MISSING
    return ReadingQuality.ESTIMATED if estimated else ReadingQuality.MEASURED


def point_qualities(
    readings: Sequence[int], measured: Sequence[int], estimated: Sequence[int], due: Sequence[int]
) -> list[ReadingQuality]:
    """``point_quality`` of each point."""
    return [point_quality(*counts) for counts in zip(readings, measured, estimated, due, strict=True)]


def outside_contracts(qualities: list[ReadingQuality], inside: Sequence[bool]) -> list[ReadingQuality]:
    """``qualities`` with ``NO_CONTRACT`` for the points not ``inside`` any contract (no reading
    is expected there)."""
    no_contract = ReadingQuality.NO_CONTRACT
    return [q if i else no_contract for q, i in zip(qualities, inside, strict=True)]


def reading_qualities(codes: list[int | None]) -> list[ReadingQuality]:
    """``point_quality`` of points of one reading due each, from the reading's quality code
    (None: no reading)."""
    return list(map(_QUALITY_OF_POINT.__getitem__, codes))


def hour_qualities(weakest: list[int | None], counts: list[int], switch: int) -> list[ReadingQuality]:
    """``point_quality`` of hours from their weakest reading code (None: no reading) and their
    count of readings: one reading due in the hours before the index ``switch``, four from it."""
    # the weakest code where the hour has its readings, else 0 (MISSING); in C
    known = filled(weakest, null_positions(weakest), 0)
    full = [*map(operator.ge, counts[:switch], repeat(1)), *map(operator.ge, counts[switch:], repeat(4))]
    return list(map(_QUALITY_OF_POINT.__getitem__, map(operator.mul, known, full)))


_SWITCH_DAY = select(func.min(_D.c.local_date)).where(
    _D.c.location_of_use_id == bindparam("location_id"), _D.c.interval_minutes == 15
)


async def quarter_hour_metering_from(db: Db, location: LocationOfUse) -> date | None:
    """The first day of 15-minute readings of a 15-minute metered location (None: none yet)."""
    if location.metering_resolution is not Resolution.QUARTER_HOUR:
        return None
    found: date | None = await db.scalar(_SWITCH_DAY, {"location_id": location.id})
    return found


class Metering:
    """Readings per hour on each day: 4 from the first 15-minute day on, else 1."""

    def __init__(self, location: LocationOfUse, quarter_from: date | None) -> None:
        self.quarter = location.metering_resolution is Resolution.QUARTER_HOUR
        self.quarter_from = quarter_from.toordinal() if quarter_from is not None else None

    def per_hour(self, ordinal: int) -> int:
        if not self.quarter:
            return 1
        if self.quarter_from is None or ordinal >= self.quarter_from:
            return 4
        return 1


def check_resolution(
    location: LocationOfUse, first: date, resolution: Resolution, quarter_from: date | None
) -> None:
    if resolution is not Resolution.QUARTER_HOUR:
        return
    if location.metering_resolution is not Resolution.QUARTER_HOUR:
        raise ReportingInputError(
            "This location of use is metered hourly: QUARTER_HOUR is finer than its readings. "
            "Ask for HOUR or a coarser resolution."
        )
    if quarter_from is not None and first < quarter_from:
        raise ReportingInputError(
            f"This location of use is metered every 15 minutes from {quarter_from.isoformat()} on "
            f"(hourly before): a QUARTER_HOUR series must start on or after that day. "
            f"Ask for HOUR for earlier periods."
        )


def expected_readings(first: date, last: date, metering: Metering, odd: dict[int, int] | None = None) -> int:
    """Metering intervals of the local days ``first``..``last``."""
    if last < first:
        return 0
    if odd is None:
        odd = day_hours(first, last)
    if not metering.quarter:
        return hours_between(first, last, odd)
    if metering.quarter_from is None:
        return 4 * hours_between(first, last, odd)
    switch = date.fromordinal(metering.quarter_from)
    hourly = hours_between(first, min(last, switch - timedelta(days=1)), odd)
    quarterly = hours_between(max(first, switch), last, odd)
    return hourly + 4 * quarterly


def expected_in_contracts(
    first: date,
    last: date,
    metering: Metering,
    covered: Sequence[tuple[date, date]],
    odd: dict[int, int] | None = None,
) -> int:
    """Metering intervals of the local days ``first``..``last`` under a contract (``covered``:
    pieces of days, ``DayLookup.covered_pieces``)."""
    return sum(expected_readings(max(first, start), min(last, end), metering, odd) for start, end in covered)


_LATEST_READING = (
    select(_R.c.ts, _R.c.interval_minutes)
    .where(_R.c.location_of_use_id == bindparam("location_id"))
    .order_by(_R.c.ts.desc())
    .limit(1)
)


async def data_available_until(db: Db, location_id: int) -> datetime | None:
    """The end of the latest reading of the location, local time; None without readings."""
    row = (await db.execute(_LATEST_READING, {"location_id": location_id})).first()
    if row is None:
        return None
    return local_datetime(int(row[0]) + int(row[1]) * 60)
