"""Cost and unit price in integer units: rounding, Decimal columns, column arithmetic."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from domain.base import filled, null_positions
from domain.reporting.memo import Cache
from domain.reporting.tariffs import Tariff

#: Wh x (4 x cents/MWh) x 25 = 1e-10 EUR.
SPOT_TO_UNITS = 25
#: 1e-10 EUR x VAT factor (per mille) = 1e-13 EUR; a cost is rounded to 1e-5 EUR.
COST_DIVISOR = 10**8
COST_PLACES = 5
#: A unit price in 1e-5 c/kWh x VAT factor = 1e-8 c/kWh; rounded to 1e-3 c/kWh.
UNIT_DIVISOR = 10**5
UNIT_PLACES = 3


def round_units(value: int, divisor: int) -> int:
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


class Accumulator:
    """Exact energy cost (1e-13 EUR with VAT) of a series, and whether it is all priced."""

    def __init__(self) -> None:
        self.units = 0
        self.unpriced = False


def _decimals(places: int) -> Cache:
    """``cache[units]`` is ``Decimal(units) x 10**-places`` (Decimals are immutable)."""
    return Cache(lambda units: Decimal(units).scaleb(-places))


def _texts(decimals: Cache) -> Cache:
    """``cache[units]`` is ``str`` of that Decimal (None for None)."""
    cache = Cache(lambda units: str(decimals[units]))
    cache[None] = None
    return cache


_cost_decimal = _decimals(COST_PLACES)
_unit_decimal = _decimals(UNIT_PLACES)
_cost_text = _texts(_cost_decimal)
_unit_text = _texts(_unit_decimal)
#: A unit price with VAT in 1e-8 c/kWh, rounded half away from zero to 0.001 c/kWh (in
#: 0.001 units; 35,040 quarter-hours share few prices).
unit_of_scaled = Cache(lambda scaled: round_units(scaled, UNIT_DIVISOR))


class FixedPoints(Sequence[Decimal | None]):
    """Decimals with ``places`` decimals kept as integer units (``None`` for no value), made
    only when asked for; ``texts()`` gives every value's ``str`` from a cache, the form of
    GraphQL's ``Decimal`` (the list fast path uses it)."""

    __slots__ = ("_decimals", "_texts", "units")

    def __init__(self, units: list[int | None], places: int) -> None:
        self.units = units
        if places == COST_PLACES:
            self._decimals, self._texts = _cost_decimal, _cost_text
        elif places == UNIT_PLACES:
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


# Column arithmetic: NumPy over whole columns, in 64-bit integers when no intermediate can
# pass 2**61 (checked from the columns' largest magnitudes), else in Python integers (NumPy
# object arrays): exact either way, and ~2.5x cheaper than ``map`` over ``operator`` in the
# usual case (measured on a year of quarter-hours, the conversions from and to lists
# included).
_INT64_SAFE = 2**61


def column_array(values: Sequence[int] | np.ndarray) -> np.ndarray:
    """``values`` as 64-bit integers, or as Python integers when they do not fit."""
    if isinstance(values, np.ndarray):
        return values
    try:
        return np.array(values, dtype=np.int64)
    except OverflowError:
        return np.array(values, dtype=object)


def magnitude(values: np.ndarray) -> int:
    """The largest absolute value of a column (0 for none), as a Python integer."""
    return max(int(values.max()), -int(values.min())) if len(values) else 0


def exact_columns(bound: int, *columns: np.ndarray) -> list[np.ndarray]:
    """``columns`` as Python integers when arithmetic up to ``bound`` could overflow int64."""
    if bound < _INT64_SAFE and all(c.dtype == np.int64 for c in columns):
        return list(columns)
    return [c.astype(object) for c in columns]


def _sum(values: np.ndarray) -> int:
    """The exact sum of a column."""
    if values.dtype == np.int64 and magnitude(values) * max(len(values), 1) < _INT64_SAFE:
        return int(values.sum())
    return sum(values.tolist())


def round_column(values: np.ndarray, divisor: int) -> np.ndarray:
    """``values / divisor`` rounded half away from zero."""
    quotient = (abs(values) + divisor // 2) // divisor
    return np.where(values < 0, -quotient, quotient)


def weighted_bound(incl: np.ndarray, energy: np.ndarray) -> int:
    """The largest intermediate of ``weighted_prices``."""
    return 2 * magnitude(incl) + 2 * UNIT_DIVISOR * magnitude(energy)


def weighted_prices(incl: np.ndarray, energy: np.ndarray) -> np.ndarray:
    """Consumption-weighted unit prices ``incl / (energy x 1e5)`` in 0.001 c/kWh, rounded half
    away from zero (0 where there is no energy: the caller empties those)."""
    denominators = np.where(energy > 0, energy, 1) * UNIT_DIVISOR
    quotient = (2 * abs(incl) + denominators) // (2 * denominators)
    return np.where(incl < 0, -quotient, quotient)


def price_points(
    run: list[int | None],
    scaled: list[int | None] | np.ndarray,
    a: int,
    cost: list[int | None],
    unit: list[int | None],
    acc: Accumulator,
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
        unit[a:b] = [None if x is None else unit_of_scaled[s] for x, s in zip(incl, scaled, strict=True)]
        cost[a:b] = [None if x is None else round_units(x, COST_DIVISOR) for x in incl]
        return
    gaps = [] if run_complete else null_positions(run)
    # points without readings: priced as 0 Wh here, then emptied
    energy = filled(run, gaps, 0) if gaps else run
    wh, price = column_array(energy), column_array(scaled)  # type: ignore[arg-type]
    wh, price = exact_columns(magnitude(wh) * magnitude(price), wh, price)
    incl = wh * price
    acc.units += _sum(incl)
    costs, units = round_column(incl, COST_DIVISOR).tolist(), round_column(price, UNIT_DIVISOR).tolist()
    for k in gaps:
        costs[k] = units[k] = None
    cost[a:b], unit[a:b] = costs, units


def price_rolled_spot(
    run: list[int | None],
    spot_units: list[int | None],
    unpriced_rows: list[int],
    a: int,
    tariff: Tariff,
    cost: list[int | None],
    unit: list[int | None],
    acc: Accumulator,
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
            None if wh is None or units is None or unpriced else (units * SPOT_TO_UNITS + wh * margin) * vat
            for wh, units, unpriced in zip(run, spot_units, unpriced_rows, strict=True)
        ]
        if any(wh is not None and x is None for wh, x in zip(run, incl, strict=True)):
            acc.unpriced = True
        acc.units += sum(x for x in incl if x is not None)
        cost[a:b] = [None if x is None else round_units(x, COST_DIVISOR) for x in incl]
        unit[a:b] = [
            None if x is None or not wh else _round_ratio(x, wh * UNIT_DIVISOR)
            for x, wh in zip(incl, run, strict=True)
        ]
        return
    energy, units = (filled(run, gaps, 0), filled(spot_units, gaps, 0)) if gaps else (run, spot_units)
    wh, spot = column_array(energy), column_array(units)  # type: ignore[arg-type]
    largest = (magnitude(spot) * SPOT_TO_UNITS + magnitude(wh) * abs(margin)) * vat
    wh, spot = exact_columns(max(2 * largest, 2 * UNIT_DIVISOR * magnitude(wh)), wh, spot)
    incl = (spot * SPOT_TO_UNITS + wh * margin) * vat
    acc.units += _sum(incl)
    costs = round_column(incl, COST_DIVISOR).tolist()
    prices = weighted_prices(incl, wh).tolist()
    for k in np.flatnonzero(wh == 0).tolist():  # the gaps, and hours that used no energy
        prices[k] = None
    for k in gaps:
        costs[k] = None
    cost[a:b], unit[a:b] = costs, prices
