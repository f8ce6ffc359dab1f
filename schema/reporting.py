"""Reporting (SPEC 7): consumption series, their points, trend, similar locations, invoice estimate.

``Customer.consumption`` and ``Customer.nextInvoiceEstimate`` (in ``schema.customers``) are
the guarded entry points; nothing below them carries a directive, an extension or a
resolver per point: ``ConsumptionPoint`` fields are plain attributes of the domain's
``SeriesPoint`` rows, so that the list fast path (``schema.fastpath``) completes a year of
quarter-hours in one pass.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types.nodes import SelectedField, Selection

from domain import consumption, reporting
from domain.billing import InvoiceLineData
from domain.customers import LocationOfUse as LocationRow
from resolvers import reporting as resolvers
from resolvers.context import Context
from schema.common import Money
from schema.enums import Resolution
from schema.invoices import InvoiceLine
from schema.locations import LocationOfUse

ReadingQuality = strawberry.enum(
    consumption.ReadingQuality,
    description="Quality of readings; a point takes the weakest of its readings "
    "(`MISSING` < `ESTIMATED` < `MEASURED`). `MISSING` means a reading of the point does not exist. "
    "Readings are expected only while the location has a contract with the customer: `NO_CONTRACT` "
    "is a point wholly outside the contracts (its `kwh` null).",
)


@strawberry.type(
    description="Consumption of one quarter-hour, hour, day, ISO week, month or year of a series. "
    "Resolved from `domain.reporting.SeriesPoint` rows (same attribute names)."
)
class ConsumptionPoint:
    start: datetime = strawberry.field(
        description="First instant of the point, local time (Europe/Helsinki) with its UTC offset. "
        "A WEEK, MONTH or YEAR point that the range cuts starts at the range's first day (a WEEK point "
        "otherwise on a Monday)."
    )
    kwh: float | None = strawberry.field(
        description="Energy of the readings that exist, kWh (exact to the Wh); null when none exists."
    )
    unit_price: Decimal | None = strawberry.field(
        description="Energy price, cents/kWh (0.001), with VAT for a consumer and without for an "
        "organisation (the series' `vatIncluded`): the price in force (spot: spot + margin); "
        "where several applied (spot quarter-hours in an hour, day and night, a price change) the "
        "consumption-weighted mean. Null without readings or a known price."
    )
    cost: Decimal | None = strawberry.field(
        description="Energy cost in euros (0.00001) on the series' VAT basis (`vatIncluded`), basic fees "
        "excluded; null without readings "
        "or when a reading has no known price (before the cutover, no contract)."
    )
    quality: ReadingQuality = strawberry.field(
        description="Weakest quality of the point's expected readings (those while a contract is in "
        "force); MISSING when any of them is missing; NO_CONTRACT when the point is wholly outside "
        "the location's contracts."
    )
    partial: bool = strawberry.field(
        description="True when the range cuts the point's ISO week (Monday 00:00 to Monday 00:00, "
        "Europe/Helsinki), month or year: the point covers only the part inside the range. Always "
        "false for QUARTER_HOUR, HOUR and DAY points."
    )
    temperature_c: float | None = strawberry.field(
        name="temperatureC",
        description="Mean outdoor temperature of the point's days in the location's grid area, deg C "
        "(0.1): the mean of the daily means known. DAY, MONTH and YEAR points only; null for finer "
        "points and for days without a known temperature.",
    )


@strawberry.type(description="How complete a series is, counted in readings at the metered resolution.")
class Completeness:
    expected_readings: int = strawberry.field(
        description="Metering intervals of the range's days before today (readings arrive the next day)."
    )
    measured_readings: int = strawberry.field(description="Measured readings in the range.")
    estimated_readings: int = strawberry.field(description="Estimated readings in the range.")
    missing_readings: int = strawberry.field(
        description="Expected readings that are neither measured nor estimated (gaps)."
    )


@strawberry.type(description="Consumption and cost of a comparison period.")
class PeriodComparison:
    from_: date = strawberry.field(name="from", description="First day of the period (local date).")
    to: date = strawberry.field(description="Last day of the period (local date, inclusive).")
    total_kwh: float = strawberry.field(description="Energy of the period, kWh.")
    change_percent: float | None = strawberry.field(
        description="Change of the series' total against this period, percent (one decimal); "
        "null when this period's total is zero."
    )
    ahead: strawberry.Private[resolvers.Ahead]
    #: The ``Ahead`` read of this period's cost.
    cost_read: strawberry.Private[str]

    @strawberry.field(
        description="Cost of the period as a series of it shows it (`ConsumptionSeries.totalCost`: energy "
        "with VAT plus the basic fees of its days up to yesterday); null when some of its energy has no "
        "price (before the cutover, without a contract)."
    )
    async def total_cost(self) -> Money | None:
        found: Decimal | None = await self.ahead.result(self.cost_read)
        return None if found is None else Money.eur(found)

    @classmethod
    def of(
        cls, found: reporting.PeriodTotal, current_wh: int, ahead: resolvers.Ahead, cost_read: str
    ) -> PeriodComparison:
        return cls(
            from_=found.first,
            to=found.last,
            total_kwh=found.total_wh / 1000,
            change_percent=found.change_percent(current_wh),
            ahead=ahead,
            cost_read=cost_read,
        )


@strawberry.type(
    description="Where the location's consumption falls among similar locations of use for the same "
    "period: same building type, heating type and floor-area band. Never given from fewer than 20."
)
class SimilarLocations:
    criteria: list[str] = strawberry.field(
        description="What makes a location similar, e.g. `heatingType: ELECTRIC`."
    )
    sample_size: int = strawberry.field(description="Number of similar locations compared (20 or more).")
    median_kwh: float = strawberry.field(description="Median consumption of the similar locations, kWh.")
    p25_kwh: float = strawberry.field(description="25th percentile of their consumption, kWh.")
    p75_kwh: float = strawberry.field(description="75th percentile of their consumption, kWh.")
    percentile_rank: float = strawberry.field(
        description="Percent of the similar locations that used less than this one (ties count half)."
    )


@strawberry.type(
    description="Consumption of a location of use over local dates `from`..`to` (inclusive, "
    "Europe/Helsinki) at one resolution, with cost, completeness, trend and comparison."
)
class ConsumptionSeries:
    location_of_use: LocationOfUse = strawberry.field(description="The location of use.")
    resolution: Resolution = strawberry.field(description="Resolution of the points.")
    from_: date = strawberry.field(name="from", description="First day of the series (local date).")
    to: date = strawberry.field(description="Last day of the series (local date, inclusive).")
    timezone: str = strawberry.field(description="Time zone of the dates and points: Europe/Helsinki.")
    unit: str = strawberry.field(description="Unit of the energy figures: kWh.")
    total_kwh: float = strawberry.field(description="Energy of the series, kWh: the sum of the points.")
    total_cost: Money | None = strawberry.field(
        description="Energy cost of the points plus the basic fees of the range's days up to "
        "yesterday (pro rata per month, as invoiced), to the cent, on the VAT basis of `vatIncluded`; "
        "null when some energy has no price."
    )
    vat_included: bool = strawberry.field(
        description="Whether costs, unit prices and the total include VAT: true for a consumer, false "
        "for an organisation (which sees them without VAT, like its contract prices)."
    )
    points: list[ConsumptionPoint] = strawberry.field(
        description="One point per quarter-hour, hour, day, ISO week, month or year of the range, from the "
        "calendar "
        "(23 or 25 hours on the days of the DST changes), oldest first."
    )
    completeness: Completeness = strawberry.field(
        description="Expected, measured, estimated and missing readings."
    )
    series: strawberry.Private[reporting.Series]
    location_row: strawberry.Private[LocationRow]
    ahead: strawberry.Private[resolvers.Ahead]

    @classmethod
    def from_series(
        cls, location: LocationRow, series: reporting.Series, ahead: resolvers.Ahead
    ) -> ConsumptionSeries:
        done = series.completeness
        return cls(
            location_of_use=LocationOfUse.from_row(location),
            resolution=series.resolution,
            from_=series.first,
            to=series.last,
            timezone="Europe/Helsinki",
            unit="kWh",
            total_kwh=series.total_wh / 1000,
            total_cost=None if series.total_cost is None else Money.eur(series.total_cost),
            vat_included=series.vat_included,
            points=series.points,  # type: ignore[arg-type]  # SeriesPoint rows, read by attribute
            completeness=Completeness(
                expected_readings=done.expected,
                measured_readings=done.measured,
                estimated_readings=done.estimated,
                missing_readings=done.missing,
            ),
            series=series,
            location_row=location,
            ahead=ahead,
        )

    @strawberry.field(
        description="End of the latest reading of the location (local time); null without readings."
    )
    async def data_available_until(self) -> datetime | None:
        found: datetime | None = await self.ahead.result(resolvers.DATA_AVAILABLE_UNTIL)
        return found

    @strawberry.field(
        description="The period just before `from`: for a range of whole calendar months (a month, a "
        "quarter, a year) the same number of calendar months before; else the same number of days "
        "before. Null when it has no readings."
    )
    async def previous_period(self) -> PeriodComparison | None:
        found: reporting.PeriodTotal | None = await self.ahead.result(resolvers.PREVIOUS_PERIOD)
        if found is None:
            return None
        return PeriodComparison.of(found, self.series.total_wh, self.ahead, resolvers.PREVIOUS_PERIOD_COST)

    @strawberry.field(
        description="The same period one year earlier: the same calendar months for a range of whole "
        "months, else the same dates (February 29 becomes February 28). Null when it has no readings."
    )
    async def same_period_last_year(self) -> PeriodComparison | None:
        found: reporting.PeriodTotal | None = await self.ahead.result(resolvers.SAME_PERIOD_LAST_YEAR)
        if found is None:
            return None
        return PeriodComparison.of(
            found, self.series.total_wh, self.ahead, resolvers.SAME_PERIOD_LAST_YEAR_COST
        )

    @strawberry.field(
        description="Heating degree days S17 of the range's days in the location's grid area (the Finnish "
        "Meteorological Institute's definition): each day with a daily mean T of at most +10 deg C "
        "(January-June) or +12 deg C (July-December) counts 17 - T; warmer days count 0. To 0.1; days "
        "without a known temperature are left out; null when no day has one."
    )
    async def heating_degree_days(self) -> float | None:
        found: dict[date, int] = await self.ahead.result(resolvers.TEMPERATURES)
        return reporting.heating_degree_days(found, self.series.first, self.series.last)

    @strawberry.field(
        description="Comparison with similar locations over the range's days before today; null under 20 "
        "similar locations with readings for at least 95 % of that time."
    )
    async def similar_locations(self) -> SimilarLocations | None:
        found: reporting.PeerComparison | None = await self.ahead.result(resolvers.SIMILAR_LOCATIONS)
        if found is None:
            return None
        return SimilarLocations(
            criteria=list(found.criteria),
            sample_size=found.sample_size,
            median_kwh=found.median_kwh,
            p25_kwh=found.p25_kwh,
            p75_kwh=found.p75_kwh,
            percentile_rank=found.percentile_rank,
        )


def invoice_line(line: InvoiceLineData) -> InvoiceLine:
    """An estimated invoice line in the shape of invoice lines."""
    return InvoiceLine(
        description=line.description,
        quantity=line.quantity,
        unit=line.unit,
        unit_price=Money.eur(line.unit_price),
        vat_rate=line.vat_rate,
        amount_excl_vat=Money.eur(line.amount_excl_vat),
        amount_incl_vat=Money.eur(line.amount_incl_vat),
    )


ProjectionMethod = strawberry.enum(
    reporting.ProjectionMethod,
    description="How an estimate projected the days of the period without readings (the first that "
    "applies): LAST_YEAR_SCALED (the same days 52 weeks earlier, scaled by the last 28 days against "
    "the same days a year earlier, at least 14 of them with readings in both years), LAST_YEAR (the "
    "same days unscaled), RECENT_AVERAGE (the average day of the last 28 days, at least 14 with "
    "readings), ANNUAL_ESTIMATE (the location profile's annual estimate per day), SHORT_AVERAGE (the "
    "average of fewer than 14 recent days), NONE (nothing to go by, or nothing left to project).",
)


@strawberry.type(
    description="An estimate of the invoice of the current billing period: consumption so far plus a "
    "projection of the other days, priced by the contract like invoices (basic fee and VAT), with a "
    "range. Totals are with VAT for a consumer, without for an organisation (`vatIncluded`)."
)
class InvoiceEstimate:
    period_start: date = strawberry.field(description="First day of the billing period.")
    period_end: date = strawberry.field(description="Last day of the billing period.")
    consumed_kwh: float = strawberry.field(
        description="Consumption of the period's days with readings (up to yesterday), kWh."
    )
    projected_kwh: float = strawberry.field(
        description="Consumption projected for the whole period (so far plus the projected days), kWh."
    )
    projection_method: ProjectionMethod = strawberry.field(
        description="How the days without readings were projected."
    )
    days_of_data: int = strawberry.field(
        description="Days of the location's own recent readings the projection's level was taken from "
        "(0 when it used none: last year unscaled, the annual estimate)."
    )
    estimated_total: Money = strawberry.field(
        description="Estimated invoice total (with VAT when `vatIncluded`): the sum of the lines."
    )
    low: Money = strawberry.field(
        description="Low end of the estimate's range: the projected energy at the low end of the "
        "method's uncertainty; what is already consumed does not vary."
    )
    high: Money = strawberry.field(description="High end of the estimate's range (see `low`).")
    vat_included: bool = strawberry.field(
        description="Whether the totals include VAT: true for a consumer, false for an organisation."
    )
    lines: list[InvoiceLine] = strawberry.field(
        description="Estimated lines (basic fee, energy) as on an invoice, with and without VAT; their "
        "amounts (with VAT when `vatIncluded`, else without) sum to the total."
    )

    @classmethod
    def from_estimate(cls, estimate: reporting.InvoiceEstimate) -> InvoiceEstimate:
        return cls(
            period_start=estimate.period_start,
            period_end=estimate.period_end,
            consumed_kwh=estimate.consumed_wh / 1000,
            projected_kwh=estimate.projected_wh / 1000,
            projection_method=reporting.ProjectionMethod(estimate.method),
            days_of_data=estimate.days_of_data,
            estimated_total=Money.eur(estimate.total),
            low=Money.eur(estimate.low),
            high=Money.eur(estimate.high),
            vat_included=estimate.vat_included,
            lines=[invoice_line(line) for line in estimate.lines],
        )


async def consumption_of_customer(
    info: strawberry.Info[Context, Any],
    customer_id: int,
    location_of_use_id: str,
    first: date,
    last: date,
    resolution: Any,
) -> ConsumptionSeries:
    """``Customer.consumption``: the series of the customer's location (see ``resolvers.reporting``).

    The parts read beside the series are started with it when the query selects them.
    """
    selected = _selected_names(info.selected_fields)
    location, series, ahead = await resolvers.consumption_series(
        info.context,
        customer_id,
        location_of_use_id,
        first,
        last,
        resolution,
        ahead=[part for name, part in _READ_AHEAD.items() if name in selected],
    )
    found = ConsumptionSeries.from_series(location, series, ahead)
    if "temperatureC" in selected:
        # Read beside the series (started above); the points gain their temperature column.
        daily: dict[date, int] = await ahead.result(resolvers.TEMPERATURES)
        column = reporting.series_temperatures(daily, first, last, resolution, len(series.points))
        found.points = series.points.with_temperatures(column)  # type: ignore[assignment]
    return found


#: Fields of ``ConsumptionSeries`` (``parent.field`` for a field of a nested object) whose reads
#: start together with the series' own.
_READ_AHEAD = {
    "dataAvailableUntil": resolvers.DATA_AVAILABLE_UNTIL,
    "previousPeriod": resolvers.PREVIOUS_PERIOD,
    "previousPeriod.totalCost": resolvers.PREVIOUS_PERIOD_COST,
    "samePeriodLastYear": resolvers.SAME_PERIOD_LAST_YEAR,
    "samePeriodLastYear.totalCost": resolvers.SAME_PERIOD_LAST_YEAR_COST,
    "similarLocations": resolvers.SIMILAR_LOCATIONS,
    "heatingDegreeDays": resolvers.TEMPERATURES,
    "temperatureC": resolvers.TEMPERATURES,
}


def _selected_names(fields: list[Selection]) -> set[str]:
    """Names of the fields selected under ``fields``, each also as ``parent.name`` (through
    fragments; directives ignored, so a field skipped by ``@skip`` is read ahead in vain,
    never missed)."""
    names: set[str] = set()
    stack: list[tuple[Selection, str]] = [(s, f.name) for f in fields for s in getattr(f, "selections", ())]
    while stack:
        selection, parent = stack.pop()
        if isinstance(selection, SelectedField):
            names.add(selection.name)
            names.add(f"{parent}.{selection.name}")
            stack.extend((s, selection.name) for s in selection.selections)
        else:
            stack.extend((s, parent) for s in selection.selections)
    return names


async def estimate_of_customer(
    info: strawberry.Info[Context, Any], customer_id: int, location_of_use_id: str
) -> InvoiceEstimate | None:
    """``Customer.nextInvoiceEstimate``: null without a contract in force today."""
    found = await resolvers.next_invoice_estimate(info.context, customer_id, location_of_use_id)
    return None if found is None else InvoiceEstimate.from_estimate(found)
