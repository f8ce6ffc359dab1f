"""QUARTER_HOUR and HOUR points: readings or hourly rollup rows, spot prices, cost per run."""

from __future__ import annotations

import bisect
import operator
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from itertools import repeat

import numpy as np
from sqlalchemy import func, select

from domain.billing import DAY_START_HOUR, NIGHT_START_HOUR
from domain.consumption import MeterReading, ReadingQuality, SpotPrice
from domain.contracts import ProductKind
from domain.reporting.costs import (
    COST_PLACES,
    SPOT_TO_UNITS,
    UNIT_PLACES,
    Accumulator,
    FixedPoints,
    column_array,
    exact_columns,
    magnitude,
    price_points,
    price_rolled_spot,
)
from domain.reporting.grid import place_on_grid
from domain.reporting.local_time import LocalTimes, local_midnight_ts
from domain.reporting.metering import ESTIMATED, MEASURED, Metering, hour_qualities, reading_qualities
from domain.reporting.results import SeriesPoints
from domain.reporting.sql import (
    LOCATION_ID,
    T0,
    T1,
    Db,
    aggregated_text,
    fetch_columns,
    minutes_since,
    spot_cents,
)
from domain.reporting.tables import HourlyConsumption
from domain.reporting.tariffs import DayLookup, Tariff

_R = MeterReading.__table__  # type: ignore[attr-defined]
_SP = SpotPrice.__table__  # type: ignore[attr-defined]
_H = HourlyConsumption.__table__  # type: ignore[attr-defined]


def spot_p4(prices: dict[int, int], ts: int, minutes: int) -> int | None:
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


#: The readings in ``[t0, t1)`` as texts: minutes since ``t0``, Wh, quality code.
_READINGS_AS_TEXT = select(
    aggregated_text(minutes_since(_R.c.ts, T0)),
    aggregated_text(_R.c.wh),
    aggregated_text(_R.c.quality),
    func.count(),
).where(_R.c.location_of_use_id == LOCATION_ID, _R.c.ts >= T0, _R.c.ts < T1)
_READINGS = (
    select(_R.c.ts, _R.c.wh, _R.c.quality)
    .where(_R.c.location_of_use_id == LOCATION_ID, _R.c.ts >= T0, _R.c.ts < T1)
    .order_by(_R.c.ts)
)
#: The spot prices in ``[t0, t1)`` as texts: minutes since ``t0``, cents/MWh.
_PRICES_AS_TEXT = select(
    aggregated_text(minutes_since(_SP.c.ts, T0)), aggregated_text(spot_cents(_SP)), func.count()
).where(_SP.c.ts >= T0, _SP.c.ts < T1)
_PRICES = select(_SP.c.ts, spot_cents(_SP)).where(_SP.c.ts >= T0, _SP.c.ts < T1).order_by(_SP.c.ts)
#: What ``fetch_hours`` gives of an hour, after the hour itself.
_HOUR_SUMS = (
    _H.c.wh,
    _H.c.min_quality,
    _H.c.readings,
    _H.c.measured,
    _H.c.estimated,
    _H.c.spot_units,
    _H.c.unpriced_readings,
)
_HOURS_IN_RANGE = (_H.c.location_of_use_id == LOCATION_ID, _H.c.hour_ts >= T0, _H.c.hour_ts < T1)
#: The hours in ``[t0, t1)`` as texts (the hour as hours since ``t0``).
_HOURS_AS_TEXT = select(
    aggregated_text((_H.c.hour_ts - T0) // 3600), *map(aggregated_text, _HOUR_SUMS), func.count()
).where(*_HOURS_IN_RANGE)
_HOURS = select(_H.c.hour_ts, *_HOUR_SUMS).where(*_HOURS_IN_RANGE).order_by(_H.c.hour_ts)


async def fetch_readings(db: Db, location_id: int, t0: int, t1: int) -> list[list[int]]:
    """``minutes since t0, wh, quality`` of the readings in ``[t0, t1)``, in time order."""
    bounds = {"location_id": location_id, "t0": t0, "t1": t1}
    return await fetch_columns(db, _READINGS_AS_TEXT, _READINGS, bounds, lambda ts: (ts - t0) // 60)


async def fetch_prices(db: Db, t0: int, t1: int) -> SpotPrices:
    """The spot prices of the market time units starting in ``[t0, t1)``."""
    minutes, cents = await fetch_columns(
        db, _PRICES_AS_TEXT, _PRICES, {"t0": t0, "t1": t1}, lambda ts: (ts - t0) // 60
    )
    return SpotPrices(t0, minutes, cents)


async def fetch_hours(db: Db, location_id: int, t0: int, t1: int) -> list[list[int]]:
    """Hours of a location metered every 15 minutes, from ``hourly_consumption``, as columns
    ``hours since t0, wh, weakest quality, readings, measured, estimated, spot units,
    unpriced``, in time order."""
    bounds = {"location_id": location_id, "t0": t0, "t1": t1}
    return await fetch_columns(db, _HOURS_AS_TEXT, _HOURS, bounds, lambda hour: (hour - t0) // 3600)


def build_interval_points(
    columns: Sequence[Sequence[int]],
    *,
    single: bool,
    prices: SpotPrices | None,
    t0: int,
    step: int,
    count: int,
    lookup: DayLookup,
    metering: Metering,
) -> tuple[SeriesPoints, int, Accumulator, int, int]:
    """The ``count`` points from ``t0`` every ``step`` seconds, column by column.

    ``columns`` are ``minutes since t0, wh, quality`` of the readings when ``single``
    (``fetch_readings``), else those of ``fetch_hours``; in time order. A year of
    quarter-hours is 35,040 points, so every column is a comprehension (or a ``map``) over
    runs of one tariff, not a loop per point.
    """
    n = count
    # points outside the contracts: [a, b) runs; their readings are not the series'
    outside = [] if lookup.all_covered else _outside_runs(lookup, t0, step, n)
    if single:
        # (readings are placed by their minutes since t0)
        (whs, codes), complete = place_on_grid(columns[0], columns[1:3], (None, None), 0, step // 60, n)
        for a, b in outside:
            whs[a:b] = codes[a:b] = [None] * (b - a)
            complete = False
        measured, estimated = codes.count(MEASURED), codes.count(ESTIMATED)
        qualities = reading_qualities(codes)
        spot_units: list[int | None] = []
        unpriced_rows: list[int] = []
    else:
        (whs, codes, counts, spot_units, unpriced_rows), complete = place_on_grid(
            columns[0],  # hours since t0
            [columns[1], columns[2], columns[3], columns[6], columns[7]],
            (None, None, 0, None, 0),
            0,
            1,
            n,
        )
        measured, estimated = sum(columns[4]), sum(columns[5])
        for a, b in outside:
            for column in (whs, codes, spot_units):
                column[a:b] = [None] * (b - a)
            counts[a:b] = unpriced_rows[a:b] = [0] * (b - a)
            i, j = bisect.bisect_left(columns[0], a), bisect.bisect_left(columns[0], b)
            measured -= sum(columns[4][i:j])
            estimated -= sum(columns[5][i:j])
            complete = False
        # An hour needs its four readings once the location is metered every 15 minutes
        # (one before).
        if not metering.quarter:
            switch = n
        elif metering.quarter_from is None:
            switch = 0
        else:
            switch_ts = local_midnight_ts(date.fromordinal(metering.quarter_from))
            switch = min(n, max(0, (switch_ts - t0) // step))
        qualities = hour_qualities(codes, counts, switch)
    for a, b in outside:
        qualities[a:b] = [ReadingQuality.NO_CONTRACT] * (b - a)
    if not complete:
        total_wh = sum(filter(None, whs))
        kwh: list[float | None] = [None if wh is None else wh / 1000 for wh in whs]
    else:
        total_wh = sum(whs)
        kwh = list(map(operator.truediv, whs, repeat(1000)))

    # Cost, one run of days with one tariff at a time.
    cost: list[int | None] = [None] * n
    unit: list[int | None] = [None] * n
    acc = Accumulator()
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
            price_rolled_spot(run, spot_units[a:b], unpriced_rows[a:b], a, tariff, cost, unit, acc)
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
        price_points(run, scaled, a, cost, unit, acc, run_complete=complete)
    points = SeriesPoints(
        starts, kwh, FixedPoints(unit, UNIT_PLACES), FixedPoints(cost, COST_PLACES), qualities
    )
    return points, total_wh, acc, measured, estimated


def _outside_runs(lookup: DayLookup, t0: int, step: int, n: int) -> list[tuple[int, int]]:
    """The runs ``[a, b)`` of the ``n`` points from ``t0`` every ``step`` seconds on days
    without a contract."""
    runs = []
    for (seg_first, seg_last, _), inside in zip(lookup.segments, lookup.covered, strict=True):
        if inside:
            continue
        a = max(0, (local_midnight_ts(seg_first) - t0) // step)
        b = min(n, (local_midnight_ts(seg_last + timedelta(days=1)) - t0) // step)
        if a < b:
            runs.append((a, b))
    return runs


def _spot_scaled(
    prices: SpotPrices, first_ts: int, end_ts: int, step: int, tariff: Tariff
) -> list[int | None] | np.ndarray:
    """Spot price plus margin with VAT (1e-8 c/kWh) of each reading from ``first_ts`` on,
    each ``step`` seconds long; None where no price is known."""
    vat, margin = tariff.vat_factor, tariff.day_price
    if step < 3600:  # a quarter-hour: its own price, else its hour's (the hourly market era)
        aligned = prices.on_grid(first_ts, end_ts, step)
        if aligned is not None:  # (4 x cents x 25 + margin) x VAT
            cents = column_array(aligned)
            [cents] = exact_columns((magnitude(cents) * 100 + abs(margin)) * vat, cents)
            return cents * (100 * vat) + margin * vat  # type: ignore[no-any-return]
        by_ts = prices.by_ts
        p4s = [spot_p4(by_ts, ts, 15) for ts in range(first_ts, end_ts, step)]
    else:  # an hour: the mean of its four quarter-hour prices, else the hour's price
        by_ts = prices.by_ts
        p4s = [spot_p4(by_ts, ts, 60) for ts in range(first_ts, end_ts, step)]
    return [None if p4 is None else (p4 * SPOT_TO_UNITS + margin) * vat for p4 in p4s]


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
