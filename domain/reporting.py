"""Consumption reporting (SPEC 7): series from quarter-hour to year, cost, trend, similar
locations and the next invoice estimate. Plain Python over SQLAlchemy Core.

Series
    A series covers the local (Europe/Helsinki) days ``first``..``last``, both inclusive.
    Its points come from the calendar, not from the data: every quarter-hour, hour, day,
    month or year of the range is a point (a day with the spring DST change has 23 hourly
    points, one with the autumn change 25). ``MONTH`` and ``YEAR`` points cover the part of
    their month or year inside the range and start at the first instant of that part.
    Point starts carry the UTC offset in force (+02:00 or +03:00).

Aggregation
    Energy is summed in SQL in whole watt-hours, so the points of every resolution add up
    exactly to the same total. Two rollups, kept by ``refresh_daily_consumption`` when
    readings arrive (the demo data generator calls it; the migration that adds them fills
    them from the readings already stored), hold the sums by SQL ``GROUP BY``:
    ``daily_consumption`` per location and local day (energy, energy of 07-22, reading
    counts by quality, metered minutes, spot cost units) and ``hourly_consumption`` per
    hour (``ts - ts % 3600``: Finland's offsets are whole hours, so a UTC hour is a local
    hour) for the locations metered every 15 minutes. ``QUARTER_HOUR`` points, and ``HOUR``
    points of a location metered hourly, are its readings (one per point); ``HOUR`` points
    of a 15-minute location read ``hourly_consumption``; ``DAY`` points read
    ``daily_consumption``; ``MONTH`` and ``YEAR`` points group it in SQL on the year and
    month of ``local_date`` (``EXTRACT``; cutting the ISO date text on SQLite). The
    previous-period total and the peer comparison are sums over ``daily_consumption``. No
    reading is ever summed in Python.

Reading
    A series' statements (the 15-minute switch day; the tariffs, then the spot prices or
    the grouped rollup; the readings or rollup rows) run side by side, each on a
    connection of its own from the ``connect`` factory. Long columns come as texts of
    comma-separated integers parsed in C, and the points are built column by column (see
    the comments at ``_integers`` and ``_build_interval_points``).

Quality and completeness
    A point's readings are the metering intervals inside it: 4 per hour while the
    location is metered every 15 minutes, 1 per hour while it is metered hourly. A point
    is ``MISSING`` when any of its readings is missing (its ``kwh`` is the sum of the
    readings that exist, ``null`` when there is none), else ``ESTIMATED`` when any is
    estimated, else ``MEASURED``. ``expectedReadings`` counts the metering intervals of the
    range's days before today (a day's readings arrive the next day); ``missingReadings``
    is what of them is neither measured nor estimated.

Metering resolution
    A location metered hourly has no ``QUARTER_HOUR`` series (``BAD_USER_INPUT``). A
    location metered every 15 minutes is so from the day of its first 15-minute reading
    (hourly before that, e.g. Maija's apartment from 2025-10-01): a ``QUARTER_HOUR`` series
    must start on or after that day (``BAD_USER_INPUT`` naming the day); ``HOUR`` and
    coarser work over both periods.

Range limits
    ``last`` before ``first``, dates outside 2000-2099, or more days than
    ``MAX_DAYS[resolution]`` (400 at ``QUARTER_HOUR`` and ``HOUR``, 3,660 (about ten years)
    at ``DAY``, 36,525 (a hundred years) at ``MONTH`` and ``YEAR``) raise
    ``ReportingInputError`` naming the limit.

Cost
    From the location's contracts of the customer in force on each day: ``FIXED_PRICE``
    energy price, ``TIME_OF_USE`` day price for local hours 07-22 and night price
    otherwise, ``SPOT`` the day-ahead price of the reading's market time unit plus the
    margin (an hourly reading in the 15-minute market era takes the mean of its four
    quarter-hour prices, a 15-minute reading in the hourly era the price of its hour:
    ``domain.billing.spot_price_for``), with the VAT rate of the day. Days before the
    cutover (the current customer system) or without a contract have no price: a point
    with readings on such a day has ``cost`` and ``unitPrice`` null, and so has the series'
    ``totalCost``. A point's ``cost`` is euros with VAT rounded half-up to 0.00001;
    ``unitPrice`` is cents/kWh with VAT rounded half-up to 0.001: the single price in force
    for all of the point's readings, else (spot prices of several quarter-hours, day and
    night, a price change) the consumption-weighted mean, null when it used no energy.
    ``totalCost`` is the exact energy cost of the points plus the basic fees of the range's
    days up to yesterday (pro rata per calendar month with VAT, by ``compute_invoice``),
    rounded to the cent.

Trend, peers, estimate
    See ``previous_period``, ``similar_locations`` and ``next_invoice_estimate``.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import operator
from collections.abc import Awaitable, Callable, Generator, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from itertools import repeat
from typing import Any, NamedTuple

import numpy as np
import orjson
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Integer,
    SmallInteger,
    String,
    and_,
    bindparam,
    case,
    cast,
    column,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, Select, expression
from sqlmodel import Field, SQLModel

from domain.base import HELSINKI, Resolution, filled, null_positions
from domain.billing import (
    DAY_START_HOUR,
    NIGHT_START_HOUR,
    InvoiceLineData,
    Price,
    basic_fee_lines,
    compute_invoice,
)
from domain.consumption import QUALITY_CODE, MeterReading, ReadingQuality, SpotPrice
from domain.contracts import Contract, PriceComponent, PriceKind, PriceUnit, Product, ProductKind
from domain.customers import LocationOfUse
from domain.payments import VAT_PERIODS, round_cents

__all__ = [
    "MAX_DAYS",
    "Completeness",
    "DailyConsumption",
    "HourlyConsumption",
    "InvoiceEstimate",
    "PeerComparison",
    "PeriodTotal",
    "ReportingInputError",
    "Series",
    "SeriesPoint",
    "SeriesPoints",
    "consumption_series",
    "data_available_until",
    "local_midnight_ts",
    "next_invoice_estimate",
    "previous_period",
    "quarter_hour_metering_from",
    "refresh_daily_consumption",
    "refresh_daily_consumption_sync",
    "similar_locations",
    "validate_range",
]

# --------------------------------------------------------------------------------------
# The rollup table
# --------------------------------------------------------------------------------------


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
    #: Sum of Wh x 4 x the reading's spot price in cents/MWh (as ``_p4``; 4 x keeps an
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


# --------------------------------------------------------------------------------------
# Inputs, outputs
# --------------------------------------------------------------------------------------


class ReportingInputError(ValueError):
    """A request the reporting rules refuse; the message names the rule (BAD_USER_INPUT)."""


#: Longest range per resolution, in days.
MAX_DAYS: dict[Resolution, int] = {
    Resolution.QUARTER_HOUR: 400,
    Resolution.HOUR: 400,
    Resolution.DAY: 3_660,
    Resolution.MONTH: 36_525,
    Resolution.YEAR: 36_525,
}
_LIMIT_TEXT: dict[Resolution, str] = {
    Resolution.QUARTER_HOUR: "400 days",
    Resolution.HOUR: "400 days",
    Resolution.DAY: "3,660 days (about ten years)",
    Resolution.MONTH: "36,525 days (a hundred years)",
    Resolution.YEAR: "36,525 days (a hundred years)",
}
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)


class SeriesPoint(NamedTuple):
    """One point of a series; the attribute names are the GraphQL ``ConsumptionPoint`` fields."""

    #: First instant of the point, local time with its UTC offset.
    start: datetime
    #: Energy of the readings that exist, kWh (exact to the Wh); None without readings.
    kwh: float | None
    #: Energy price with VAT, cents/kWh (0.001); None when not known (see the module doc).
    unit_price: Decimal | None
    #: Energy cost with VAT, euros (0.00001); None when not known.
    cost: Decimal | None
    quality: ReadingQuality


class SeriesPoints(Sequence[SeriesPoint]):
    """The points of a series stored by column: cheap to build for 35,040 points.

    It is a sequence of ``SeriesPoint`` rows (made on access); ``column(name)`` gives the
    values of one attribute for every point, which lets a consumer that reads whole
    columns (the GraphQL list fast path) skip the rows altogether.
    """

    __slots__ = ("_columns", "cost", "kwh", "quality", "start", "unit_price")
    FIELDS = SeriesPoint._fields

    def __init__(
        self,
        start: Sequence[datetime],
        kwh: list[float | None],
        unit_price: Sequence[Decimal | None],
        cost: Sequence[Decimal | None],
        quality: list[ReadingQuality],
    ) -> None:
        if not len(start) == len(kwh) == len(unit_price) == len(cost) == len(quality):
            raise ValueError("columns of different lengths")
        self.start, self.kwh, self.unit_price, self.cost, self.quality = start, kwh, unit_price, cost, quality
        self._columns = {
            "start": start,
            "kwh": kwh,
            "unit_price": unit_price,
            "cost": cost,
            "quality": quality,
        }

    def column(self, name: str) -> Sequence[Any] | None:
        """Every point's value of attribute ``name`` (None for an attribute not stored)."""
        return self._columns.get(name)

    def __len__(self) -> int:
        return len(self.start)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return SeriesPoints(
                self.start[index],
                self.kwh[index],
                self.unit_price[index],
                self.cost[index],
                self.quality[index],
            )
        return SeriesPoint(
            self.start[index], self.kwh[index], self.unit_price[index], self.cost[index], self.quality[index]
        )

    def __iter__(self) -> Iterator[SeriesPoint]:
        return map(
            SeriesPoint._make,
            zip(self.start, self.kwh, self.unit_price, self.cost, self.quality, strict=True),
        )

    def __repr__(self) -> str:
        return f"SeriesPoints({len(self)} points)"


@dataclass(frozen=True)
class Completeness:
    """Readings of a series at the metered resolution (see the module doc)."""

    expected: int
    measured: int
    estimated: int
    missing: int


@dataclass(frozen=True)
class Series:
    """A consumption series over ``first``..``last`` (local dates, inclusive)."""

    location_id: int
    resolution: Resolution
    first: date
    last: date
    points: SeriesPoints
    total_wh: int
    #: Energy with VAT plus basic fees, to the cent; None when some energy has no price.
    total_cost: Decimal | None
    completeness: Completeness


@dataclass(frozen=True)
class PeriodTotal:
    """Consumption of a comparison period."""

    first: date
    last: date
    total_wh: int

    def change_percent(self, current_wh: int) -> float | None:
        """Change of ``current_wh`` against this period, percent (one decimal); None when it is 0."""
        if self.total_wh == 0:
            return None
        return round((current_wh - self.total_wh) * 100 / self.total_wh, 1)


@dataclass(frozen=True)
class PeerComparison:
    """Where a location's consumption falls among similar locations for a period."""

    criteria: tuple[str, ...]
    sample_size: int
    median_kwh: float
    p25_kwh: float
    p75_kwh: float
    #: Percent of the peers that used less (ties count half), one decimal.
    percentile_rank: float


@dataclass(frozen=True)
class InvoiceEstimate:
    """The estimated invoice of the current billing period."""

    period_start: date
    period_end: date
    consumed_wh: int
    #: Consumption of the whole period: consumed so far plus the projection.
    projected_wh: int
    #: How the remaining days were projected (``LAST_YEAR_SCALED``, ``DAILY_AVERAGE``,
    #: ``LAST_YEAR``, ``RECENT_AVERAGE`` or ``NONE``).
    method: str
    lines: tuple[InvoiceLineData, ...]
    total: Decimal


# --------------------------------------------------------------------------------------
# Local time
# --------------------------------------------------------------------------------------

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=16)
def _fixed_zone(offset_seconds: int) -> timezone:
    return timezone(timedelta(seconds=offset_seconds))


def _offset_at(ts: int) -> int:
    offset = datetime.fromtimestamp(ts, HELSINKI).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


@lru_cache(maxsize=512)
def _year_transitions(year: int) -> tuple[tuple[int, int], ...]:
    """``(UTC second, offset from then on)`` of Helsinki's offset changes during ``year``."""
    samples = [int(datetime(year, m, 1, tzinfo=UTC).timestamp()) for m in range(1, 13)]
    samples.append(int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp()))
    offsets = [_offset_at(ts) for ts in samples]
    found: list[tuple[int, int]] = []
    for (a, off_a), (b, off_b) in itertools.pairwise(zip(samples, offsets, strict=True)):
        if off_a == off_b:
            continue
        lo, hi = 0, (b - a) // 3600  # hour index: lo has off_a, hi has off_b
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _offset_at(a + mid * 3600) == off_a:
                lo = mid
            else:
                hi = mid
        found.append((a + hi * 3600, off_b))
    return tuple(found)


def _transitions(t0: int, t1: int) -> list[tuple[int, int]]:
    """Offset changes strictly inside ``[t0, t1)``."""
    y0 = datetime.fromtimestamp(t0, UTC).year
    y1 = datetime.fromtimestamp(t1, UTC).year
    return [(ts, off) for y in range(y0, y1 + 1) for ts, off in _year_transitions(y) if t0 < ts < t1]


def local_midnight_ts(day: date) -> int:
    """UTC epoch seconds of 00:00 local time on ``day``."""
    return int(datetime(day.year, day.month, day.day, tzinfo=HELSINKI).timestamp())


def _local_datetime(ts: int) -> datetime:
    """``ts`` as a local time with a fixed-offset zone (cheap to format)."""
    return datetime.fromtimestamp(ts, _fixed_zone(_offset_at(ts)))


_CLOCK_TEXTS: dict[tuple[int, int], list[str]] = {}


def _clock_texts(step: int, offset: int) -> list[str]:
    """``THH:MM:SS+HH:MM`` (``isoformat``'s form) of every ``step`` seconds of a day at a UTC offset."""
    key = (step, offset)
    found = _CLOCK_TEXTS.get(key)
    if found is None:
        suffix = datetime(2000, 1, 1, tzinfo=_fixed_zone(offset)).isoformat()[19:]
        found = _CLOCK_TEXTS[key] = [
            f"T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{suffix}" for s in range(0, 86400, step)
        ]
    return found


class _Cache(dict[Any, Any]):
    """A bounded memo: ``cache[key]`` is ``make(key)``, made once."""

    def __init__(self, make: Callable[[Any], Any], limit: int = 200_000) -> None:
        super().__init__()
        self.make = make
        self.limit = limit

    def __missing__(self, key: Any) -> Any:
        if len(self) >= self.limit:
            self.clear()
        value = self[key] = self.make(key)
        return value


#: ``YYYY-MM-DD`` of a day ordinal.
_DAY_TEXTS = _Cache(lambda ordinal: date.fromordinal(ordinal).isoformat(), limit=100_000)


def _day_text(ordinal: int) -> str:
    """``YYYY-MM-DD`` of a day ordinal (cached)."""
    text_value: str = _DAY_TEXTS[ordinal]
    return text_value


class LocalTimes(Sequence[datetime]):
    """The starts of ``count`` points ``step`` seconds apart from the UTC second ``t0``, as
    local times with a fixed offset (``+02:00``/``+03:00``), made only when asked for.

    A year of quarter-hours is 35,040 of them: ``isoformats()`` gives their ``isoformat()``
    texts from cached day and clock texts, without making a datetime at all.
    """

    __slots__ = ("count", "pieces", "step", "t0")

    def __init__(self, t0: int, step: int, count: int) -> None:
        self.t0, self.step, self.count = t0, step, count
        t1 = t0 + step * count
        changes = [(t0, _offset_at(t0)), *_transitions(t0, t1), (t1, 0)]
        #: ``(first index, end index, UTC offset)`` of the runs of points with one offset.
        self.pieces: list[tuple[int, int, int]] = []
        for (start, offset), (end, _) in itertools.pairwise(changes):
            k0, k1 = -((t0 - start) // step), -((t0 - end) // step)  # first indexes at or after
            if k1 > k0:
                self.pieces.append((k0, k1, offset))

    def __len__(self) -> int:
        return self.count

    def _at(self, index: int) -> datetime:
        offset = next(o for _, k1, o in self.pieces if index < k1)
        return datetime.fromtimestamp(self.t0 + index * self.step, _fixed_zone(offset))

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._at(i) for i in range(*index.indices(self.count))]
        return self._at(range(self.count)[index])

    def __iter__(self) -> Iterator[datetime]:
        delta = timedelta(seconds=self.step)
        for k0, k1, offset in self.pieces:
            value = datetime.fromtimestamp(self.t0 + k0 * self.step, _fixed_zone(offset))
            for _ in range(k1 - k0):
                yield value
                value += delta

    def __repr__(self) -> str:
        return f"LocalTimes(t0={self.t0}, step={self.step}, count={self.count})"

    def isoformats(self) -> list[str]:
        """``[t.isoformat() for t in self]``, a day's worth of clock texts at a time."""
        step = self.step
        if 86400 % step:
            return [t.isoformat() for t in self]
        per_day = 86400 // step
        out: list[str] = []
        for k0, k1, offset in self.pieces:
            wall = self.t0 + k0 * step + offset  # local seconds since the epoch
            if wall % step:
                out += [t.isoformat() for t in self[k0:k1]]
                continue
            clocks = _clock_texts(step, offset)
            left = k1 - k0
            while left:
                days, seconds = divmod(wall, 86400)
                slot = seconds // step
                take = min(left, per_day - slot)
                out += map(_day_text(days + _EPOCH_ORDINAL).__add__, clocks[slot : slot + take])
                wall += take * step
                left -= take
        return out


def _day_hours(first: date, last: date) -> dict[int, int]:
    """Local days with other than 24 hours in ``first``..``last``: ordinal -> hours."""
    t0, t1 = local_midnight_ts(first), local_midnight_ts(last + timedelta(days=1))
    odd: dict[int, int] = {}
    for ts, new_offset in _transitions(t0 - 1, t1):
        old_offset = _offset_at(ts - 1)
        day = datetime.fromtimestamp(ts + old_offset, UTC).date()
        odd[day.toordinal()] = 24 - (new_offset - old_offset) // 3600
    return odd


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    one = timedelta(days=1)
    while day <= last:
        yield day
        day += one


def validate_range(first: date, last: date, resolution: Resolution) -> None:
    """Refuse a range the rules do not allow (``ReportingInputError``)."""
    if last < first:
        raise ReportingInputError(f"`to` ({last.isoformat()}) is before `from` ({first.isoformat()}).")
    if first < EARLIEST_DATE or last > LATEST_DATE:
        raise ReportingInputError("Dates must be between 2000-01-01 and 2099-12-31.")
    days = (last - first).days + 1
    if days > MAX_DAYS[resolution]:
        raise ReportingInputError(
            f"A {resolution.value} series covers at most {_LIMIT_TEXT[resolution]}; "
            f"this range has {days} days. Ask for a shorter range or a coarser resolution."
        )


class LocalMidnights(Sequence[datetime]):
    """Local midnights (the starts of DAY, MONTH and YEAR points) of ascending days given as
    ordinals, as fixed-offset datetimes made only when asked for; ``isoformats()`` gives
    their ``isoformat()`` texts without making them."""

    __slots__ = ("offsets", "ordinals")

    def __init__(self, ordinals: list[int]) -> None:
        self.ordinals = ordinals
        self.offsets: list[int] = []
        if not ordinals:
            return
        t0 = local_midnight_ts(date.fromordinal(ordinals[0]))
        t1 = local_midnight_ts(date.fromordinal(ordinals[-1]) + timedelta(days=1))
        self.offsets = [_offset_at(t0)] * len(ordinals)
        for at, offset in _transitions(t0 - 1, t1 + 1):
            # the first day whose midnight (its wall clock less the new offset) is at or after
            # the change; changes are never at midnight in Finland
            first = -(-(at + offset) // 86400) + _EPOCH_ORDINAL
            k = bisect.bisect_left(ordinals, first)
            self.offsets[k:] = [offset] * (len(ordinals) - k)

    def __len__(self) -> int:
        return len(self.ordinals)

    def _at(self, index: int) -> datetime:
        day = date.fromordinal(self.ordinals[index])
        return datetime(day.year, day.month, day.day, tzinfo=_fixed_zone(self.offsets[index]))

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._at(i) for i in range(*index.indices(len(self)))]
        return self._at(range(len(self))[index])

    def __iter__(self) -> Iterator[datetime]:
        return map(self._at, range(len(self)))

    def __repr__(self) -> str:
        return f"LocalMidnights({len(self)} days)"

    def isoformats(self) -> list[str]:
        """``[t.isoformat() for t in self]``."""
        suffixes = {offset: _clock_texts(86400, offset)[0] for offset in set(self.offsets)}
        days = map(_DAY_TEXTS.__getitem__, self.ordinals)
        return list(map(operator.add, days, map(suffixes.__getitem__, self.offsets)))


# --------------------------------------------------------------------------------------
# Prices in force
# --------------------------------------------------------------------------------------

#: Integer units: energy prices in 1e-5 cents/kWh; Wh x that = 1e-10 EUR.
_PRICE_SCALE = 100_000
#: Wh x (4 x cents/MWh) x 25 = 1e-10 EUR.
_SPOT_TO_UNITS = 25
#: 1e-10 EUR x VAT factor (per mille) = 1e-13 EUR; a cost is rounded to 1e-5 EUR.
_COST_DIVISOR = 10**8
_COST_PLACES = 5
#: A unit price in 1e-5 c/kWh x VAT factor = 1e-8 c/kWh; rounded to 1e-3 c/kWh.
_UNIT_DIVISOR = 10**5
_UNIT_PLACES = 3


@dataclass(frozen=True)
class Tariff:
    """Energy prices in force on a day: 1e-5 cents/kWh without VAT, and the VAT factor."""

    kind: ProductKind
    #: FIXED_PRICE: the energy price; TIME_OF_USE: the day price (07-22); SPOT: the margin.
    day_price: int
    #: FIXED_PRICE: the energy price; TIME_OF_USE: the night price; SPOT: the margin.
    night_price: int
    #: 1000 + VAT percent x 10, e.g. 1255 for 25.5 %.
    vat_factor: int


@dataclass(frozen=True)
class ContractPrices:
    """A contract of the location with its price components (amounts without VAT)."""

    contract_id: int
    kind: ProductKind
    valid_from: date
    valid_until: date | None
    billing_interval_months: int
    components: tuple[Price, ...]


def _price_units(component: Price) -> int:
    amount = Decimal(component.amount_excl_vat) * _PRICE_SCALE
    if amount != amount.to_integral_value():
        raise ValueError(f"price {component.amount_excl_vat} has more than five decimals")
    return int(amount)


def _vat_factor(day: date) -> int | None:
    for period in VAT_PERIODS:
        if period.start <= day and (period.end is None or day <= period.end):
            factor = 1000 + period.rate * 10
            assert factor == factor.to_integral_value()
            return int(factor)
    return None


_NEEDED: dict[ProductKind, tuple[PriceKind, PriceKind]] = {
    ProductKind.FIXED_PRICE: (PriceKind.ENERGY, PriceKind.ENERGY),
    ProductKind.TIME_OF_USE: (PriceKind.ENERGY_DAY, PriceKind.ENERGY_NIGHT),
    ProductKind.SPOT: (PriceKind.SPOT_MARGIN, PriceKind.SPOT_MARGIN),
}


class TariffBook:
    """The prices in force on each day for one location's contracts, as constant segments."""

    def __init__(self, contracts: Sequence[ContractPrices], cutover: date) -> None:
        self.contracts = sorted(contracts, key=lambda c: c.valid_from)
        self.cutover = cutover
        self._starts: list[int] = []
        self._segments: list[tuple[int, int, Tariff | None]] = []

    def contract_on(self, day: date) -> ContractPrices | None:
        """The contract in force on ``day`` (the latest to start, should several overlap)."""
        found = None
        for contract in self.contracts:
            if contract.valid_from <= day and (contract.valid_until is None or day <= contract.valid_until):
                found = contract
        return found

    def tariff_on(self, day: date) -> Tariff | None:
        """Prices in force on ``day``; None before the cutover, without a contract or a price."""
        if day < self.cutover:
            return None
        contract = self.contract_on(day)
        vat = _vat_factor(day)
        if contract is None or vat is None:
            return None
        prices: dict[PriceKind, int] = {}
        for component in contract.components:
            if component.unit is not PriceUnit.CENTS_PER_KWH:
                continue
            if component.valid_from <= day and (
                component.valid_until is None or day <= component.valid_until
            ):
                prices[component.kind] = _price_units(component)
        day_kind, night_kind = _NEEDED[contract.kind]
        if day_kind not in prices or night_kind not in prices:
            return None
        return Tariff(contract.kind, prices[day_kind], prices[night_kind], vat)

    def _boundaries(self, first: date, last: date) -> list[date]:
        """Days in ``first``..``last`` on which the prices in force may change, and ``first``."""
        edges = {first, self.cutover}
        for contract in self.contracts:
            edges.add(contract.valid_from)
            if contract.valid_until is not None:
                edges.add(contract.valid_until + timedelta(days=1))
            for component in contract.components:
                edges.add(component.valid_from)
                if component.valid_until is not None:
                    edges.add(component.valid_until + timedelta(days=1))
        for period in VAT_PERIODS:
            edges.add(period.start)
        return sorted(d for d in edges if first <= d <= last)

    def segments(self, first: date, last: date) -> list[tuple[date, date, Tariff | None]]:
        """``first``..``last`` cut into pieces with one tariff (or none) each."""
        starts = self._boundaries(first, last)
        out: list[tuple[date, date, Tariff | None]] = []
        for i, start in enumerate(starts):
            end = starts[i + 1] - timedelta(days=1) if i + 1 < len(starts) else last
            tariff = self.tariff_on(start)
            if out and out[-1][2] == tariff:
                out[-1] = (out[-1][0], end, tariff)
            else:
                out.append((start, end, tariff))
        return out

    def lookup(self, first: date, last: date) -> _DayLookup:
        """A fast day-ordinal -> tariff lookup over ``first``..``last``."""
        return _DayLookup(self.segments(first, last))


class _DayLookup:
    def __init__(self, segments: list[tuple[date, date, Tariff | None]]) -> None:
        self.segments = segments
        self.starts = [s.toordinal() for s, _, _ in segments]
        self.tariffs = [t for _, _, t in segments]

    def __call__(self, ordinal: int) -> Tariff | None:
        i = bisect.bisect_right(self.starts, ordinal) - 1
        return self.tariffs[i] if i >= 0 else None

    def index(self, ordinal: int) -> int:
        return bisect.bisect_right(self.starts, ordinal) - 1


#: A location's contracts of a customer with their price components (statements are built
#: once, with bound parameters: building and hashing one costs more than running it).
_TARIFFS = (
    select(
        Contract.id,
        Contract.valid_from,
        Contract.valid_until,
        Contract.billing_interval_months,
        Product.kind,
        PriceComponent.kind,
        PriceComponent.amount_excl_vat,
        PriceComponent.unit,
        PriceComponent.valid_from,
        PriceComponent.valid_until,
    )
    .join(Product, Product.id == Contract.product_id)
    .outerjoin(PriceComponent, PriceComponent.contract_id == Contract.id)
    .where(
        Contract.location_of_use_id == bindparam("location_id"),
        Contract.customer_id == bindparam("customer_id"),
    )
    .order_by(Contract.valid_from, Contract.id)
)


async def load_tariffs(db: Db, location_id: int, customer_id: int, cutover: date) -> TariffBook:
    """The customer's contracts for the location, with their prices: one statement."""
    rows = (await db.execute(_TARIFFS, {"location_id": location_id, "customer_id": customer_id})).all()
    heads: dict[int, tuple[date, date | None, int, ProductKind]] = {}
    components: dict[int, list[Price]] = {}
    for cid, valid_from, valid_until, interval, kind, pkind, amount, unit, p_from, p_until in rows:
        heads[cid] = (valid_from, valid_until, int(interval or 1), kind)
        found = components.setdefault(cid, [])
        if pkind is not None:
            found.append(Price(pkind, Decimal(amount), unit, p_from, p_until))
    contracts = [
        ContractPrices(cid, kind, valid_from, valid_until, interval, tuple(components[cid]))
        for cid, (valid_from, valid_until, interval, kind) in heads.items()
    ]
    return TariffBook(contracts, cutover)


# --------------------------------------------------------------------------------------
# SQL pieces
# --------------------------------------------------------------------------------------

_R = MeterReading.__table__  # type: ignore[attr-defined]
_SP = SpotPrice.__table__  # type: ignore[attr-defined]
_D = DailyConsumption.__table__  # type: ignore[attr-defined]
_H = HourlyConsumption.__table__  # type: ignore[attr-defined]
_L = LocationOfUse.__table__  # type: ignore[attr-defined]
_MEASURED = QUALITY_CODE[ReadingQuality.MEASURED]
_ESTIMATED = QUALITY_CODE[ReadingQuality.ESTIMATED]
_QUALITY = {code: quality for quality, code in QUALITY_CODE.items()}
#: A point's quality by its (weakest) reading's code; None: no reading.
_QUALITY_OF_POINT: dict[int | None, ReadingQuality] = {None: ReadingQuality.MISSING, **_QUALITY}
#: Marks a calendar point whose energy had several prices (or spot prices).
_VARIES: Any = object()
#: What the reads take: a Core connection (cheapest) or an ORM session.
Db = AsyncConnection | AsyncSession
#: Where a series' reads get their connections (each its own, side by side): e.g.
#: ``engine.connect`` or an ``async_sessionmaker``.
Connect = Callable[[], AbstractAsyncContextManager[Any]]


def _cents(alias: Any) -> ColumnElement[int]:
    """A spot price in whole cents/MWh (prices have two decimals), on SQLite and PostgreSQL."""
    return cast(func.round(alias.c.eur_per_mwh * literal_column("100")), Integer)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _offset_expression(
    ts: ColumnElement[int], pieces: Sequence[tuple[int, int]], first: int, last: int
) -> ColumnElement[int]:
    """The offset of ``ts`` from ``pieces[first:last]`` ((from UTC second, offset) each), as a
    binary search of nested CASEs: a few comparisons per row however long the range."""
    if last - first == 1:
        return literal(pieces[first][1], Integer)
    middle = (first + last) // 2
    return case(
        (ts < pieces[middle][0], _offset_expression(ts, pieces, first, middle)),
        else_=_offset_expression(ts, pieces, middle, last),
    )


def _local_seconds_of_day(ts: ColumnElement[int], t0: int, t1: int) -> ColumnElement[int]:
    """Seconds since local midnight of the instants ``ts`` in ``[t0, t1)``."""
    pieces = [(t0, _offset_at(t0)), *_transitions(t0, t1)]
    return (ts + _offset_expression(ts, pieces, 0, len(pieces))) % 86400


# --------------------------------------------------------------------------------------
# Rollup maintenance
# --------------------------------------------------------------------------------------

#: Temporary table of spot prices per reading start and length (4 x cents/MWh), keyed by
#: ``_price_key`` (one integer: a single B-tree look-up per reading).
_READING_PRICES = table("reporting_reading_prices", column("k", BigInteger), column("units", BigInteger))


def _price_key(ts: Any, hourly: Any) -> Any:
    """``ts x 2``, plus 1 for a price of an hourly reading."""
    return ts * 2 + hourly


_ROLLUP_COLUMNS = [
    "location_of_use_id",
    "local_date",
    "interval_minutes",
    "readings",
    "measured",
    "estimated",
    "metered_minutes",
    "wh",
    "wh_day",
    "spot_units",
    "unpriced_readings",
]
_HOURLY_COLUMNS = [
    "location_of_use_id",
    "hour_ts",
    "readings",
    "measured",
    "estimated",
    "min_quality",
    "wh",
    "spot_units",
    "unpriced_readings",
]


def _refresh_plan(
    dialect: str, location_ids: Sequence[int] | None, first: date | None, last: date | None
) -> Generator[Any, Any, int]:
    """The statements of a rollup refresh; each ``yield`` is executed and its result sent back."""
    if dialect == "postgresql":
        # One big aggregation: in memory, and not worth compiling (for this transaction only).
        yield text("SET LOCAL work_mem = '256MB'")
        yield text("SET LOCAL jit = off")
    scope = []
    old = delete(_D)
    if location_ids is not None:
        scope.append(_R.c.location_of_use_id.in_(list(location_ids)))
        old = old.where(_D.c.location_of_use_id.in_(list(location_ids)))
    if first is not None:
        scope.append(_R.c.local_date >= first)
        old = old.where(_D.c.local_date >= first)
    if last is not None:
        scope.append(_R.c.local_date <= last)
        old = old.where(_D.c.local_date <= last)
    yield old
    old_hours = delete(_H)
    if location_ids is not None:
        old_hours = old_hours.where(_H.c.location_of_use_id.in_(list(location_ids)))
    if first is not None:
        old_hours = old_hours.where(_H.c.hour_ts >= local_midnight_ts(first))
    if last is not None:
        old_hours = old_hours.where(_H.c.hour_ts < local_midnight_ts(last + timedelta(days=1)))
    yield old_hours
    bounds = (yield select(func.min(_R.c.ts), func.max(_R.c.ts)).where(*scope)).one()
    if bounds[0] is None:
        return 0
    t0, t1 = int(bounds[0]), int(bounds[1]) + 3600

    key_type = "INTEGER" if dialect == "sqlite" else "BIGINT"  # SQLite: the rowid itself
    yield text(
        f"CREATE TEMPORARY TABLE reporting_reading_prices (k {key_type} PRIMARY KEY, units BIGINT NOT NULL)"
    )
    # An hourly unit prices the hourly reading starting with it and the four 15-minute
    # readings of its hour; a 15-minute unit prices the 15-minute reading starting with it.
    sp = _SP
    window = and_(sp.c.ts >= t0 - 3600, sp.c.ts <= t1)
    yield insert(_READING_PRICES).from_select(
        ["k", "units"],
        select(_price_key(sp.c.ts, case((sp.c.interval_minutes == 60, 1), else_=0)), 4 * _cents(sp)).where(
            window
        ),
    )
    for quarter in (900, 1800, 2700):
        yield insert(_READING_PRICES).from_select(
            ["k", "units"],
            select(_price_key(sp.c.ts + quarter, 0), 4 * _cents(sp)).where(
                window, sp.c.interval_minutes == 60
            ),
        )
    # The four 15-minute units of an hour price an hourly reading: their sum (4 x their
    # mean), or 4 x the first when some are missing (as ``spot_price_for``).
    hour = (sp.c.ts - sp.c.ts % 3600).label("hour")
    cents = _cents(sp)
    first_quarter = func.sum(case((sp.c.ts % 3600 == 0, cents), else_=None))
    yield insert(_READING_PRICES).from_select(
        ["k", "units"],
        select(
            _price_key(hour, 1),
            case((func.count() == 4, func.sum(cents)), else_=4 * first_quarter),
        )
        .where(window, sp.c.interval_minutes == 15)
        .group_by(hour)
        .having(first_quarter.is_not(None)),
    )
    if dialect == "postgresql":
        yield text("ANALYZE reporting_reading_prices")
    # (A 15-minute reading whose own quarter-hour price is missing stays unpriced here,
    # where ``spot_price_for`` would take the hour's first quarter: prices are never
    # missing in practice.)
    prices = _READING_PRICES.alias("prices")
    units = prices.c.units
    is_day = _local_seconds_of_day(_R.c.ts, t0, t1).between(
        DAY_START_HOUR * 3600, NIGHT_START_HOUR * 3600 - 1
    )
    source = _R.outerjoin(
        prices, prices.c.k == _price_key(_R.c.ts, case((_R.c.interval_minutes == 60, 1), else_=0))
    )
    rows = (
        select(
            _R.c.location_of_use_id,
            _R.c.local_date,
            func.min(_R.c.interval_minutes),
            func.count(),
            _count_if(_R.c.quality == _MEASURED),
            _count_if(_R.c.quality == _ESTIMATED),
            func.sum(_R.c.interval_minutes),
            func.sum(_R.c.wh),
            func.sum(case((is_day, _R.c.wh), else_=0)),
            func.coalesce(func.sum(cast(_R.c.wh, BigInteger) * units), 0),
            _count_if(units.is_(None)),
        )
        .select_from(source)
        .where(*scope)
        .group_by(_R.c.location_of_use_id, _R.c.local_date)
        # in key order: on PostgreSQL a location's days then sit together on disk
        .order_by(_R.c.location_of_use_id, _R.c.local_date)
    )
    written = (yield insert(_D).from_select(_ROLLUP_COLUMNS, rows)).rowcount
    # Readings per hour of the locations metered every 15 minutes (their HOUR series).
    quarter_locations = select(_L.c.id).where(_L.c.metering_resolution == Resolution.QUARTER_HOUR)
    hour = (_R.c.ts - _R.c.ts % 3600).label("hour_ts")
    hours = (
        select(
            _R.c.location_of_use_id,
            hour,
            func.count(),
            _count_if(_R.c.quality == _MEASURED),
            _count_if(_R.c.quality == _ESTIMATED),
            func.min(_R.c.quality),
            func.sum(_R.c.wh),
            func.coalesce(func.sum(cast(_R.c.wh, BigInteger) * units), 0),
            _count_if(units.is_(None)),
        )
        .select_from(source)
        .where(*scope, _R.c.location_of_use_id.in_(quarter_locations))
        .group_by(_R.c.location_of_use_id, hour)
        .order_by(_R.c.location_of_use_id, hour)
    )
    yield insert(_H).from_select(_HOURLY_COLUMNS, hours)
    yield text("DROP TABLE reporting_reading_prices")
    return int(written or 0)


async def refresh_daily_consumption(
    conn: AsyncConnection,
    *,
    location_ids: Sequence[int] | None = None,
    first: date | None = None,
    last: date | None = None,
) -> int:
    """Recompute the rollups (``daily_consumption``, ``hourly_consumption``); daily rows written.

    Call it in the transaction that writes readings (or spot prices), for the locations
    and local days written; without arguments everything is recomputed. The readings are
    read once, with the spot price of each reading looked up by equality in a temporary
    table of prices per reading start and length.
    """
    plan = _refresh_plan(conn.dialect.name, location_ids, first, last)
    statement = next(plan)
    while True:
        result = await conn.execute(statement)
        try:
            statement = plan.send(result)
        except StopIteration as done:
            return int(done.value)


def refresh_daily_consumption_sync(
    conn: Connection,
    *,
    location_ids: Sequence[int] | None = None,
    first: date | None = None,
    last: date | None = None,
) -> int:
    """``refresh_daily_consumption`` on a synchronous connection (for migrations)."""
    plan = _refresh_plan(conn.dialect.name, location_ids, first, last)
    statement = next(plan)
    while True:
        result = conn.execute(statement)
        try:
            statement = plan.send(result)
        except StopIteration as done:
            return int(done.value)


# --------------------------------------------------------------------------------------
# Series
# --------------------------------------------------------------------------------------


_SWITCH_DAY = select(func.min(_D.c.local_date)).where(
    _D.c.location_of_use_id == bindparam("location_id"), _D.c.interval_minutes == 15
)


async def quarter_hour_metering_from(db: Db, location: LocationOfUse) -> date | None:
    """The first day of 15-minute readings of a 15-minute metered location (None: none yet)."""
    if location.metering_resolution is not Resolution.QUARTER_HOUR:
        return None
    found: date | None = await db.scalar(_SWITCH_DAY, {"location_id": location.id})
    return found


class _Metering:
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


def _check_resolution(
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


def _round_units(value: int, divisor: int) -> int:
    """``value / divisor`` rounded half away from zero (``divisor`` > 0)."""
    half = divisor // 2
    if value >= 0:
        return (value + half) // divisor
    return -((half - value) // divisor)


def _round_ratio(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half away from zero (``denominator`` > 0)."""
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return q if numerator >= 0 else -q


class _Accumulator:
    """Exact energy cost (1e-13 EUR with VAT) of a series, and whether it is all priced."""

    def __init__(self) -> None:
        self.units = 0
        self.unpriced = False


async def _concurrently(*steps: Awaitable[Any]) -> list[Any]:
    """Await ``steps`` side by side; when one fails, the others are cancelled and awaited."""
    tasks = [asyncio.ensure_future(step) for step in steps]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def consumption_series(
    connect: Connect,
    location: LocationOfUse,
    first: date,
    last: date,
    resolution: Resolution,
    *,
    customer_id: int,
    cutover: date,
    today: date,
) -> Series:
    """The consumption series of ``location`` (see the module doc): 3-4 statements whatever
    the range, in sessions of their own side by side (the metering switch day, the tariffs
    then the spot prices or the grouped rollup, the readings or rollup rows)."""
    validate_range(first, last, resolution)
    location_id = location.id
    assert location_id is not None
    interval = resolution in (Resolution.QUARTER_HOUR, Resolution.HOUR)
    # One point per reading: quarter-hours, and hours of a location metered hourly.
    single = (
        resolution is Resolution.QUARTER_HOUR or location.metering_resolution is not Resolution.QUARTER_HOUR
    )
    t0 = local_midnight_ts(first)
    t1 = local_midnight_ts(last + timedelta(days=1))

    async def switch_day() -> date | None:
        if location.metering_resolution is not Resolution.QUARTER_HOUR:
            return None
        async with connect() as db:
            return await quarter_hour_metering_from(db, location)

    async def tariffs() -> tuple[TariffBook, _DayLookup, Any]:
        async with connect() as db:
            book = await load_tariffs(db, location_id, customer_id, cutover)
            lookup = book.lookup(first, last)
            extra: Any = None
            if interval:
                spot = any(t is not None and t.kind is ProductKind.SPOT for t in lookup.tariffs)
                extra = await _fetch_prices(db, t0 - 3600, t1 + 3600) if spot and single else None
            elif resolution is not Resolution.DAY:
                extra = await _calendar_rows(db, location_id, first, last, resolution, lookup.segments)
            return book, lookup, extra

    async def rows() -> Any:
        async with connect() as db:
            if interval:
                return await (_fetch_readings if single else _fetch_hours)(db, location_id, t0, t1)
            return await _calendar_rows(db, location_id, first, last, Resolution.DAY, [])

    steps: list[Awaitable[Any]] = [switch_day(), tariffs()]
    if interval or resolution is Resolution.DAY:
        steps.append(rows())
    quarter_from, (book, lookup, extra), *fetched = await _concurrently(*steps)
    _check_resolution(location, first, resolution, quarter_from)
    metering = _Metering(location, quarter_from)
    if interval:
        step = 900 if resolution is Resolution.QUARTER_HOUR else 3600
        built = _build_interval_points(
            fetched[0],
            single=single,
            prices=extra,
            t0=t0,
            step=step,
            count=(t1 - t0) // step,
            lookup=lookup,
            metering=metering,
        )
    else:
        built = _build_calendar_points(
            fetched[0] if fetched else extra, first, last, resolution, lookup, metering, today
        )
    points, total_wh, acc, measured, estimated = built
    expected = _expected_readings(first, min(last, today - timedelta(days=1)), metering)
    completeness = Completeness(
        expected=expected,
        measured=measured,
        estimated=estimated,
        missing=max(0, expected - measured - estimated),
    )
    total_cost = None
    if not acc.unpriced:
        fees = _basic_fees(book, first, min(last, today - timedelta(days=1)))
        total_cost = round_cents(Decimal(acc.units).scaleb(-13) + fees)
    return Series(
        location_id=location_id,
        resolution=resolution,
        first=first,
        last=last,
        points=points,
        total_wh=total_wh,
        total_cost=total_cost,
        completeness=completeness,
    )


def _hours_between(first: date, last: date, odd: dict[int, int] | None = None) -> int:
    """Hours of the local days ``first``..``last`` (23 and 25 on the DST days).

    ``odd`` (from ``_day_hours`` over a range containing these days) saves looking the
    DST days up again.
    """
    if last < first:
        return 0
    if odd is None:
        odd = _day_hours(first, last)
    o0, o1 = first.toordinal(), last.toordinal()
    return 24 * (o1 - o0 + 1) + sum(h - 24 for o, h in odd.items() if o0 <= o <= o1)


def _expected_readings(
    first: date, last: date, metering: _Metering, odd: dict[int, int] | None = None
) -> int:
    """Metering intervals of the local days ``first``..``last``."""
    if last < first:
        return 0
    if odd is None:
        odd = _day_hours(first, last)
    if not metering.quarter:
        return _hours_between(first, last, odd)
    if metering.quarter_from is None:
        return 4 * _hours_between(first, last, odd)
    switch = date.fromordinal(metering.quarter_from)
    hourly = _hours_between(first, min(last, switch - timedelta(days=1)), odd)
    quarterly = _hours_between(max(first, switch), last, odd)
    return hourly + 4 * quarterly


def _basic_fees(book: TariffBook, first: date, last: date) -> Decimal:
    """Basic fees with VAT of ``first``..``last`` (pro rata per month, as invoiced)."""
    total = Decimal("0.00")
    start = max(first, book.cutover)
    for contract in book.contracts:
        piece_start = max(start, contract.valid_from)
        piece_end = last if contract.valid_until is None else min(last, contract.valid_until)
        if piece_end < piece_start:
            continue
        components = sorted(contract.components, key=lambda c: c.valid_from)
        total += sum(
            (line.amount_incl_vat for line in basic_fee_lines(components, piece_start, piece_end)),
            Decimal("0.00"),
        )
    return total


def _decimals(places: int) -> _Cache:
    """``cache[units]`` is ``Decimal(units) x 10**-places`` (Decimals are immutable)."""
    return _Cache(lambda units: Decimal(units).scaleb(-places))


def _texts(decimals: _Cache) -> _Cache:
    """``cache[units]`` is ``str`` of that Decimal (None for None)."""
    cache = _Cache(lambda units: str(decimals[units]))
    cache[None] = None
    return cache


_cost_decimal = _decimals(_COST_PLACES)
_unit_decimal = _decimals(_UNIT_PLACES)
_cost_text = _texts(_cost_decimal)
_unit_text = _texts(_unit_decimal)
#: A unit price with VAT in 1e-8 c/kWh, rounded half away from zero to 0.001 c/kWh (in
#: 0.001 units; 35,040 quarter-hours share few prices).
_unit_of_scaled = _Cache(lambda scaled: _round_units(scaled, _UNIT_DIVISOR))


class FixedPoints(Sequence[Decimal | None]):
    """Decimals with ``places`` decimals kept as integer units (``None`` for no value), made
    only when asked for; ``texts()`` gives every value's ``str`` from a cache, the form of
    GraphQL's ``Decimal`` (the list fast path uses it)."""

    __slots__ = ("_decimals", "_texts", "units")

    def __init__(self, units: list[int | None], places: int) -> None:
        self.units = units
        if places == _COST_PLACES:
            self._decimals, self._texts = _cost_decimal, _cost_text
        elif places == _UNIT_PLACES:
            self._decimals, self._texts = _unit_decimal, _unit_text
        else:
            self._decimals = _decimals(places)
            self._texts = _texts(self._decimals)

    def __len__(self) -> int:
        return len(self.units)

    def _at(self, units: int | None) -> Decimal | None:
        return None if units is None else self._decimals[units]

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._at(u) for u in self.units[index]]
        return self._at(self.units[index])

    def __iter__(self) -> Iterator[Decimal | None]:
        return map(self._at, self.units)

    def __repr__(self) -> str:
        return f"FixedPoints({len(self)} values)"

    def texts(self) -> list[str | None]:
        """``[None if v is None else str(v) for v in self]``."""
        return list(map(self._texts.__getitem__, self.units))


def _p4(prices: dict[int, int], ts: int, minutes: int) -> int | None:
    """4 x the spot price (cents/MWh) of a reading: ``domain.billing.spot_price_for`` in integers."""
    if minutes >= 60:
        first = prices.get(ts)
        if first is None:
            return None
        q1, q2, q3 = prices.get(ts + 900), prices.get(ts + 1800), prices.get(ts + 2700)
        if q1 is not None and q2 is not None and q3 is not None:
            return first + q1 + q2 + q3
        return 4 * first
    price = prices.get(ts)
    if price is None:
        price = prices.get(ts - ts % 3600)
    return None if price is None else 4 * price


# A year of quarter-hours is 35,040 readings and as many spot prices. Fetched as rows they
# are 140,000 objects (driver tuples and result rows) made one by one. So each of their
# columns comes as one text of comma-separated integers, parsed in C as a JSON array
# (``orjson``: 1.6 ms for 35,040 integers, against 9 ms for ``map(int, text.split(","))``).
# The integers are small (minutes since the series' start, not epoch seconds): nothing to
# unpack. The columns of one statement are aggregated in the same row order; that order is
# the scan's, checked and sorted when it is not ascending.


def _integers(text_value: str | None) -> list[int]:
    """The comma-separated integers of ``text_value``."""
    if not text_value:
        return []
    found: list[int] = orjson.loads(f"[{text_value}]")
    return found


def _in_order(keys: list[int], *columns: list[int]) -> list[list[int]]:
    """``keys`` and ``columns`` by ascending ``keys``."""
    if all(map(operator.lt, keys, itertools.islice(keys, 1, None))):
        return [keys, *columns]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    return [[column[i] for i in order] for column in (keys, *columns)]


def _as_text(value: Any) -> Any:
    return func.aggregate_strings(cast(value, String), ",")


def _minutes_since(ts: Any, t0: Any) -> Any:
    return (ts - t0) // 60


def _affine(values: Iterable[int], scale: int, offset: int) -> Iterator[int]:
    """``v * scale + offset`` of each value."""
    return map(operator.add, map(operator.mul, values, repeat(scale)), repeat(offset))


class SpotPrices:
    """Spot prices (cents/MWh) by the start of their market time unit, as minutes since
    ``base`` (a UTC second), in time order."""

    __slots__ = ("_by_ts", "base", "cents", "minutes")

    def __init__(self, base: int, minutes: list[int], cents: list[int]) -> None:
        self.base, self.minutes, self.cents = base, minutes, cents
        self._by_ts: dict[int, int] | None = None

    @property
    def by_ts(self) -> dict[int, int]:
        """``{ts: cents/MWh}``."""
        if self._by_ts is None:
            self._by_ts = dict(zip(_affine(self.minutes, 60, self.base), self.cents, strict=True))
        return self._by_ts

    def on_grid(self, first_ts: int, end_ts: int, step: int) -> list[int] | None:
        """The prices of the units starting every ``step`` seconds in ``[first_ts, end_ts)``
        when there is exactly one for each (the 15-minute market, for quarter-hours)."""
        first, end, every = (first_ts - self.base) // 60, (end_ts - self.base) // 60, step // 60
        i = bisect.bisect_left(self.minutes, first)
        n = (end - first) // every
        if self.minutes[i : i + n] != list(range(first, end, every)):
            return None
        return self.cents[i : i + n]


_LOCATION, _T0, _T1 = bindparam("location_id"), bindparam("t0"), bindparam("t1")
#: The readings in ``[t0, t1)`` as texts: minutes since ``t0``, Wh, quality code.
_READINGS_AS_TEXT = select(
    _as_text(_minutes_since(_R.c.ts, _T0)), _as_text(_R.c.wh), _as_text(_R.c.quality), func.count()
).where(_R.c.location_of_use_id == _LOCATION, _R.c.ts >= _T0, _R.c.ts < _T1)
_READINGS = (
    select(_R.c.ts, _R.c.wh, _R.c.quality)
    .where(_R.c.location_of_use_id == _LOCATION, _R.c.ts >= _T0, _R.c.ts < _T1)
    .order_by(_R.c.ts)
)
#: The spot prices in ``[t0, t1)`` as texts: minutes since ``t0``, cents/MWh.
_PRICES_AS_TEXT = select(_as_text(_minutes_since(_SP.c.ts, _T0)), _as_text(_cents(_SP)), func.count()).where(
    _SP.c.ts >= _T0, _SP.c.ts < _T1
)
_PRICES = select(_SP.c.ts, _cents(_SP)).where(_SP.c.ts >= _T0, _SP.c.ts < _T1).order_by(_SP.c.ts)
#: What ``_fetch_hours`` gives of an hour, after the hour itself.
_HOUR_SUMS = (
    _H.c.wh,
    _H.c.min_quality,
    _H.c.readings,
    _H.c.measured,
    _H.c.estimated,
    _H.c.spot_units,
    _H.c.unpriced_readings,
)
_HOURS_IN_RANGE = (_H.c.location_of_use_id == _LOCATION, _H.c.hour_ts >= _T0, _H.c.hour_ts < _T1)
#: The hours in ``[t0, t1)`` as texts (the hour as hours since ``t0``).
_HOURS_AS_TEXT = select(
    _as_text((_H.c.hour_ts - _T0) // 3600), *map(_as_text, _HOUR_SUMS), func.count()
).where(*_HOURS_IN_RANGE)
_HOURS = select(_H.c.hour_ts, *_HOUR_SUMS).where(*_HOURS_IN_RANGE).order_by(_H.c.hour_ts)


async def _fetch_columns(
    db: Db, as_text: Select[Any], as_rows: Select[Any], parameters: dict[str, Any], key: Callable[[int], int]
) -> list[list[int]]:
    """The integer columns of ``as_text`` (its texts, then the row count), in the order of
    their first column; from the rows of ``as_rows`` (their first column through ``key``)
    when the texts do not add up."""
    *texts, count = (await db.execute(as_text, parameters)).one()
    columns = [_integers(text_value) for text_value in texts]
    if any(len(column) != int(count) for column in columns):  # never seen
        rows = (await db.execute(as_rows, parameters)).all()
        columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in texts]
        columns[0] = list(map(key, columns[0]))
    return _in_order(*columns)


async def _fetch_readings(db: Db, location_id: int, t0: int, t1: int) -> list[list[int]]:
    """``minutes since t0, wh, quality`` of the readings in ``[t0, t1)``, in time order."""
    bounds = {"location_id": location_id, "t0": t0, "t1": t1}
    return await _fetch_columns(db, _READINGS_AS_TEXT, _READINGS, bounds, lambda ts: (ts - t0) // 60)


async def _fetch_prices(db: Db, t0: int, t1: int) -> SpotPrices:
    """The spot prices of the market time units starting in ``[t0, t1)``."""
    minutes, cents = await _fetch_columns(
        db, _PRICES_AS_TEXT, _PRICES, {"t0": t0, "t1": t1}, lambda ts: (ts - t0) // 60
    )
    return SpotPrices(t0, minutes, cents)


async def _fetch_hours(db: Db, location_id: int, t0: int, t1: int) -> list[list[int]]:
    """Hours of a location metered every 15 minutes, from ``hourly_consumption``, as columns
    ``hours since t0, wh, weakest quality, readings, measured, estimated, spot units,
    unpriced``, in time order."""
    bounds = {"location_id": location_id, "t0": t0, "t1": t1}
    return await _fetch_columns(db, _HOURS_AS_TEXT, _HOURS, bounds, lambda hour: (hour - t0) // 3600)


def _on_grid(
    ts: Sequence[int], columns: Sequence[Sequence[Any]], fills: Sequence[Any], t0: int, step: int, count: int
) -> tuple[list[list[Any]], bool]:
    """``columns`` of rows at instants ``ts`` (ascending) placed on the ``count`` points from
    ``t0`` every ``step`` seconds; a point without a row gets the column's fill value. Also
    whether every point had a row (so that no fill value is in the columns)."""
    ts = ts if isinstance(ts, list) else list(ts)
    if len(ts) == count and ts == list(range(t0, t0 + count * step, step)):
        return [list(values) for values in columns], True

    # Runs of rows on consecutive points, found by halving (gaps are few) and compared in C,
    # then copied a slice at a time. A row between points (never written so) lands on the
    # point it falls in, a later row over an earlier one, as a loop over the rows would do.
    def point(i: int) -> int:
        return (ts[i] - t0) // step

    runs: list[tuple[int, int, int]] = []
    pending = [(0, len(ts))] if ts else []
    while pending:
        lo, hi = pending.pop()
        start = ts[lo]
        if hi - lo == 1 or (
            (start - t0) % step == 0 and ts[lo:hi] == list(range(start, start + (hi - lo) * step, step))
        ):
            runs.append((lo, hi, point(lo)))
        else:
            middle = (lo + hi) // 2
            pending += [(middle, hi), (lo, middle)]
    placed = [[fill] * count for fill in fills]
    for target, values in zip(placed, columns, strict=True):
        for i, j, k in runs:
            if k < 0 or k + j - i > count:
                for index in range(i, j):  # (rows outside the range: never from the queries)
                    if 0 <= point(index) < count:
                        target[point(index)] = values[index]
                continue
            target[k : k + j - i] = values[i:j]
    return placed, False


def _build_interval_points(
    columns: Sequence[Sequence[int]],
    *,
    single: bool,
    prices: SpotPrices | None,
    t0: int,
    step: int,
    count: int,
    lookup: _DayLookup,
    metering: _Metering,
) -> tuple[SeriesPoints, int, _Accumulator, int, int]:
    """The ``count`` points from ``t0`` every ``step`` seconds, column by column.

    ``columns`` are ``minutes since t0, wh, quality`` of the readings when ``single``
    (``_fetch_readings``), else those of ``_fetch_hours``; in time order. A year of
    quarter-hours is 35,040 points, so every column is a comprehension (or a ``map``) over
    runs of one tariff, not a loop per point.
    """
    n = count
    if single:
        # (readings are placed by their minutes since t0)
        (whs, codes), complete = _on_grid(columns[0], columns[1:3], (None, None), 0, step // 60, n)
        measured, estimated = codes.count(_MEASURED), codes.count(_ESTIMATED)
        qualities = list(map(_QUALITY_OF_POINT.__getitem__, codes))
        spot_units: list[int | None] = []
        unpriced_rows: list[int] = []
    else:
        (whs, codes, counts, spot_units, unpriced_rows), complete = _on_grid(
            columns[0],  # hours since t0
            [columns[1], columns[2], columns[3], columns[6], columns[7]],
            (None, None, 0, None, 0),
            0,
            1,
            n,
        )
        measured, estimated = sum(columns[4]), sum(columns[5])
        # An hour needs its four readings once the location is metered every 15 minutes
        # (one before).
        if not metering.quarter:
            switch = n
        elif metering.quarter_from is None:
            switch = 0
        else:
            switch_ts = local_midnight_ts(date.fromordinal(metering.quarter_from))
            switch = min(n, max(0, (switch_ts - t0) // step))
        # the weakest code where the hour has its readings, else 0 (MISSING); in C
        known = filled(codes, null_positions(codes), 0)
        full = [*map(operator.ge, counts[:switch], repeat(1)), *map(operator.ge, counts[switch:], repeat(4))]
        qualities = list(map(_QUALITY_OF_POINT.__getitem__, map(operator.mul, known, full)))
    if not complete:
        total_wh = sum(filter(None, whs))
        kwh: list[float | None] = [None if wh is None else wh / 1000 for wh in whs]
    else:
        total_wh = sum(whs)
        kwh = list(map(operator.truediv, whs, repeat(1000)))

    # Cost, one run of days with one tariff at a time.
    cost: list[int | None] = [None] * n
    unit: list[int | None] = [None] * n
    acc = _Accumulator()
    starts = LocalTimes(t0, step, n)
    for seg_first, seg_last, tariff in lookup.segments:
        a = max(0, (local_midnight_ts(seg_first) - t0) // step)
        b = min(n, (local_midnight_ts(seg_last + timedelta(days=1)) - t0) // step)
        if b <= a:
            continue
        run = whs[a:b]
        if tariff is None:
            if run.count(None) < len(run):
                acc.unpriced = True
            continue
        if tariff.kind is ProductKind.SPOT and not single:
            _price_rolled_spot(run, spot_units[a:b], unpriced_rows[a:b], a, tariff, cost, unit, acc)
            continue
        vat = tariff.vat_factor
        scaled: list[int | None]
        if tariff.kind is ProductKind.SPOT:
            assert prices is not None  # read whenever a spot tariff prices single readings
            scaled = _spot_scaled(prices, t0 + a * step, t0 + b * step, step, tariff)
        elif tariff.kind is ProductKind.TIME_OF_USE:
            scaled = _day_night_scaled(starts, a, b, tariff)
        else:
            scaled = [tariff.day_price * vat] * (b - a)
        _price_points(run, scaled, a, cost, unit, acc, run_complete=complete)
    points = SeriesPoints(
        starts, kwh, FixedPoints(unit, _UNIT_PLACES), FixedPoints(cost, _COST_PLACES), qualities
    )
    return points, total_wh, acc, measured, estimated


def _spot_scaled(
    prices: SpotPrices, first_ts: int, end_ts: int, step: int, tariff: Tariff
) -> list[int | None] | np.ndarray:
    """Spot price plus margin with VAT (1e-8 c/kWh) of each reading from ``first_ts`` on,
    each ``step`` seconds long; None where no price is known."""
    vat, margin = tariff.vat_factor, tariff.day_price
    if step < 3600:  # a quarter-hour: its own price, else its hour's (the hourly market era)
        aligned = prices.on_grid(first_ts, end_ts, step)
        if aligned is not None:  # (4 x cents x 25 + margin) x VAT
            cents = _array(aligned)
            [cents] = _exact((_magnitude(cents) * 100 + abs(margin)) * vat, cents)
            return cents * (100 * vat) + margin * vat  # type: ignore[no-any-return]
        by_ts = prices.by_ts
        p4s = [_p4(by_ts, ts, 15) for ts in range(first_ts, end_ts, step)]
    else:  # an hour: the mean of its four quarter-hour prices, else the hour's price
        by_ts = prices.by_ts
        p4s = [_p4(by_ts, ts, 60) for ts in range(first_ts, end_ts, step)]
    return [None if p4 is None else (p4 * _SPOT_TO_UNITS + margin) * vat for p4 in p4s]


def _day_night_scaled(starts: LocalTimes, a: int, b: int, tariff: Tariff) -> list[int | None]:
    """Time-of-use price with VAT of points ``a``..``b``: day price for local 07-22, else night."""
    day, night = tariff.day_price * tariff.vat_factor, tariff.night_price * tariff.vat_factor
    day_from, day_until = DAY_START_HOUR * 3600, NIGHT_START_HOUR * 3600
    step = starts.step
    out: list[int | None] = []
    for k0, k1, offset in starts.pieces:
        lo, hi = max(a, k0), min(b, k1)
        if lo < hi:
            wall = starts.t0 + offset
            out += [
                day if day_from <= (wall + k * step) % 86400 < day_until else night for k in range(lo, hi)
            ]
    return out


# Column arithmetic: NumPy over whole columns, in 64-bit integers when no intermediate can
# pass 2**61 (checked from the columns' largest magnitudes), else in Python integers (NumPy
# object arrays): exact either way, and ~2.5x cheaper than ``map`` over ``operator`` in the
# usual case (measured on a year of quarter-hours, the conversions from and to lists
# included).
_INT64_SAFE = 2**61


def _array(values: Sequence[int] | np.ndarray) -> np.ndarray:
    """``values`` as 64-bit integers, or as Python integers when they do not fit."""
    if isinstance(values, np.ndarray):
        return values
    try:
        return np.array(values, dtype=np.int64)
    except OverflowError:
        return np.array(values, dtype=object)


def _magnitude(values: np.ndarray) -> int:
    """The largest absolute value of a column (0 for none), as a Python integer."""
    return max(int(values.max()), -int(values.min())) if len(values) else 0


def _exact(bound: int, *columns: np.ndarray) -> list[np.ndarray]:
    """``columns`` as Python integers when arithmetic up to ``bound`` could overflow int64."""
    if bound < _INT64_SAFE and all(c.dtype == np.int64 for c in columns):
        return list(columns)
    return [c.astype(object) for c in columns]


def _sum(values: np.ndarray) -> int:
    """The exact sum of a column."""
    if values.dtype == np.int64 and _magnitude(values) * max(len(values), 1) < _INT64_SAFE:
        return int(values.sum())
    return sum(values.tolist())


def _rounded(values: np.ndarray, divisor: int) -> np.ndarray:
    """``values / divisor`` rounded half away from zero."""
    quotient = (abs(values) + divisor // 2) // divisor
    return np.where(values < 0, -quotient, quotient)


def _weighted_bound(incl: np.ndarray, energy: np.ndarray) -> int:
    """The largest intermediate of ``_weighted``."""
    return 2 * _magnitude(incl) + 2 * _UNIT_DIVISOR * _magnitude(energy)


def _weighted(incl: np.ndarray, energy: np.ndarray) -> np.ndarray:
    """Consumption-weighted unit prices ``incl / (energy x 1e5)`` in 0.001 c/kWh, rounded half
    away from zero (0 where there is no energy: the caller empties those)."""
    denominators = np.where(energy > 0, energy, 1) * _UNIT_DIVISOR
    quotient = (2 * abs(incl) + denominators) // (2 * denominators)
    return np.where(incl < 0, -quotient, quotient)


def _price_points(
    run: list[int | None],
    scaled: list[int | None] | np.ndarray,
    a: int,
    cost: list[int | None],
    unit: list[int | None],
    acc: _Accumulator,
    *,
    run_complete: bool = False,
) -> None:
    """Cost and unit price of points ``a``.. from their energy and their price with VAT
    (``run_complete``: every point has readings)."""
    b = a + len(run)
    # (the ints of a column are searched for None by identity: ``None in`` compares each)
    if not isinstance(scaled, np.ndarray) and null_positions(scaled):
        # some energy without a known price (rare): value by value
        if any(wh is not None and s is None for wh, s in zip(run, scaled, strict=True)):
            acc.unpriced = True
        incl = [None if wh is None or s is None else wh * s for wh, s in zip(run, scaled, strict=True)]
        acc.units += sum(x for x in incl if x is not None)
        unit[a:b] = [None if x is None else _unit_of_scaled[s] for x, s in zip(incl, scaled, strict=True)]
        cost[a:b] = [None if x is None else _round_units(x, _COST_DIVISOR) for x in incl]
        return
    gaps = [] if run_complete else null_positions(run)
    # points without readings: priced as 0 Wh here, then emptied
    energy = filled(run, gaps, 0) if gaps else run
    wh, price = _array(energy), _array(scaled)  # type: ignore[arg-type]
    wh, price = _exact(_magnitude(wh) * _magnitude(price), wh, price)
    incl = wh * price
    acc.units += _sum(incl)
    costs, units = _rounded(incl, _COST_DIVISOR).tolist(), _rounded(price, _UNIT_DIVISOR).tolist()
    for k in gaps:
        costs[k] = units[k] = None
    cost[a:b], unit[a:b] = costs, units


def _price_rolled_spot(
    run: list[int | None],
    spot_units: list[int | None],
    unpriced_rows: list[int],
    a: int,
    tariff: Tariff,
    cost: list[int | None],
    unit: list[int | None],
    acc: _Accumulator,
) -> None:
    """Hours summed from 15-minute readings, under a spot tariff: the spot units of the rollup.

    The unit price is the consumption-weighted price ``x / (wh x 1e5)``, rounded half away
    from zero. Hours without readings are computed as 0 Wh and emptied after; a run with an
    unpriced reading goes value by value.
    """
    vat, margin = tariff.vat_factor, tariff.day_price
    b = a + len(run)
    gaps = null_positions(run)
    # (spot units are missing exactly where readings are, else value by value)
    units_missing = spot_units.count(None) != len(gaps) or any(spot_units[k] is not None for k in gaps)
    if any(unpriced_rows) or units_missing:  # readings without a price: value by value
        incl = [
            None if wh is None or units is None or unpriced else (units * _SPOT_TO_UNITS + wh * margin) * vat
            for wh, units, unpriced in zip(run, spot_units, unpriced_rows, strict=True)
        ]
        if any(wh is not None and x is None for wh, x in zip(run, incl, strict=True)):
            acc.unpriced = True
        acc.units += sum(x for x in incl if x is not None)
        cost[a:b] = [None if x is None else _round_units(x, _COST_DIVISOR) for x in incl]
        unit[a:b] = [
            None if x is None or not wh else _round_ratio(x, wh * _UNIT_DIVISOR)
            for x, wh in zip(incl, run, strict=True)
        ]
        return
    energy, units = (filled(run, gaps, 0), filled(spot_units, gaps, 0)) if gaps else (run, spot_units)
    wh, spot = _array(energy), _array(units)  # type: ignore[arg-type]
    largest = (_magnitude(spot) * _SPOT_TO_UNITS + _magnitude(wh) * abs(margin)) * vat
    wh, spot = _exact(max(2 * largest, 2 * _UNIT_DIVISOR * _magnitude(wh)), wh, spot)
    incl = (spot * _SPOT_TO_UNITS + wh * margin) * vat
    acc.units += _sum(incl)
    costs = _rounded(incl, _COST_DIVISOR).tolist()
    prices = _weighted(incl, wh).tolist()
    for k in np.flatnonzero(wh == 0).tolist():  # the gaps, and hours that used no energy
        prices[k] = None
    for k in gaps:
        costs[k] = None
    cost[a:b], unit[a:b] = costs, prices


def _calendar_periods(first: date, last: date, resolution: Resolution) -> list[tuple[date, date]]:
    """The DAY, MONTH or YEAR points of ``first``..``last`` as (first day, last day)."""
    if resolution is Resolution.DAY:
        return [(d, d) for d in _days(first, last)]
    out: list[tuple[date, date]] = []
    start = first
    while start <= last:
        if resolution is Resolution.MONTH:
            following = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        else:
            following = date(start.year + 1, 1, 1)
        out.append((start, min(last, following - timedelta(days=1))))
        start = following
    return out


class _PeriodKey(expression.FunctionElement[int]):
    """``year x 100 + month`` (``months=True``) or the year of a date column, as an integer."""

    type = Integer()
    inherit_cache = True

    def __init__(self, column: Any, months: bool) -> None:
        super().__init__(column, literal_column("1" if months else "0"))


@compiles(_PeriodKey)
def _period_key_default(element: _PeriodKey, compiler: Any, **kw: Any) -> str:
    column, months = list(element.clauses)
    year = f"EXTRACT(year FROM {compiler.process(column, **kw)})"
    if str(months) == "1":
        return f"CAST({year} * 100 + EXTRACT(month FROM {compiler.process(column, **kw)}) AS INTEGER)"
    return f"CAST({year} AS INTEGER)"


@compiles(_PeriodKey, "sqlite")
def _period_key_sqlite(element: _PeriodKey, compiler: Any, **kw: Any) -> str:
    # dates are ISO texts on SQLite: cutting them is faster than strftime
    column, months = list(element.clauses)
    text_value = compiler.process(column, **kw)
    if str(months) == "1":
        return f"CAST(substr({text_value}, 1, 4) || substr({text_value}, 6, 2) AS INTEGER)"
    return f"CAST(substr({text_value}, 1, 4) AS INTEGER)"


#: The rollup's days in ``first``..``last``, of all locations and of one.
_DAYS_IN_RANGE = (_D.c.local_date >= bindparam("first"), _D.c.local_date <= bindparam("last"))
_LOCATION_DAYS = (_D.c.location_of_use_id == _LOCATION, *_DAYS_IN_RANGE)
_DAYS = (
    select(
        _D.c.local_date,
        literal(0, Integer),
        _D.c.wh,
        _D.c.wh_day,
        _D.c.readings,
        _D.c.measured,
        _D.c.estimated,
        _D.c.spot_units,
        _D.c.unpriced_readings,
    )
    .where(*_LOCATION_DAYS)
    .order_by(_D.c.local_date)
)


async def _calendar_rows(
    db: Db,
    location_id: int,
    first: date,
    last: date,
    resolution: Resolution,
    segments: Sequence[tuple[date, date, Tariff | None]],
) -> Sequence[Any]:
    """Rollup rows ``(period, piece, wh, wh_day, readings, measured, estimated, spot units,
    unpriced)``: one per day for DAY (piece 0), in day order; for MONTH and YEAR summed in SQL
    per period (``year x 100 + month``, or the year) and tariff piece (the index in ``segments``)."""
    if resolution is Resolution.DAY:
        return (await db.execute(_DAYS, {"location_id": location_id, "first": first, "last": last})).all()
    parameters: dict[str, Any] = {"location_id": location_id, "first": first, "last": last}
    parameters.update({f"piece_{i}": start for i, (start, _, _) in enumerate(segments) if i})
    statement = _periods_statement(resolution is Resolution.MONTH, len(segments))
    return (await db.execute(statement, parameters)).all()


@lru_cache(maxsize=64)
def _periods_statement(months: bool, pieces: int) -> Select[Any]:
    """Rollup sums per month (or year) and tariff piece, for ``pieces`` pieces whose starts
    after the first are the parameters ``piece_1``... (built once per shape)."""
    d = _D
    piece: ColumnElement[Any] = literal(0, Integer)
    if pieces > 1:
        piece = case(
            *[
                (d.c.local_date < bindparam(f"piece_{i}", type_=Date), literal(i - 1, Integer))
                for i in range(1, pieces)
            ],
            else_=literal(pieces - 1, Integer),
        )
    key_label = _PeriodKey(d.c.local_date, months).label("period")
    piece_label = piece.label("piece")
    sums = (
        func.sum(d.c.wh),
        func.sum(d.c.wh_day),
        func.sum(d.c.readings),
        func.sum(d.c.measured),
        func.sum(d.c.estimated),
        func.sum(d.c.spot_units),
        func.sum(d.c.unpriced_readings),
    )
    return select(key_label, piece_label, *sums).where(*_LOCATION_DAYS).group_by(key_label, piece_label)


def _priced_rows(
    tariff: Tariff | None,
    wh: Sequence[int],
    wh_day: Sequence[int],
    spot_units: Sequence[int],
    unpriced_readings: Sequence[int],
) -> tuple[list[int], list[Any], list[bool]]:
    """Rollup rows with readings under one tariff: their energy cost with VAT (1e-13 EUR), the
    one price with VAT their energy had (``_VARIES`` when several or spot, None when it used
    none), and whether a row has energy without a known price."""
    n = len(wh)
    if tariff is None:
        return [0] * n, [None] * n, [True] * n
    vat = tariff.vat_factor
    if tariff.kind is ProductKind.SPOT:
        margin = tariff.day_price
        no_price = [bool(u) for u in unpriced_readings]
        incl = [
            0 if u else (s * _SPOT_TO_UNITS + w * margin) * vat
            for w, s, u in zip(wh, spot_units, no_price, strict=True)
        ]
        return incl, [_VARIES] * n, no_price
    if tariff.kind is ProductKind.TIME_OF_USE:
        day, night = tariff.day_price * vat, tariff.night_price * vat
        incl = [d * day + (w - d) * night for w, d in zip(wh, wh_day, strict=True)]
        one = [
            (_VARIES if w - d else day) if d else (night if w - d else None)
            for w, d in zip(wh, wh_day, strict=True)
        ]
        return incl, one, [False] * n
    price = tariff.day_price * vat
    return [w * price for w in wh], [price] * n, [False] * n


def _build_calendar_points(
    rows: Sequence[Any],
    first: date,
    last: date,
    resolution: Resolution,
    lookup: _DayLookup,
    metering: _Metering,
    today: date,
) -> tuple[SeriesPoints, int, _Accumulator, int, int]:
    """DAY, MONTH and YEAR points from the rows of ``_calendar_rows``, column by column."""
    day = resolution is Resolution.DAY
    o0 = first.toordinal()
    periods = [] if day else _calendar_periods(first, last, resolution)
    n = last.toordinal() - o0 + 1 if day else len(periods)
    segments = lookup.segments
    columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in range(9)]
    keys, pieces = columns[0], columns[1]
    wh, wh_day, readings, measured, estimated, spot_units, unpriced_readings = (
        list(map(int, c)) for c in columns[2:]
    )
    # Price the rows, the rows of one tariff at a time.
    incl, price, no_price = [0] * len(wh), [None] * len(wh), [False] * len(wh)
    groups: list[tuple[Tariff | None, list[int]]]
    if day:
        if not all(isinstance(k, date) for k in keys):
            keys = [k if isinstance(k, date) else date.fromisoformat(str(k)) for k in keys]
        ordinals = list(map(date.toordinal, keys))
        groups = []
        for s_first, s_last, tariff in segments:
            i = bisect.bisect_left(ordinals, s_first.toordinal())
            j = bisect.bisect_right(ordinals, s_last.toordinal())
            groups.append((tariff, list(range(i, j))))
    else:
        by_piece: dict[int, list[int]] = {}
        for i, piece in enumerate(pieces):
            by_piece.setdefault(int(piece), []).append(i)
        groups = [(segments[piece][2], indexes) for piece, indexes in by_piece.items()]
    for tariff, indexes in groups:
        if not indexes:
            continue
        a, b = indexes[0], indexes[-1] + 1
        if indexes == list(range(a, b)):
            found = _priced_rows(tariff, wh[a:b], wh_day[a:b], spot_units[a:b], unpriced_readings[a:b])
            incl[a:b], price[a:b], no_price[a:b] = found
            continue
        found = _priced_rows(
            tariff, *([column[i] for i in indexes] for column in (wh, wh_day, spot_units, unpriced_readings))
        )
        for i, x, p, u in zip(indexes, *found, strict=True):
            incl[i], price[i], no_price[i] = x, p, u
    # Rows to points: a day is its row; a month or year sums its rows (one per tariff piece).
    if day:
        (wh, readings, measured, estimated, incl, price, no_price), _ = _on_grid(
            ordinals,
            [wh, readings, measured, estimated, incl, price, no_price],
            (0, 0, 0, 0, 0, None, False),
            o0,
            1,
            n,
        )
    else:
        index_of = {
            (start.year * 100 + start.month if resolution is Resolution.MONTH else start.year): i
            for i, (start, _) in enumerate(periods)
        }
        sums = [[0] * n for _ in range(5)]
        point_price: list[Any] = [None] * n
        point_no_price = [False] * n
        for r, key in enumerate(keys):
            i = index_of[int(key)]
            for target, value in zip(
                sums, (wh[r], readings[r], measured[r], estimated[r], incl[r]), strict=True
            ):
                target[i] += value
            point_no_price[i] = point_no_price[i] or no_price[r]
            if point_price[i] is None:
                point_price[i] = price[r]
            elif price[r] is not None and price[r] != point_price[i]:
                point_price[i] = _VARIES
        wh, readings, measured, estimated, incl = sums
        price, no_price = point_price, point_no_price
    # Readings due per point: the metering intervals of its days up to yesterday.
    due_last = min(last, today - timedelta(days=1))
    odd = _day_hours(first, last)
    if day:
        due_ordinal = due_last.toordinal()
        quarter, quarter_from = metering.quarter, metering.quarter_from
        per_hour = [
            (4 if quarter and (quarter_from is None or o >= quarter_from) else 1) if o <= due_ordinal else 0
            for o in range(o0, o0 + n)
        ]
        expected = [odd.get(o, 24) * k for o, k in zip(range(o0, o0 + n), per_hour, strict=True)]
    else:
        expected = [_expected_readings(start, min(end, due_last), metering, odd) for start, end in periods]
    starts = list(range(o0, o0 + n)) if day else [start.toordinal() for start, _ in periods]
    return _calendar_columns(starts, wh, readings, measured, estimated, incl, price, no_price, expected)


def _calendar_columns(
    starts: list[int],
    wh: list[int],
    readings: list[int],
    measured: list[int],
    estimated: list[int],
    incl: list[int],
    price: list[Any],
    no_price: list[bool],
    expected: list[int],
) -> tuple[SeriesPoints, int, _Accumulator, int, int]:
    """The points' columns from their sums (see ``_build_calendar_points``)."""
    missing, estimated_quality, measured_quality = (
        ReadingQuality.MISSING,
        ReadingQuality.ESTIMATED,
        ReadingQuality.MEASURED,
    )
    qualities = [
        missing if not r or m + e < x or m + e < r else (estimated_quality if e else measured_quality)
        for r, m, e, x in zip(readings, measured, estimated, expected, strict=True)
    ]
    kwh = [w / 1000 if r else None for w, r in zip(wh, readings, strict=True)]
    priced = [bool(r) and not u for r, u in zip(readings, no_price, strict=True)]
    amounts, energy = _array(incl), _array(wh)
    amounts, energy = _exact(_weighted_bound(amounts, energy), amounts, energy)
    costs = _rounded(amounts, _COST_DIVISOR).tolist()
    cost: list[int | None] = [c if p else None for c, p in zip(costs, priced, strict=True)]
    weighted = [mean if w else None for mean, w in zip(_weighted(amounts, energy).tolist(), wh, strict=True)]
    unit: list[int | None] = [
        None if not p else _unit_of_scaled[one] if one is not None and one is not _VARIES else mean
        for p, one, mean in zip(priced, price, weighted, strict=True)
    ]
    acc = _Accumulator()
    acc.unpriced = any(r and u for r, u in zip(readings, no_price, strict=True))
    acc.units = sum(x for x, r, u in zip(incl, readings, no_price, strict=True) if r and not u)
    points = SeriesPoints(
        LocalMidnights(starts),
        kwh,
        FixedPoints(unit, _UNIT_PLACES),
        FixedPoints(cost, _COST_PLACES),
        qualities,
    )
    return points, sum(wh), acc, sum(measured), sum(estimated)


# --------------------------------------------------------------------------------------
# Around a series: data availability, trend, peers
# --------------------------------------------------------------------------------------


_LATEST_READING = (
    select(_R.c.ts, _R.c.interval_minutes)
    .where(_R.c.location_of_use_id == bindparam("location_id"))
    .order_by(_R.c.ts.desc())
    .limit(1)
)
_ROLLUP_TOTAL = select(func.coalesce(func.sum(_D.c.wh), 0), func.coalesce(func.sum(_D.c.readings), 0)).where(
    *_LOCATION_DAYS
)


async def data_available_until(db: Db, location_id: int) -> datetime | None:
    """The end of the latest reading of the location, local time; None without readings."""
    row = (await db.execute(_LATEST_READING, {"location_id": location_id})).first()
    if row is None:
        return None
    return _local_datetime(int(row[0]) + int(row[1]) * 60)


async def _rollup_total(db: Db, location_id: int, first: date, last: date) -> tuple[int, int]:
    row = (await db.execute(_ROLLUP_TOTAL, {"location_id": location_id, "first": first, "last": last})).one()
    return int(row[0]), int(row[1])


async def previous_period(db: Db, location_id: int, first: date, last: date) -> PeriodTotal | None:
    """The same number of days immediately before ``first``..``last``; None when it has no readings.

    It does not need the series itself, so it can be read side by side with it."""
    length = (last - first).days + 1
    p_last = first - timedelta(days=1)
    p_first = first - timedelta(days=length)
    if p_first < EARLIEST_DATE:
        return None
    wh, readings = await _rollup_total(db, location_id, p_first, p_last)
    if readings == 0:
        return None
    return PeriodTotal(p_first, p_last, wh)


#: Fewer similar locations than this give no comparison (privacy).
MIN_PEERS = 20
#: A peer counts when its readings cover at least this share of the period's time.
PEER_COVERAGE = 0.95


_PEER_TOTALS = (
    select(_D.c.location_of_use_id, func.sum(_D.c.wh), func.sum(_D.c.metered_minutes))
    .join(_L, _L.c.id == _D.c.location_of_use_id)
    .where(
        _L.c.building_type == bindparam("building_type"),
        _L.c.heating_type == bindparam("heating_type"),
        _L.c.floor_area_band == bindparam("floor_area_band"),
        *_DAYS_IN_RANGE,
    )
    .group_by(_D.c.location_of_use_id)
)


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default ``linear`` method)."""
    position = (len(sorted_values) - 1) * q
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


async def similar_locations(
    db: Db, location: LocationOfUse, first: date, last: date, *, today: date
) -> PeerComparison | None:
    """This location among locations of the same building type, heating and floor-area band.

    Totals per location for the period's days before today come from one grouped query
    on ``daily_consumption``. A peer counts when its readings cover at least 95 % of that
    time; fewer than 20 peers (or no floor-area band) give None. Median and quartiles
    interpolate linearly; the percentile rank counts the peers that used less, ties half.
    """
    last = min(last, today - timedelta(days=1))
    if location.floor_area_band is None or last < first:
        return None
    period_minutes = 60 * _hours_between(first, last)
    parameters = {
        "building_type": location.building_type,
        "heating_type": location.heating_type,
        "floor_area_band": location.floor_area_band,
        "first": first,
        "last": last,
    }
    rows = (await db.execute(_PEER_TOTALS, parameters)).all()
    own = None
    peers: list[int] = []
    for location_id, wh, minutes in rows:
        if location_id == location.id:
            own = int(wh)
        elif int(minutes) >= PEER_COVERAGE * period_minutes:
            peers.append(int(wh))
    if own is None or len(peers) < MIN_PEERS:
        return None
    values = sorted(wh / 1000 for wh in peers)
    below = sum(1 for wh in peers if wh < own)
    equal = sum(1 for wh in peers if wh == own)
    upper = _FLOOR_AREA_UPPER.get(location.floor_area_band)
    area = f"{location.floor_area_band}-{upper}" if upper else f"{location.floor_area_band}+"
    return PeerComparison(
        criteria=(
            f"buildingType: {location.building_type.value}",
            f"heatingType: {location.heating_type.value}",
            f"floorAreaM2: {area}",
        ),
        sample_size=len(peers),
        median_kwh=round(_quantile(values, 0.5), 3),
        p25_kwh=round(_quantile(values, 0.25), 3),
        p75_kwh=round(_quantile(values, 0.75), 3),
        percentile_rank=round(100 * (below + equal / 2) / len(peers), 1),
    )


def _floor_area_uppers() -> dict[int, int]:
    from domain.customers import FLOOR_AREA_BANDS

    return {low: high - 1 for low, high in itertools.pairwise(FLOOR_AREA_BANDS)}


_FLOOR_AREA_UPPER = _floor_area_uppers()


# --------------------------------------------------------------------------------------
# Next invoice estimate
# --------------------------------------------------------------------------------------


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _one_year_back(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _billing_period(contract: ContractPrices, interval_months: int, today: date) -> tuple[date, date]:
    """The billing period of ``contract`` containing ``today``: calendar months from its start."""
    start = contract.valid_from.replace(day=1)
    months = (today.year - start.year) * 12 + today.month - start.month
    period_start = _add_months(start, months - months % interval_months)
    period_end = _add_months(period_start, interval_months) - timedelta(days=1)
    period_start = max(period_start, contract.valid_from)
    if contract.valid_until is not None:
        period_end = min(period_end, contract.valid_until)
    return period_start, period_end


def _spread(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` split over ``weights`` in whole units (largest remainders), summing exactly."""
    if not weights:
        return []
    weight_sum = sum(weights)
    if weight_sum <= 0:
        weights = [1] * len(weights)
        weight_sum = len(weights)
    shares = [total * w // weight_sum for w in weights]
    rest = total - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: -(total * weights[i] % weight_sum))
    for i in order[:rest]:
        shares[i] += 1
    return shares


async def next_invoice_estimate(
    db: Db,
    location: LocationOfUse,
    *,
    customer_id: int,
    cutover: date,
    today: date,
    language: str = "FI",
) -> InvoiceEstimate | None:
    """An estimate of the invoice of the current billing period of the location's contract.

    The period is the billing period (``billing_interval_months`` calendar months from the
    contract's first month, clipped to its validity) that contains today. Consumption so
    far is the readings of the period up to yesterday. The remaining days (today to the
    period's end) are projected, in this order of preference:

    1. ``LAST_YEAR_SCALED``: the same days one year earlier, scaled by this period's
       consumption so far against the same days one year earlier;
    2. ``DAILY_AVERAGE``: the average day so far in this period;
    3. ``LAST_YEAR``: the same days one year earlier, unscaled (first day of a period);
    4. ``RECENT_AVERAGE``: the average day of the last 28 days with readings;
    5. ``NONE``: no basis, nothing projected.

    The projection is spread over the remaining days like the basis days (evenly for the
    averages), split into day and night energy by the shares so far (last year's, or the
    last 28 days') for time-of-use, and spot energy is priced at the consumption-weighted
    mean spot price so far (else of the last 28 days). The lines come from
    ``domain.billing.compute_invoice`` with the contract's prices, basic fee and VAT, fed
    with one day energy and one night energy (or one spot) pseudo reading per day: the
    same pricing as invoicing, and the lines sum to the total. None without a contract in
    force today, before the cutover, or when the prices cannot price the period.
    """
    assert location.id is not None
    book = await load_tariffs(db, location.id, customer_id, cutover)
    contract = book.contract_on(today)
    if contract is None or today < cutover:
        return None
    period_start, period_end = _billing_period(contract, max(1, contract.billing_interval_months), today)
    yesterday = today - timedelta(days=1)
    elapsed_last = min(yesterday, period_end)
    remaining_first = max(today, period_start)
    ly_first, ly_last = _one_year_back(period_start), _one_year_back(period_end)
    recent_first = yesterday - timedelta(days=27)
    rows = (
        await db.execute(
            select(_D.c.local_date, _D.c.wh, _D.c.wh_day, _D.c.spot_units, _D.c.readings).where(
                _D.c.location_of_use_id == location.id,
                or_(
                    and_(_D.c.local_date >= ly_first, _D.c.local_date <= ly_last),
                    and_(_D.c.local_date >= min(period_start, recent_first), _D.c.local_date <= yesterday),
                ),
            )
        )
    ).all()
    daily: dict[date, tuple[int, int, int]] = {}
    for day_value, wh, wh_day, spot_units, _readings in rows:
        day = day_value if isinstance(day_value, date) else date.fromisoformat(str(day_value))
        daily[day] = (int(wh), int(wh_day), int(spot_units))

    elapsed = list(_days(period_start, elapsed_last)) if elapsed_last >= period_start else []
    remaining = list(_days(remaining_first, period_end)) if remaining_first <= period_end else []
    so_far = [daily[d] for d in elapsed if d in daily]
    consumed = sum(v[0] for v in so_far)

    def back(days: Iterable[date]) -> list[tuple[int, int, int] | None]:
        return [daily.get(_one_year_back(d)) for d in days]

    ly_elapsed = [v for v in back(elapsed) if v is not None]
    ly_remaining = back(remaining)
    ly_remaining_known = [v for v in ly_remaining if v is not None]
    recent = [v for d, v in daily.items() if recent_first <= d <= yesterday]
    ly_elapsed_wh = sum(v[0] for v in ly_elapsed)

    method = "NONE"
    weights: list[int] = [1] * len(remaining)
    projected_rest = 0
    shape: list[tuple[int, int, int]] = []  # basis days for the day/night share
    if remaining:
        if consumed and ly_elapsed_wh and ly_remaining_known:
            method = "LAST_YEAR_SCALED"
            ly_rest = sum(v[0] for v in ly_remaining_known)
            projected_rest = ly_rest * consumed // ly_elapsed_wh
            weights = [v[0] if v is not None else 0 for v in ly_remaining]
            shape = ly_remaining_known
        elif so_far:
            method = "DAILY_AVERAGE"
            projected_rest = consumed * len(remaining) // len(elapsed)
            shape = so_far
        elif ly_remaining_known:
            method = "LAST_YEAR"
            projected_rest = sum(v[0] for v in ly_remaining_known)
            weights = [v[0] if v is not None else 0 for v in ly_remaining]
            shape = ly_remaining_known
        elif recent:
            method = "RECENT_AVERAGE"
            projected_rest = sum(v[0] for v in recent) * len(remaining) // len(recent)
            shape = recent
    if not shape:
        shape = so_far or recent
    shape_wh = sum(v[0] for v in shape)
    day_share = (sum(v[1] for v in shape), shape_wh) if shape_wh else (1, 2)
    price_basis = [v for v in (so_far or recent) if v[0]]
    spot_wh = sum(v[0] for v in price_basis)
    spot_units = sum(v[2] for v in price_basis)

    readings: list[tuple[int, int]] = []
    spot_prices: dict[int, Decimal] = {}

    def add_day(day: date, wh: int, wh_day: int, price: Decimal | None) -> None:
        noon = local_midnight_ts(day) + 12 * 3600
        midnight = local_midnight_ts(day)
        if contract.kind is ProductKind.TIME_OF_USE:
            readings.append((noon, wh_day))
            readings.append((midnight, wh - wh_day))
        else:
            readings.append((noon, wh))
        if contract.kind is ProductKind.SPOT:
            spot_prices[noon] = price if price is not None else Decimal(0)

    mean_price = None
    if spot_wh:
        mean_price = Decimal(spot_units) / (4 * 100 * spot_wh)  # EUR/MWh
    for day in elapsed:
        if day < contract.valid_from:
            continue
        wh, wh_day, units = daily.get(day, (0, 0, 0))
        price = Decimal(units) / (4 * 100 * wh) if wh else mean_price
        add_day(day, wh, wh_day, price)
    for day, wh in zip(remaining, _spread(projected_rest, weights), strict=True):
        wh_day = wh * day_share[0] // day_share[1]
        add_day(day, wh, wh_day, mean_price)
    if contract.kind is ProductKind.SPOT and mean_price is None and any(wh for _, wh in readings):
        return None
    try:
        invoice = compute_invoice(
            product_kind=contract.kind,
            components=contract.components,
            period_start=period_start,
            period_end=period_end,
            readings=readings,
            spot_prices=spot_prices,
            language=language,
        )
    except ValueError:
        return None
    return InvoiceEstimate(
        period_start=period_start,
        period_end=period_end,
        consumed_wh=consumed,
        projected_wh=consumed + projected_rest,
        method=method,
        lines=invoice.lines,
        total=invoice.total,
    )
