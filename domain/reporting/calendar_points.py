"""DAY, WEEK, MONTH and YEAR points: daily rollup rows, summed in SQL per week, month or year."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Date, Integer, bindparam, case, func, literal, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, Select, expression

from domain.base import Resolution
from domain.contracts import ProductKind
from domain.reporting.costs import (
    COST_DIVISOR,
    COST_PLACES,
    SPOT_TO_UNITS,
    UNIT_PLACES,
    Accumulator,
    FixedPoints,
    column_array,
    exact_columns,
    round_column,
    unit_of_scaled,
    weighted_bound,
    weighted_prices,
)
from domain.reporting.grid import place_on_grid
from domain.reporting.local_time import LocalMidnights, day_hours, each_day
from domain.reporting.metering import (
    Metering,
    expected_in_contracts,
    expected_readings,
    outside_contracts,
    point_qualities,
)
from domain.reporting.results import SeriesPoints
from domain.reporting.sql import LOCATION_DAYS, Db
from domain.reporting.tables import DailyConsumption
from domain.reporting.tariffs import DayLookup, Tariff
from domain.reporting.weeks import WeekKey, is_partial, week_key, week_periods

_D = DailyConsumption.__table__  # type: ignore[attr-defined]

#: Marks a calendar point whose energy had several prices (or spot prices).
_VARIES: Any = object()


def _calendar_periods(first: date, last: date, resolution: Resolution) -> list[tuple[date, date]]:
    """The DAY, WEEK, MONTH or YEAR points of ``first``..``last`` as (first day, last day)."""
    if resolution is Resolution.DAY:
        return [(d, d) for d in each_day(first, last)]
    if resolution is Resolution.WEEK:
        return week_periods(first, last)
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
    .where(*LOCATION_DAYS)
    .order_by(_D.c.local_date)
)


async def calendar_rows(
    db: Db,
    location_id: int,
    first: date,
    last: date,
    resolution: Resolution,
    segments: Sequence[tuple[date, date, Tariff | None]],
) -> Sequence[Any]:
    """Rollup rows ``(period, piece, wh, wh_day, readings, measured, estimated, spot units,
    unpriced)``: one per day for DAY (piece 0), in day order; for WEEK, MONTH and YEAR summed in
    SQL per period (``weeks.week_key``, ``year x 100 + month``, or the year) and tariff piece (the
    index in ``segments``)."""
    if resolution is Resolution.DAY:
        return (await db.execute(_DAYS, {"location_id": location_id, "first": first, "last": last})).all()
    parameters: dict[str, Any] = {"location_id": location_id, "first": first, "last": last}
    parameters.update({f"piece_{i}": start for i, (start, _, _) in enumerate(segments) if i})
    statement = _periods_statement(resolution, len(segments))
    return (await db.execute(statement, parameters)).all()


@lru_cache(maxsize=64)
def _periods_statement(resolution: Resolution, pieces: int) -> Select[Any]:
    """Rollup sums per week, month or year and tariff piece, for ``pieces`` pieces whose starts
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
    key: ColumnElement[int] = (
        WeekKey(d.c.local_date)
        if resolution is Resolution.WEEK
        else _PeriodKey(d.c.local_date, resolution is Resolution.MONTH)
    )
    key_label = key.label("period")
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
    return select(key_label, piece_label, *sums).where(*LOCATION_DAYS).group_by(key_label, piece_label)


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
            0 if u else (s * SPOT_TO_UNITS + w * margin) * vat
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


def build_calendar_points(
    rows: Sequence[Any],
    first: date,
    last: date,
    resolution: Resolution,
    lookup: DayLookup,
    metering: Metering,
    today: date,
) -> tuple[SeriesPoints, int, Accumulator, int, int]:
    """DAY, WEEK, MONTH and YEAR points from the rows of ``calendar_rows``, column by column."""
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
    if day and not all(isinstance(k, date) for k in keys):
        keys = [k if isinstance(k, date) else date.fromisoformat(str(k)) for k in keys]
    if not lookup.all_covered:  # rows outside the contracts are not the series'
        wh, wh_day, readings, measured, estimated, spot_units, unpriced_readings = _in_contracts(
            [lookup.covered[lookup.index(k.toordinal())] for k in keys]
            if day
            else [lookup.covered[int(piece)] for piece in pieces],
            wh,
            wh_day,
            readings,
            measured,
            estimated,
            spot_units,
            unpriced_readings,
        )
    # Price the rows, the rows of one tariff at a time.
    incl, price, no_price = [0] * len(wh), [None] * len(wh), [False] * len(wh)
    groups: list[tuple[Tariff | None, list[int]]]
    if day:
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
        (wh, readings, measured, estimated, incl, price, no_price), _ = place_on_grid(
            ordinals,
            [wh, readings, measured, estimated, incl, price, no_price],
            (0, 0, 0, 0, 0, None, False),
            o0,
            1,
            n,
        )
    else:
        index_of = {_period_key(start, resolution): i for i, (start, _) in enumerate(periods)}
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
    odd = day_hours(first, last)
    if day:
        due_ordinal = due_last.toordinal()
        quarter, quarter_from = metering.quarter, metering.quarter_from
        per_hour = [
            (4 if quarter and (quarter_from is None or o >= quarter_from) else 1) if o <= due_ordinal else 0
            for o in range(o0, o0 + n)
        ]
        inside = None
        if not lookup.all_covered:
            inside = [lookup.covered[lookup.index(o)] for o in range(o0, o0 + n)]
            per_hour = [k if i else 0 for k, i in zip(per_hour, inside, strict=True)]
        expected = [odd.get(o, 24) * k for o, k in zip(range(o0, o0 + n), per_hour, strict=True)]
    elif lookup.all_covered:
        inside = None
        expected = [expected_readings(start, min(end, due_last), metering, odd) for start, end in periods]
    else:
        covered = lookup.covered_pieces()
        inside = [any(s <= end and start <= e for s, e in covered) for start, end in periods]
        expected = [
            expected_in_contracts(start, min(end, due_last), metering, covered, odd) for start, end in periods
        ]
    starts = list(range(o0, o0 + n)) if day else [start.toordinal() for start, _ in periods]
    partial = None if day else [is_partial(start, end, resolution) for start, end in periods]
    return _calendar_columns(
        starts, wh, readings, measured, estimated, incl, price, no_price, expected, partial, inside
    )


def _in_contracts(covered: list[bool], *columns: list[int]) -> list[list[int]]:
    """``columns`` of rollup rows with the rows not ``covered`` by a contract zeroed."""
    return [[v if c else 0 for v, c in zip(column, covered, strict=True)] for column in columns]


def _period_key(start: date, resolution: Resolution) -> int:
    """The SQL group key of the period starting on ``start`` (see ``calendar_rows``)."""
    if resolution is Resolution.WEEK:
        return week_key(start)
    return start.year * 100 + start.month if resolution is Resolution.MONTH else start.year


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
    partial: list[bool] | None = None,
    inside: list[bool] | None = None,
) -> tuple[SeriesPoints, int, Accumulator, int, int]:
    """The points' columns from their sums (see ``build_calendar_points``); ``inside``: whether
    each point has a day under a contract (None: all)."""
    qualities = point_qualities(readings, measured, estimated, expected)
    if inside is not None:
        qualities = outside_contracts(qualities, inside)
    kwh = [w / 1000 if r else None for w, r in zip(wh, readings, strict=True)]
    priced = [bool(r) and not u for r, u in zip(readings, no_price, strict=True)]
    amounts, energy = column_array(incl), column_array(wh)
    amounts, energy = exact_columns(weighted_bound(amounts, energy), amounts, energy)
    costs = round_column(amounts, COST_DIVISOR).tolist()
    cost: list[int | None] = [c if p else None for c, p in zip(costs, priced, strict=True)]
    weighted = [
        mean if w else None for mean, w in zip(weighted_prices(amounts, energy).tolist(), wh, strict=True)
    ]
    unit: list[int | None] = [
        None if not p else unit_of_scaled[one] if one is not None and one is not _VARIES else mean
        for p, one, mean in zip(priced, price, weighted, strict=True)
    ]
    acc = Accumulator()
    acc.unpriced = any(r and u for r, u in zip(readings, no_price, strict=True))
    acc.units = sum(x for x, r, u in zip(incl, readings, no_price, strict=True) if r and not u)
    points = SeriesPoints(
        LocalMidnights(starts),
        kwh,
        FixedPoints(unit, UNIT_PLACES),
        FixedPoints(cost, COST_PLACES),
        qualities,
        partial,
    )
    return points, sum(wh), acc, sum(measured), sum(estimated)
