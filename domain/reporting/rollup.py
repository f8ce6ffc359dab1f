"""Rollup maintenance: ``daily_consumption`` and ``hourly_consumption`` from the readings."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    case,
    cast,
    column,
    delete,
    func,
    insert,
    literal,
    select,
    table,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from domain.base import Resolution
from domain.billing import DAY_START_HOUR, NIGHT_START_HOUR
from domain.consumption import MeterReading, SpotPrice
from domain.customers import LocationOfUse
from domain.reporting.local_time import local_midnight_ts, offset_at, transitions
from domain.reporting.metering import ESTIMATED, MEASURED
from domain.reporting.sql import spot_cents
from domain.reporting.tables import DailyConsumption, HourlyConsumption

_R = MeterReading.__table__  # type: ignore[attr-defined]
_SP = SpotPrice.__table__  # type: ignore[attr-defined]
_D = DailyConsumption.__table__  # type: ignore[attr-defined]
_H = HourlyConsumption.__table__  # type: ignore[attr-defined]
_L = LocationOfUse.__table__  # type: ignore[attr-defined]


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
    pieces = [(t0, offset_at(t0)), *transitions(t0, t1)]
    return (ts + _offset_expression(ts, pieces, 0, len(pieces))) % 86400


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
        select(
            _price_key(sp.c.ts, case((sp.c.interval_minutes == 60, 1), else_=0)), 4 * spot_cents(sp)
        ).where(window),
    )
    for quarter in (900, 1800, 2700):
        yield insert(_READING_PRICES).from_select(
            ["k", "units"],
            select(_price_key(sp.c.ts + quarter, 0), 4 * spot_cents(sp)).where(
                window, sp.c.interval_minutes == 60
            ),
        )
    # The four 15-minute units of an hour price an hourly reading: their sum (4 x their
    # mean), or 4 x the first when some are missing (as ``spot_price_for``).
    hour = (sp.c.ts - sp.c.ts % 3600).label("hour")
    cents = spot_cents(sp)
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
            _count_if(_R.c.quality == MEASURED),
            _count_if(_R.c.quality == ESTIMATED),
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
            _count_if(_R.c.quality == MEASURED),
            _count_if(_R.c.quality == ESTIMATED),
            func.min(_R.c.quality),  # the weakest code (metering.point_quality)
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
