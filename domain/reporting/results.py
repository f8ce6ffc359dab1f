"""What reporting gives: series and their points, comparisons, the estimate; and the refusal."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from domain.base import Resolution
from domain.billing import InvoiceLineData
from domain.consumption import ReadingQuality


class ReportingInputError(ValueError):
    """A request the reporting rules refuse; the message names the rule (BAD_USER_INPUT)."""


class SeriesPoint(NamedTuple):
    """One point of a series; the attribute names are the GraphQL ``ConsumptionPoint`` fields."""

    #: First instant of the point, local time with its UTC offset.
    start: datetime
    #: Energy of the readings that exist, kWh (exact to the Wh); None without readings.
    kwh: float | None
    #: Energy price (with VAT for consumers), cents/kWh (0.001); None when not known (see
    #: the module doc).
    unit_price: Decimal | None
    #: Energy cost (with VAT for consumers), euros (0.00001); None when not known.
    cost: Decimal | None
    quality: ReadingQuality
    #: Whether the range cuts the point's week, month or year (``weeks.is_partial``).
    partial: bool = False
    #: Mean outdoor temperature of the point's days, deg C (0.1); None finer than a day, when
    #: not known, or when the series was built without temperatures (``with_temperatures``).
    temperature_c: float | None = None


class SeriesPoints(Sequence[SeriesPoint]):
    """The points of a series stored by column: cheap to build for 35,040 points.

    It is a sequence of ``SeriesPoint`` rows (made on access); ``column(name)`` gives the
    values of one attribute for every point, which lets a consumer that reads whole
    columns (the GraphQL list fast path) skip the rows altogether.
    """

    __slots__ = ("_columns", "cost", "kwh", "partial", "quality", "start", "temperature_c", "unit_price")
    FIELDS = SeriesPoint._fields

    def __init__(
        self,
        start: Sequence[datetime],
        kwh: list[float | None],
        unit_price: Sequence[Decimal | None],
        cost: Sequence[Decimal | None],
        quality: list[ReadingQuality],
        partial: Sequence[bool] | None = None,
        temperature_c: Sequence[float | None] | None = None,
    ) -> None:
        if partial is None:  # interval and DAY points: never cut
            partial = [False] * len(start)
        if not len(start) == len(kwh) == len(unit_price) == len(cost) == len(quality) == len(partial):
            raise ValueError("columns of different lengths")
        if temperature_c is None:
            temperature_c = [None] * len(start)
        elif len(temperature_c) != len(start):
            raise ValueError("columns of different lengths")
        self.start, self.kwh, self.unit_price, self.cost, self.quality = start, kwh, unit_price, cost, quality
        self.partial = partial
        self.temperature_c = temperature_c
        self._columns = {
            "start": start,
            "kwh": kwh,
            "unit_price": unit_price,
            "cost": cost,
            "quality": quality,
            "partial": partial,
            "temperature_c": temperature_c,
        }

    def column(self, name: str) -> Sequence[Any] | None:
        """Every point's value of attribute ``name`` (None for an attribute not stored)."""
        return self._columns.get(name)

    def with_temperatures(self, temperature_c: Sequence[float | None]) -> SeriesPoints:
        """The same points with the ``temperature_c`` column (the other columns shared)."""
        return SeriesPoints(
            self.start, self.kwh, self.unit_price, self.cost, self.quality, self.partial, temperature_c
        )

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
                self.partial[index],
                self.temperature_c[index],
            )
        return SeriesPoint(
            self.start[index],
            self.kwh[index],
            self.unit_price[index],
            self.cost[index],
            self.quality[index],
            self.partial[index],
            self.temperature_c[index],
        )

    def __iter__(self) -> Iterator[SeriesPoint]:
        return map(
            SeriesPoint._make,
            zip(
                self.start,
                self.kwh,
                self.unit_price,
                self.cost,
                self.quality,
                self.partial,
                self.temperature_c,
                strict=True,
            ),
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
    #: Energy plus basic fees, to the cent; None when some energy has no price.
    total_cost: Decimal | None
    completeness: Completeness
    #: Whether costs and unit prices include VAT (consumers) or not (organisations).
    vat_included: bool = True


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
    #: How the days without readings were projected (a ``projection.ProjectionMethod``).
    method: str
    #: Days of the location's own readings the projection's level was taken from.
    days_of_data: int
    lines: tuple[InvoiceLineData, ...]
    #: The estimated total, with VAT when ``vat_included``, else without.
    total: Decimal
    #: The total with the projected energy at the low and the high end of its range.
    low: Decimal
    high: Decimal
    vat_included: bool
